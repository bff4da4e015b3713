/**
 * What the e2e run reads back from n8n through its REST API: executions (their run data, stored
 * in n8n's `flatted` format), binary data, node and credential types.
 */
import { join } from 'node:path';

import { BROWSER_ID, type N8nRest } from '../../scripts/dev/n8n';
import type { Runtime } from '../../scripts/dev/runtime';
import type { WorkflowJson } from '../../scripts/dev/setup';
import { sleep } from '../../scripts/dev/common';

export interface BinaryRef {
	mimeType: string;
	fileName?: string;
	fileSize?: string;
	id?: string;
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

/** The bytes of a binary field, whether n8n kept them in the execution (default mode) or on disk. */
export async function binaryBytes(rest: N8nRest, binary: BinaryRef): Promise<Buffer> {
	if (binary.data && !binary.id) return Buffer.from(binary.data, 'base64');
	if (!binary.id) throw new Error('binary data has neither data nor id');
	const res = await fetch(
		`${rest.baseUrl}/rest/binary-data?id=${encodeURIComponent(binary.id)}&action=download`,
		{ headers: { cookie: rest.authCookie, 'browser-id': BROWSER_ID } },
	);
	if (!res.ok) throw new Error(`GET /rest/binary-data → HTTP ${res.status}`);
	return Buffer.from(await res.arrayBuffer());
}

export function outputOf(execution: Execution, node: string, output = 0): OutputItem[] {
	const runs = execution.runData[node];
	if (!runs?.length) throw new Error(`node "${node}" did not run`);
	const run = runs[runs.length - 1];
	if (run.error) throw new Error(`node "${node}" failed: ${run.error.message}`);
	return run.data?.main?.[output] ?? [];
}
