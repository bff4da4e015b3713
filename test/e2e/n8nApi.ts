/**
 * What the e2e run reads back from n8n through its REST API: executions (their run data, stored
 * in n8n's `flatted` format), binary data, node and credential types.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { BROWSER_ID, type N8nRest } from '../../scripts/dev/n8n';
import type { Runtime } from '../../scripts/dev/runtime';
import type { WorkflowJson } from '../../scripts/dev/setup';
import { sleep } from '../../scripts/dev/common';

export interface BinaryRef {
	mimeType: string;
	fileName?: string;
	fileSize?: string;
	/** the size in bytes (n8n 2.x records it; 1.x only `fileSize`, in words) */
	bytes?: number;
	/** `<mode>:<file id>` where n8n stored the bytes (filesystem-v2, database, s3); none in memory mode */
	id?: string;
	/** base64 of the bytes in memory mode (`default`); otherwise the mode's name */
	data?: string;
}

export interface OutputItem {
	json: Record<string, unknown>;
	binary?: Record<string, BinaryRef>;
}

export interface NodeRun {
	error?: { message: string; description?: string };
	data?: { main?: Array<OutputItem[] | null> };
	executionStatus?: string;
}

export interface Execution {
	id: string;
	status: string;
	finished: boolean;
	mode: string;
	workflowId: string;
	runData: Record<string, NodeRun[]>;
	error?: { message: string; node?: { name: string } };
	lastNodeExecuted?: string;
}

interface RawExecution {
	id: string;
	status: string;
	finished: boolean;
	mode: string;
	workflowId: string;
	data: string;
}

/** n8n stores execution data with `flatted`; use n8n's own copy of it. */
function flattedParse(runtime: Runtime, text: string): unknown {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const flatted = require(join(runtime.dir, 'node_modules', 'flatted')) as { parse(text: string): unknown };
	return flatted.parse(text);
}

export async function getExecution(rest: N8nRest, runtime: Runtime, id: string): Promise<Execution> {
	const raw = await rest.request<RawExecution>('GET', `/rest/executions/${id}`);
	const data = flattedParse(runtime, raw.data) as {
		resultData: { runData: Record<string, NodeRun[]>; error?: Execution['error']; lastNodeExecuted?: string };
	};
	return {
		id: raw.id,
		status: raw.status,
		finished: raw.finished,
		mode: raw.mode,
		workflowId: raw.workflowId,
		runData: data.resultData.runData ?? {},
		error: data.resultData.error,
		lastNodeExecuted: data.resultData.lastNodeExecuted,
	};
}

const DONE = ['success', 'error', 'crashed', 'canceled'];

export async function waitForExecution(rest: N8nRest, runtime: Runtime, id: string, timeoutMs = 180_000): Promise<Execution> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const raw = await rest.request<RawExecution>('GET', `/rest/executions/${id}`);
		if (DONE.includes(raw.status)) return await getExecution(rest, runtime, id);
		if (Date.now() > until) throw new Error(`execution ${id} still "${raw.status}" after ${timeoutMs / 1000} s`);
		await sleep(1000);
	}
}

/** Runs a saved workflow as the editor's "Execute workflow" button does, from the given trigger. */
export async function runManually(rest: N8nRest, workflow: WorkflowJson & { id: string }, trigger: string): Promise<string> {
	const result = await rest.request<{ executionId?: string; waitingForWebhook?: boolean }>(
		'POST',
		`/rest/workflows/${workflow.id}/run`,
		{ workflowData: workflow, triggerToStartFrom: { name: trigger } },
	);
	if (!result.executionId) throw new Error(`n8n did not start an execution: ${JSON.stringify(result)}`);
	return result.executionId;
}

interface ExecutionSummary {
	id: string;
	status: string;
	workflowId: string;
	mode: string;
}

export async function listExecutions(rest: N8nRest, workflowId: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const res = await rest.request<{ results: ExecutionSummary[] } | ExecutionSummary[]>('GET', `/rest/executions?filter=${filter}`);
	return Array.isArray(res) ? res : res.results;
}

/**
 * Where n8n stored a binary field's bytes, as N8N_DEFAULT_BINARY_DATA_MODE names the mode: `default`
 * (in memory: base64 in the execution data), `filesystem` (ids `filesystem-v2:…`; 1.x's older
 * `filesystem:…` too), `database`, `s3`.
 */
export function storedIn(binary: BinaryRef): string {
	if (!binary.id) return binary.data ? 'default' : 'nowhere';
	const mode = binary.id.slice(0, binary.id.indexOf(':'));
	return mode.startsWith('filesystem') ? 'filesystem' : mode;
}

/**
 * The bytes of a binary field, whether n8n kept them in the execution (memory, `default` mode) or in
 * its store (filesystem, database, S3: read through `/rest/binary-data`, as the editor's download does).
 */
export async function binaryBytes(rest: N8nRest, binary: BinaryRef): Promise<Buffer> {
	if (binary.data && !binary.id) return Buffer.from(binary.data, 'base64');
	if (!binary.id) throw new Error('binary data has neither data nor id');
	const res = await fetch(
		`${rest.baseUrl}/rest/binary-data?id=${encodeURIComponent(binary.id)}&action=download`,
		{ headers: { cookie: rest.authCookie, 'browser-id': BROWSER_ID } },
	);
	if (!res.ok) throw new BinaryReadError(res.status);
	return Buffer.from(await res.arrayBuffer());
}

export class BinaryReadError extends Error {
	constructor(readonly status: number) {
		super(`GET /rest/binary-data → HTTP ${status}`);
	}
}

export interface DatabaseBinary {
	sourceType: string;
	/** the execution it belongs to; `temp` when it was stored before n8n knew the execution's id */
	sourceId: string;
	data: Buffer;
}

/**
 * A file n8n keeps in its SQLite database (binary data mode `database`), read straight from its table
 * with the runtime's Node (node:sqlite), bypassing n8n's access rules: for what `/rest/binary-data`
 * refuses to hand out.
 */
export function readDatabaseBinary(runtime: Runtime, userFolder: string, fileId: string): DatabaseBinary | undefined {
	const script = `
		const { DatabaseSync } = require('node:sqlite');
		const db = new DatabaseSync(process.argv[1], { readOnly: true });
		const row = db.prepare('SELECT sourceType, sourceId, data FROM binary_data WHERE fileId = ?').get(process.argv[2]);
		process.stdout.write(JSON.stringify(row ? { sourceType: row.sourceType, sourceId: row.sourceId, data: Buffer.from(row.data).toString('base64') } : null));
	`;
	const out = spawnSync(runtime.nodeBin, ['--no-warnings', '-e', script, join(userFolder, '.n8n', 'database.sqlite'), fileId], {
		encoding: 'utf8',
		maxBuffer: 1024 ** 3,
	});
	if (out.status !== 0) throw new Error(`reading n8n's database failed: ${out.stderr.trim().slice(0, 500)}`);
	const row = JSON.parse(out.stdout) as { sourceType: string; sourceId: string; data: string } | null;
	return row ? { ...row, data: Buffer.from(row.data, 'base64') } : undefined;
}

export function outputOf(execution: Execution, node: string, output = 0): OutputItem[] {
	const runs = execution.runData[node];
	if (!runs?.length) throw new Error(`node "${node}" did not run`);
	const run = runs[runs.length - 1];
	if (run.error) throw new Error(`node "${node}" failed: ${run.error.message}`);
	return run.data?.main?.[output] ?? [];
}
