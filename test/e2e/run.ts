/**
 * `npm run test:e2e`: the package as users meet it, in a real n8n editor. Opt-in: it installs n8n
 * (into .n8n-dev/runtime and .n8n-dev/runtime-2, git-ignored) and is never part of `npm test` or .ci/run.
 *
 * It runs three passes, one after the other, each on its own fresh user folder with its own simulator:
 * n8n 1.123 (Node 22) and n8n 2.41 (Node 24) as a user gets them, with no binary data mode set (1.x
 * keeps binary data in memory, 2.x on disk: .n8n-dev/e2e, .n8n-dev/e2e-2), and n8n 2.41 once more with
 * N8N_DEFAULT_BINARY_DATA_MODE=database (.n8n-dev/e2e-2-database). `--n8n 1|2` (or E2E_N8N) runs one
 * version's passes, `--binary-data-mode M` (or E2E_BINARY_DATA_MODE) one mode. n8n's working directory
 * is a folder of its own, not the user folder: a user's n8n runs wherever they started it. Per pass:
 *
 * 1. Manual install, as n8n's docs describe it: `npm install <the packed tarball>` in a fresh
 *    `<user folder>/.n8n/nodes`, with npm's defaults. No second n8n-workflow may appear there.
 * 2. n8n starts on that user folder; its owner account is set up through REST.
 * 3. n8n has loaded every node and credential type listed in package.json's `n8n` section.
 * 4. Both credentials, pointing at the simulator, pass n8n's credential test; the ClipMix one also
 *    passes with a sandbox key and fails, in words, for a wrong key, a key without sk_live_/sk_test_
 *    and a live key of an account that never bought credits.
 * 5. n8n's HTTP Request node, with our credentials as its predefined credential type (what n8n's
 *    "Custom API Call" points users to), calls the simulator with our auth applied.
 * 6. Every examples/*.json imports; manual and schedule-triggered ones are executed and their
 *    results checked against the simulator (every downloaded file byte for byte, of the served size,
 *    stored where the pass's binary data mode puts it); the schedule one is activated; a ClipMix
 *    Trigger one gets the folder its sticky note asks for (~/.n8n-files, absolute), is activated and
 *    fed a real signed webhook from the simulator, and the file it writes must land in
 *    <user folder>/.n8n-files (2.x lets nodes write only under ~/.n8n-files);
 *    a Blipix Trigger one (B) is activated, its companion creating example (A) is executed, and B
 *    must start exactly one execution per video A created, with its MP4, and none for older videos.
 * 7. Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) signs in, opens the
 *    Blipix Trigger's parameters, adds the Blipix node (Video → Create), opens the Voice dropdown and
 *    finds the simulator's voices; screenshots of the 2.x run go to docs/screenshots/ (the 1.x run's
 *    to .n8n-dev/e2e/screenshots/).
 *
 * The simulator runs at 60x with `wallClockTimestamps`: n8n's clock (and so the package's) is real,
 * and both triggers compare the APIs' timestamps with it (test/simulator/README.md).
 *
 * Each pass ends with its own summary line (`e2e on n8n 2.41.1 (database): N passed, …`), the run with
 * a table of the examples' times per pass and `e2e: N passed, N failed, N skipped` over all passes.
 *
 * Environment: E2E_N8N (1 or 2: one version only), E2E_BINARY_DATA_MODE (default, filesystem or
 * database: that mode only), E2E_N8N_PORT (default 5690; the task runner broker uses the next port),
 * E2E_KEEP=1 keeps n8n and the simulator running at the end (Ctrl-C to stop; the last pass's),
 * E2E_NO_BROWSER=1 skips step 7, E2E_VIDEO_BYTES (size of every served MP4, default 3 MiB + 1),
 * E2E_N8N_NODE_OPTIONS (NODE_OPTIONS for n8n, e.g. --trace-warnings).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, relative } from 'node:path';

import type { INodeType, ICredentialType } from 'n8n-workflow';

import { DEV_DIR, N8N_MAJORS, N8N_RELEASES, ROOT, formatSeconds, logger, parseN8nMajor, readPackageJson, sleep } from '../../scripts/dev/common';
import type { N8nMajor } from '../../scripts/dev/common';
import { installLikeDocs, packTarball } from '../../scripts/dev/install';
import { N8nRest, defaultBinaryDataMode, filesFolder, startN8n } from '../../scripts/dev/n8n';
import type { BinaryDataMode, N8nInstance } from '../../scripts/dev/n8n';
import { ensureRuntime } from '../../scripts/dev/runtime';
import type { Runtime } from '../../scripts/dev/runtime';
import {
	DEV_OWNER,
	DEV_WEBHOOK_SECRET,
	EXAMPLE_FILES_FOLDER,
	createWorkflow,
	productionWebhookPath,
	readExamples,
	simulatorCredentials,
	upsertCredentials,
	withCredentials,
	withFilesFolder,
} from '../../scripts/dev/setup';
import type { CredentialRef, WorkflowJson, WorkflowNode } from '../../scripts/dev/setup';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

import { driveEditor } from './browser';
import { Checks, assert, assertEqual } from './checks';
import { BinaryReadError, binaryBytes, listExecutions, outputOf, readDatabaseBinary, runManually, storedIn, waitForExecution } from './n8nApi';
import type { BinaryRef, Execution } from './n8nApi';

const log = logger('e2e');
const PORT = Number(process.env.E2E_N8N_PORT ?? 5690);

/** Every served MP4 is this big: many chunks, so a download that reads only the first would show. */
const VIDEO_BYTES = Number(process.env.E2E_VIDEO_BYTES ?? 3 * 1024 * 1024 + 1);

/** One pass: an n8n version, and the binary data mode it must run with. */
interface Pass {
	major: N8nMajor;
	mode: BinaryDataMode;
	/** N8N_DEFAULT_BINARY_DATA_MODE is set; false: unset, n8n's own default, as a user gets it */
	explicit: boolean;
}

const E2E_MODES: BinaryDataMode[] = ['default', 'filesystem', 'database'];

function passOf(major: N8nMajor, mode?: BinaryDataMode): Pass {
	const own = defaultBinaryDataMode(major);
	return { major, mode: mode ?? own, explicit: (mode ?? own) !== own };
}

/** Each version as a user gets it, and n8n 2.x's database mode (its queue-mode default) once more. */
const DEFAULT_PASSES: Pass[] = [passOf(1), passOf(2), passOf(2, 'database')];

/** `n8n 1.123.81 (memory, n8n's default)`, `n8n 2.41.1 (database)` */
function passLabel(pass: Pass): string {
	const mode = pass.mode === 'default' ? 'memory' : pass.mode;
	return `n8n ${N8N_RELEASES[pass.major].n8nVersion} (${pass.explicit ? mode : `${mode}, n8n's default`})`;
}

/** The user folder of one pass: .n8n-dev/e2e (1.x), .n8n-dev/e2e-2 (2.x), .n8n-dev/e2e-2-database. */
function userFolderOf(pass: Pass): string {
	const base = pass.major === 1 ? 'e2e' : `e2e-${pass.major}`;
	return join(DEV_DIR, pass.explicit ? `e2e-${pass.major}-${pass.mode}` : base);
}

/**
 * Where the editor's screenshots go: docs/screenshots/ (the README's pictures) from the newest n8n
 * as a user gets it only, so each picture exists once; every other pass's next to its user folder.
 */
function screenshotsOf(pass: Pass): string {
	return pass.major === N8N_MAJORS[N8N_MAJORS.length - 1] && !pass.explicit
		? join(ROOT, 'docs', 'screenshots')
		: join(userFolderOf(pass), 'screenshots');
}

type SavedWorkflow = WorkflowJson & { id: string; versionId: string };

interface Context {
	major: N8nMajor;
	/** where n8n must have stored every file the workflows made */
	mode: BinaryDataMode;
	userFolder: string;
	checks: Checks;
	rest: N8nRest;
	runtime: Runtime;
	sim: Simulator;
	pkgName: string;
	refs: Record<string, CredentialRef>;
	/** examples run, by file, for the browser step's screenshots */
	executed: Map<string, { workflowId: string; executionId: string }>;
	/** examples imported, by file */
	imported: Map<string, SavedWorkflow>;
	/** each example's time, from import to its last check, and its failed checks */
	timings: Map<string, { ms: number; failed: number }>;
}

/** `new` the class a built dist file exports (the one whose instances have the wanted shape). */
function instantiate<T>(file: string, has: (v: unknown) => boolean): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const mod = require(join(ROOT, file)) as Record<string, new () => T>;
	for (const Cls of Object.values(mod)) {
		if (typeof Cls !== 'function') continue;
		const instance = new Cls();
		if (has(instance)) return instance;
	}
	throw new Error(`${file} exports no node or credential class`);
}

function typeName(pkgName: string, node: INodeType): string {
	return `${pkgName}.${node.description.name}`;
}

const isTrigger = (n: WorkflowNode) => /trigger$/i.test(n.type) || n.type.endsWith('.webhook');

/** The node and output that feed `name` (the first connection found). */
function parentOf(workflow: WorkflowJson, name: string): { node: string; output: number } | undefined {
	for (const [from, byType] of Object.entries(workflow.connections)) {
		const outputs = (byType as { main?: Array<Array<{ node: string }> | null> }).main ?? [];
		for (let output = 0; output < outputs.length; output++) {
			if (outputs[output]?.some((c) => c.node === name)) return { node: from, output };
		}
	}
	return undefined;
}

function nodeParam(node: WorkflowNode, name: string): unknown {
	return node.parameters[name];
}

/**
 * A file n8n holds for a binary field: stored where the pass's binary data mode puts it (in the
 * execution data in memory mode, behind an id in the others), and, read back as the editor reads it,
 * exactly the bytes the simulator served. Returns its size.
 */
async function expectFile(ctx: Context, binary: BinaryRef | undefined, served: Buffer, what: string): Promise<number> {
	return (await expectFileRead(ctx, binary, served, what, false)).size;
}

/**
 * expectFile, for a polling trigger's file: n8n 2.41's database mode stores it before the execution
 * exists (source `temp`) and never moves it to the execution (restoreBinaryDataId does that only for
 * webhook executions, and only for path-style ids), and `/rest/binary-data` refuses every `temp`
 * source: the editor cannot open it (404). Then the bytes are read from n8n's database instead, and
 * `refusedSource` says why the editor could not.
 */
async function expectFileRead(
	ctx: Context,
	binary: BinaryRef | undefined,
	served: Buffer,
	what: string,
	pollingTrigger: boolean,
): Promise<{ size: number; refusedSource?: string }> {
	assert(binary, `${what}: no binary data`);
	assertEqual(storedIn(binary), ctx.mode, `${what}: where n8n stored it (N8N_DEFAULT_BINARY_DATA_MODE)`);
	let bytes: Buffer;
	let refusedSource: string | undefined;
	try {
		bytes = await binaryBytes(ctx.rest, binary);
	} catch (err) {
		if (!pollingTrigger || !(err instanceof BinaryReadError) || err.status !== 404 || storedIn(binary) !== 'database') throw err;
		const row = readDatabaseBinary(ctx.runtime, ctx.userFolder, binary.id!.slice('database:'.length));
		assert(row, `${what}: ${err.message}, and n8n's database has no such file`);
		assertEqual(row.sourceId, 'temp', `${what}: ${err.message}; the source of the file in n8n's database`);
		bytes = row.data;
		refusedSource = row.sourceId;
	}
	assertEqual(bytes.length, served.length, `${what}: bytes read back (the simulator served ${served.length})`);
	assert(bytes.equals(served), `${what} differs from the simulator's`);
	// n8n 2.x records the size it stored; 1.x only a size in words
	if (binary.bytes !== undefined) assertEqual(binary.bytes, served.length, `${what}: the size n8n recorded`);
	return { size: bytes.length, refusedSource };
}

const modeWords = (mode: string) => (mode === 'default' ? 'in memory' : `in ${mode} mode`);

/** Checks an execution's run data node by node, and the files it downloaded against the simulator's. */
async function verifyExecution(ctx: Context, file: string, workflow: WorkflowJson, execution: Execution): Promise<void> {
	const { checks, sim, pkgName } = ctx;
	await checks.check(`${file}: execution ${execution.id} succeeded`, () => {
		assertEqual(execution.status, 'success', `status (error: ${execution.error?.message ?? 'none'})`);
	});
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.stickyNote') continue;
		const runs = execution.runData[node.name];
		if (node.disabled) {
			// n8n does not run a disabled node's code: it hands the input on unchanged (or nothing).
			await checks.check(`${file}: disabled node "${node.name}" passed its input through untouched`, () => {
				if (!runs?.length) return 'not reached';
				const parent = parentOf(workflow, node.name);
				const input = parent ? outputOf(execution, parent.node, parent.output) : [];
				const output = outputOf(execution, node.name);
				const items = (list: typeof output) => list.map((i) => ({ json: i.json, binary: i.binary ?? null }));
				assertEqual(items(output), items(input), 'output of the disabled node (JSON and binary)');
				const files = output.filter((i) => i.binary && Object.keys(i.binary).length).length;
				return `${output.length} item(s) as received${files ? `, ${files} with their binary data` : ''}`;
			}, (s) => s);
			continue;
		}
		const name = `${file}: "${node.name}"`;
		if (node.type === `${pkgName}.blipixTrigger`) {
			const options = (nodeParam(node, 'options') ?? {}) as Record<string, unknown>;
			const events = (nodeParam(node, 'events') ?? ['video.ready']) as string[];
			const binaryName = String(options.binaryPropertyName ?? 'data');
			const download = options.downloadVideo === true;
			let refused: { what: string; source: string } | undefined;
			let opened = false;
			await checks.check(`${name} emitted one finished video${download ? ', its MP4 byte for byte' : ''}`, async () => {
				const items = outputOf(execution, node.name);
				assertEqual(items.length, 1, 'items in one execution');
				const [item] = items;
				const id = String(item.json.id);
				assert(sim.blipix.video(id), `the simulator has no video ${id}`);
				assert(events.includes(String(item.json.event)), `event ${String(item.json.event)} is not one of ${events.join(', ')}`);
				if (item.json.event === 'video.ready') {
					assertEqual(item.json.renderStatus, 'completed', 'renderStatus');
					if (download) {
						const binary = item.binary?.[binaryName];
						assert(binary, `no binary "${binaryName}"`);
						assertEqual(binary.mimeType, 'video/mp4', 'mimeType');
						const read = await expectFileRead(ctx, binary, sim.blipix.videoFile(id), `MP4 of ${id}`, true);
						if (read.refusedSource) refused = { what: `MP4 of ${id}`, source: read.refusedSource };
						else opened = true;
						return `${id}, ${String(item.json.event)}, MP4 of ${read.size.toLocaleString('en-US')} bytes ${modeWords(ctx.mode)}${read.refusedSource ? ", read from n8n's database" : ''}`;
					}
				}
				return `${id}, ${String(item.json.event)}`;
			}, (s) => s);
			if (download && (refused || opened)) {
				const editor = `${name}: the editor can open its MP4 (${ctx.mode === 'default' ? 'from the execution data' : 'GET /rest/binary-data'})`;
				if (refused) {
					checks.skip(
						editor,
						`n8n ${N8N_RELEASES[ctx.major].n8nVersion} answers 404 in database mode: a polling trigger's file keeps source execution "${refused.source}" (n8n re-parents only webhook executions' files) and /rest/binary-data refuses those; nodes read files by id, without that check`,
					);
				} else await checks.check(editor, () => true);
			}
		} else if (node.type === `${pkgName}.blipix` && nodeParam(node, 'operation') === 'create') {
			await checks.check(`${name} created the videos, one per item in`, () => {
				const items = outputOf(execution, node.name);
				assert(items.length > 0, 'no items');
				const parent = parentOf(workflow, node.name);
				if (parent) assertEqual(items.length, outputOf(execution, parent.node, parent.output).length, 'videos created for the items in');
				for (const item of items) {
					assertEqual(item.json.status, 'processing', 'status of a created video');
					assert(sim.blipix.video(String(item.json.id)), `the simulator has no video ${String(item.json.id)}`);
				}
				return items.length;
			}, (n) => `${n} videos`);
		} else if (node.type === `${pkgName}.blipixWaitForRender`) {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} handed back every MP4, byte for byte, of the served size`, async () => {
				const ready = outputOf(execution, node.name, 0);
				const failed = outputOf(execution, node.name, 1);
				const parent = parentOf(workflow, node.name);
				const input = parent ? outputOf(execution, parent.node, parent.output) : [];
				assert(ready.length > 0, 'no ready items');
				assertEqual(failed.length, 0, 'items on the Failed or Timed Out output');
				assertEqual(ready.length, input.length, 'videos ready, one per video in');
				const sizes = new Set<number>();
				for (const item of ready) {
					assertEqual(item.json.renderStatus, 'completed', 'renderStatus');
					const binary = item.binary?.[binaryName];
					assert(binary, `no binary "${binaryName}"`);
					assertEqual(binary.mimeType, 'video/mp4', 'mimeType');
					sizes.add(await expectFile(ctx, binary, sim.blipix.videoFile(String(item.json.id)), `MP4 of ${String(item.json.id)}`));
				}
				return { n: ready.length, sizes: [...sizes] };
			}, ({ n, sizes }) => `${n} videos ready, ${n} MP4s of ${sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}, equal to the simulator's`);
		} else if (
			node.type === `${pkgName}.clipMix` &&
			(nodeParam(node, 'operation') === 'waitForCompletion' || nodeParam(node, 'waitForCompletion') === true)
		) {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} waited for and downloaded the result, byte for byte`, async () => {
				const ready = outputOf(execution, node.name, 0);
				const parent = parentOf(workflow, node.name);
				assert(ready.length > 0, 'no ready items');
				if (parent) assertEqual(ready.length, outputOf(execution, parent.node, parent.output).length, 'results, one per job in');
				const sizes: number[] = [];
				for (const item of ready) {
					assertEqual(item.json.status, 'completed', 'job status');
					sizes.push(await expectFile(ctx, item.binary?.[binaryName], sim.clipmix.resultFile(String(item.json.id)), `result of ${String(item.json.id)}`));
				}
				return sizes;
			}, (sizes) => `${sizes.length} job(s), file(s) of ${sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}`);
		} else if (node.type === `${pkgName}.clipMix` && nodeParam(node, 'operation') === 'downloadResult') {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} downloaded the result, byte for byte`, async () => {
				const items = outputOf(execution, node.name, 0);
				const parent = parentOf(workflow, node.name);
				assert(items.length > 0, 'no items');
				if (parent) assertEqual(items.length, outputOf(execution, parent.node, parent.output).length, 'results, one per item in');
				const sizes: number[] = [];
				for (const item of items) {
					sizes.push(await expectFile(ctx, item.binary?.[binaryName], sim.clipmix.resultFile(String(item.json.id)), `result of ${String(item.json.id)}`));
				}
				return sizes;
			}, (sizes) => `${sizes.length} file(s) of ${sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}`);
		} else if (node.type === 'n8n-nodes-base.splitOut') {
			await checks.check(`${name} made one item per entry of "${String(nodeParam(node, 'fieldToSplitOut'))}"`, () => {
				const parent = parentOf(workflow, node.name);
				const field = String(nodeParam(node, 'fieldToSplitOut'));
				const input = parent ? outputOf(execution, parent.node, parent.output) : [];
				const entries = input.reduce((n, i) => n + (Array.isArray(i.json[field]) ? (i.json[field] as unknown[]).length : 0), 0);
				const items = outputOf(execution, node.name).length;
				assertEqual(items, entries, `items out for ${entries} entries in`);
				return items;
			}, (n) => `${n} item(s)`);
		} else {
			await checks.check(`${name} ran`, () => outputOf(execution, node.name).length, (n) => `${n} item(s)`);
		}
	}
}

async function activate(ctx: Context, saved: SavedWorkflow): Promise<SavedWorkflow> {
	return await ctx.rest.request<SavedWorkflow>('POST', `/rest/workflows/${saved.id}/activate`, { versionId: saved.versionId });
}

async function deactivate(ctx: Context, saved: SavedWorkflow): Promise<void> {
	await ctx.rest.request('POST', `/rest/workflows/${saved.id}/deactivate`, {});
}

/**
 * A ClipMix Trigger workflow: activate it, let the simulator send a real signed job.completed to it.
 *
 * ClipMix signs each event with its time, and the ClipMix Trigger refuses an event more than a few
 * minutes ahead of n8n's clock (or older than Max Event Age). The simulator runs at 60x, but with
 * `wallClockTimestamps` it stamps the event (and its job) with the real time, so the trigger's check
 * against n8n's clock is the real one, not worked around.
 */
async function runWebhookExample(ctx: Context, file: string, saved: SavedWorkflow, trigger: WorkflowNode): Promise<void> {
	const { checks, sim } = ctx;
	const active = await checks.check(`${file}: activates (webhook registered)`, async () => {
		const w = await activate(ctx, saved);
		assert(w.active, 'not active after activation');
		return w;
	});
	if (!active) return;
	try {
		const url = `http://127.0.0.1:${PORT}${productionWebhookPath(trigger)}`;
		sim.clipmix.setWebhook(sim.clipmix.liveKey, url, DEV_WEBHOOK_SECRET);
		const res = await fetch(`${sim.clipmix.baseUrl}/music`, {
			method: 'POST',
			headers: { authorization: `Bearer ${sim.clipmix.liveKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ prompt: 'e2e: a song for the webhook example', duration_seconds: 10 }),
		});
		const job = (await res.json()) as { id: string };
		assert(res.status === 201, `creating a music job → ${res.status}`);
		const execution = await checks.check(`${file}: the simulator's signed job.completed webhook (stamped in n8n's real time) started it`, async () => {
			const until = Date.now() + 120_000;
			for (;;) {
				const done = (await listExecutions(ctx.rest, saved.id)).find((e) => e.status !== 'running' && e.status !== 'new');
				if (done) return await waitForExecution(ctx.rest, ctx.runtime, done.id);
				if (Date.now() > until) {
					const deliveries = sim.clipmix.deliveries(sim.clipmix.liveKey).slice(-3);
					throw new Error(`no execution within 120 s; last deliveries: ${JSON.stringify(deliveries)}`);
				}
				await sleep(1000);
			}
		}, (e) => `execution ${e.id}, job ${job.id}`);
		if (execution) {
			await verifyExecution(ctx, file, saved, execution);
			const delivery = sim.clipmix.deliveries(sim.clipmix.liveKey).find((d) => d.url === url && d.ok);
			await checks.check(`${file}: n8n answered the webhook delivery 2xx`, () => assert(delivery, 'no successful delivery'));
			const writer = saved.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile');
			if (writer) {
				await checks.check(`${file}: "${writer.name}" wrote the result file into ~/.n8n-files, byte for byte`, () => {
					const [item] = outputOf(execution, writer.name);
					// the absolute path the example's note asks for; n8n runs elsewhere than the user folder
					const path = String(item.json.fileName);
					assert(isAbsolute(path), `"${path}" is not an absolute path: n8n would resolve it against its working directory`);
					const within = relative(filesFolder(ctx.userFolder), path);
					assert(within && !within.startsWith('..') && !isAbsolute(within), `${path} is not inside ${filesFolder(ctx.userFolder)}`);
					assert(existsSync(path), `${path} does not exist`);
					assert(readFileSync(path).equals(sim.clipmix.resultFile(job.id)), `${path} differs from the simulator's result`);
					rmSync(path);
					return relative(ROOT, path);
				}, (p) => p);
			}
		}
	} finally {
		sim.clipmix.setWebhook(sim.clipmix.liveKey, '', '');
		await deactivate(ctx, saved).catch(() => undefined);
	}
}

/** The creating example that feeds a Blipix Trigger one: `<name>-1-*.json` for `<name>-2-*.json`. */
function creatingExampleOf(file: string, files: Iterable<string>): string | undefined {
	const m = /^(.*)-2-[^/]*\.json$/.exec(file);
	return m ? [...files].find((f) => f.startsWith(`${m[1]}-1-`) && f.endsWith('.json')) : undefined;
}

/** How long after the last video is ready B's executions may take: one poll interval (a minute) and slack. */
const POLL_INTERVAL_MS = 60_000;
const POLL_SLACK_MS = 45_000;

/**
 * A Blipix Trigger workflow (B, polling every minute) and its creating example (A: schedule → prompts →
 * Blipix Create, no wait), as a user runs the pair:
 *
 * 1. Every video already on the key (from the examples before) is left to finish: history, which B
 *    must never emit. Their `createdAt` are real times before B's activation (`wallClockTimestamps`);
 *    in simulated time they would be later than it, and B would take them for new.
 * 2. B is activated. n8n polls once on activation (its test that the trigger works; 1.x inside the
 *    activation call, 2.x a moment after answering it): that poll records a baseline and must start
 *    no execution.
 * 3. A is executed as the editor's "Execute workflow" does; its videos render in seconds at 60x.
 * 4. B's scheduled polls (n8n's every-minute cron, at a random second) start one execution per video,
 *    each checked node by node: the trigger's item is the video, its MP4 byte for byte; the disabled
 *    YouTube node hands the item on. Exactly A's videos, each once, nothing else.
 * 5. The next scheduled poll after that starts nothing more (the emit-once store), then B is deactivated.
 */
async function runBlipixTriggerExample(ctx: Context, file: string, saved: SavedWorkflow, trigger: WorkflowNode): Promise<void> {
	const { checks, rest, sim } = ctx;
	const key = sim.blipix.apiKey;
	const creatingFile = creatingExampleOf(file, ctx.imported.keys());
	const creating = creatingFile ? ctx.imported.get(creatingFile) : undefined;
	if (!creatingFile || !creating) {
		checks.fail(`${file}: its creating example is imported`, `no imported example matches ${file.replace(/-2-.*$/, '-1-*.json')}`);
		return;
	}
	const creatingTrigger = creating.nodes.find((n) => isTrigger(n) && !n.disabled);
	if (!creatingTrigger) {
		checks.fail(`${file}: ${creatingFile} has a trigger`, 'no enabled trigger node');
		return;
	}
	const polls = (after: number) =>
		sim.blipix.requestLog.filter((e) => e.at > after && e.apiKey === key && e.route === 'GET /videos' && e.path.includes('limit=100'));
	const started = Date.now();

	const history = await checks.check(`${file}: every earlier video on the key has finished (history, never to be emitted)`, async () => {
		const res = await fetch(`${sim.blipix.baseUrl}/videos?limit=100`, { headers: { authorization: `Bearer ${key}` } });
		assert(res.ok, `GET /videos → HTTP ${res.status}`);
		const { videos } = (await res.json()) as { videos: Array<{ id: string }> };
		for (const { id } of videos) {
			const video = sim.blipix.video(id);
			const end = video?.readyAt ?? video?.failedAt;
			if (end !== undefined && end > Date.now()) await sleep(end - Date.now() + 200);
		}
		return videos.map((v) => v.id);
	}, (ids) => `${ids.length} finished videos`);
	if (!history) return;

	const activatedAt = Date.now();
	const active = await checks.check(`${file}: activates, and n8n polls once on activation`, async () => {
		const fresh = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${saved.id}`);
		const w = await activate(ctx, fresh);
		assert(w.active, 'not active after activation');
		const answeredIn = Date.now() - activatedAt;
		// n8n 1.x polls inside the activation call; 2.x answers first and polls a moment later
		const until = Date.now() + 15_000;
		while (!polls(activatedAt).length) {
			if (Date.now() > until) throw new Error(`no GET /videos?limit=100 within ${formatSeconds(Date.now() - activatedAt)} of activating`);
			await sleep(100);
		}
		return { answeredIn, polledIn: polls(activatedAt)[0].at - activatedAt };
	}, ({ answeredIn, polledIn }) => `answered in ${answeredIn} ms; GET /videos?limit=100 ${polledIn} ms after the call`);
	if (!active) return;
	try {
		await checks.check(`${file}: the activation poll started no execution (${history.length} finished videos already on the key)`, async () => {
			await sleep(3000);
			const executions = await listExecutions(rest, saved.id);
			assertEqual(executions.map((e) => e.id), [], 'executions of the workflow');
		});

		const createdIds = await checks.check(`${file}: ${creatingFile} executes from "${creatingTrigger.name}" (as the Execute workflow button does) and creates videos`, async () => {
			const fresh = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${creating.id}`);
			const execution = await waitForExecution(rest, ctx.runtime, await runManually(rest, fresh, creatingTrigger.name));
			assertEqual(execution.status, 'success', `status (error: ${execution.error?.message ?? 'none'})`);
			const create = creating.nodes.find((n) => n.type === `${ctx.pkgName}.blipix` && nodeParam(n, 'operation') === 'create');
			assert(create, `${creatingFile} has no Blipix Create node`);
			const ids = outputOf(execution, create.name).map((i) => String(i.json.id));
			assert(ids.length > 0, 'no videos created');
			for (const id of ids) assert(sim.blipix.video(id), `the simulator has no video ${id}`);
			return ids;
		}, (ids) => `execution done, ${ids.length} videos: ${ids.join(', ')}`);
		if (!createdIds) return;

		const readyAt = Math.max(...createdIds.map((id) => sim.blipix.video(id)?.readyAt ?? Date.now()));
		const executions = await checks.check(`${file}: one execution per created video, started by the trigger's scheduled polls`, async () => {
			const until = readyAt + POLL_INTERVAL_MS + POLL_SLACK_MS;
			let found = await listExecutions(rest, saved.id);
			while (found.length < createdIds.length) {
				if (Date.now() > until) {
					throw new Error(`${found.length} execution(s) ${formatSeconds(Date.now() - readyAt)} after the last video was ready; polls since activation: ${polls(activatedAt).length}`);
				}
				await sleep(1000);
				found = await listExecutions(rest, saved.id);
			}
			const done: Execution[] = [];
			for (const e of found) done.push(await waitForExecution(rest, ctx.runtime, e.id));
			return done;
		}, (list) => `${list.length} executions (${list.map((e) => e.id).join(', ')}), the last ${formatSeconds(Date.now() - readyAt)} after the last video was ready`);
		if (!executions) return;
		const allSeenAt = Date.now();

		for (const execution of executions) {
			await checks.check(`${file}: execution ${execution.id} was started by the trigger`, () => assertEqual(execution.mode, 'trigger', 'mode'));
			await verifyExecution(ctx, file, saved, execution);
		}
		const firstOf = executions[0];
		if (firstOf) ctx.executed.set(file, { workflowId: saved.id, executionId: firstOf.id });
		await checks.check(`${file}: exactly the created videos, each once; none of the ${history.length} earlier ones`, () => {
			const emitted = executions.map((e) => String(outputOf(e, trigger.name)[0]?.json.id)).sort();
			assertEqual(emitted, [...createdIds].sort(), 'videos emitted');
		}, () => createdIds.join(', '));

		await checks.check(`${file}: the next scheduled poll starts no execution again`, async () => {
			const until = allSeenAt + POLL_INTERVAL_MS + 15_000;
			while (!polls(allSeenAt).length) {
				if (Date.now() > until) throw new Error(`no poll within ${formatSeconds(Date.now() - allSeenAt)}`);
				await sleep(500);
			}
			await sleep(5000);
			const now = await listExecutions(rest, saved.id);
			assertEqual(now.map((e) => e.id).sort(), executions.map((e) => e.id).sort(), 'executions of the workflow');
			return polls(activatedAt).length;
		}, (n) => `${n} polls since activation, ${executions.length} executions; ${formatSeconds(Date.now() - started)} for this example`);
	} finally {
		await deactivate(ctx, saved).catch(() => undefined);
	}
}

async function runExamples(ctx: Context, knownTypes: Set<string>): Promise<void> {
	for (const { file, workflow } of readExamples()) {
		process.stdout.write(`\n${file}\n`);
		const startedAt = Date.now();
		const failedBefore = ctx.checks.failed;
		await runExample(ctx, knownTypes, file, workflow);
		ctx.timings.set(file, { ms: Date.now() - startedAt, failed: ctx.checks.failed - failedBefore });
	}
}

/**
 * What a user must do to an example before it runs: examples that write files say, on the canvas
 * (a sticky note and the Read/Write Files node's notes), which folder to put in the path; the
 * harness does just that. Every Read/Write Files path must be that folder's: an absolute path, as
 * n8n resolves a relative one against its working directory, which is not the home.
 */
async function prepareExample(ctx: Context, file: string, workflow: WorkflowJson): Promise<WorkflowJson | undefined> {
	const writers = workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.readWriteFile');
	if (!writers.length) return workflow;
	return await ctx.checks.check(`${file}: says on the canvas which folder to write to, and is set to ~/.n8n-files (absolute) as it asks`, () => {
		const { workflow: set, changed } = withFilesFolder(workflow, filesFolder(ctx.userFolder));
		assertEqual(changed, writers.length, `Read/Write Files paths starting with ${EXAMPLE_FILES_FOLDER}/`);
		for (const w of writers) {
			assert(w.notesInFlow && w.notes?.includes('.n8n-files'), `"${w.name}" shows no note about the folder on the canvas`);
		}
		const sticky = workflow.nodes.some((n) => n.type === 'n8n-nodes-base.stickyNote' && String(n.parameters.content).includes(EXAMPLE_FILES_FOLDER));
		assert(sticky, `no sticky note names ${EXAMPLE_FILES_FOLDER}`);
		return set;
	}, () => `${EXAMPLE_FILES_FOLDER} → ${filesFolder(ctx.userFolder)}`);
}

async function runExample(ctx: Context, knownTypes: Set<string>, file: string, shipped: WorkflowJson): Promise<void> {
	const { checks, pkgName, rest } = ctx;
	const workflow = await prepareExample(ctx, file, shipped);
	if (!workflow) return;
	const saved = await checks.check(`${file}: imports`, async () => {
		const created = await createWorkflow(rest, withCredentials(workflow, ctx.refs));
		const back = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${created.id}`);
		assertEqual(back.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), workflow.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), 'nodes');
		return back;
	}, (w) => `${w.nodes.length} nodes, id ${w.id}`);
	if (!saved) return;
	ctx.imported.set(file, saved);

	const unknown = [...new Set(workflow.nodes.map((n) => n.type).filter((t) => !knownTypes.has(t)))];
	const ours = unknown.filter((t) => t.startsWith(`${pkgName}.`));
	if (unknown.length) {
		const why = ours.length
			? `${ours.join(', ')} is not in package.json's n8n.nodes yet, so n8n did not load it`
			: `n8n does not know ${unknown.join(', ')}`;
		if (ours.length === unknown.length) checks.skip(`${file}: run`, why);
		else checks.fail(`${file}: every node type is known to n8n`, why);
		return;
	}
	await checks.check(`${file}: every node type and version is known to n8n`, () => true);

	const triggers = workflow.nodes.filter((n) => isTrigger(n) && !n.disabled);
	const trigger = triggers[0];
	if (!trigger) {
		checks.fail(`${file}: has a trigger`, 'no enabled trigger node');
		return;
	}
	if (trigger.type === `${pkgName}.clipMixTrigger`) {
		await runWebhookExample(ctx, file, saved, trigger);
		return;
	}
	if (trigger.type === `${pkgName}.blipixTrigger`) {
		await runBlipixTriggerExample(ctx, file, saved, trigger);
		return;
	}
	if (trigger.type === 'n8n-nodes-base.manualTrigger' || trigger.type === 'n8n-nodes-base.scheduleTrigger') {
		const started = Date.now();
		const execution = await checks.check(`${file}: executes from "${trigger.name}" (as the Execute workflow button does)`, async () => {
			const id = await runManually(rest, saved, trigger.name);
			return await waitForExecution(rest, ctx.runtime, id);
		}, (e) => `execution ${e.id}, ${formatSeconds(Date.now() - started)}`);
		if (execution) {
			ctx.executed.set(file, { workflowId: saved.id, executionId: execution.id });
			await verifyExecution(ctx, file, workflow, execution);
		}
		if (trigger.type === 'n8n-nodes-base.scheduleTrigger') {
			await checks.check(`${file}: activates (schedule registered), then deactivates`, async () => {
				const fresh = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${saved.id}`);
				const w = await activate(ctx, fresh);
				assert(w.active, 'not active after activation');
				await deactivate(ctx, w);
			});
		}
		return;
	}
	checks.skip(`${file}: run`, `no e2e runner for trigger type ${trigger.type}`);
}

interface CredentialTestResult {
	status: string;
	message: string;
}

/** n8n's credential test (the editor's Test button, or saving), of a saved credential with other data. */
async function testCredential(rest: N8nRest, ref: CredentialRef, type: string, data: Record<string, string>): Promise<CredentialTestResult> {
	return await rest.request<CredentialTestResult>('POST', '/rest/credentials/test', {
		credentials: { id: ref.id, name: ref.name, type, data },
	});
}

/** Both credentials as `npm run dev` sets them up, then the ClipMix one with good and bad keys. */
async function checkCredentials(ctx: Context): Promise<void> {
	const { checks, rest, sim } = ctx;
	for (const spec of simulatorCredentials(sim)) {
		await checks.check(`${spec.name} (${spec.type}) passes n8n's credential test`, async () => {
			const result = await testCredential(rest, ctx.refs[spec.type], spec.type, spec.data);
			assertEqual(result.status, 'OK', `test result (${result.message})`);
		});
	}

	const clipmix = simulatorCredentials(sim).find((c) => c.type === 'clipMixApi')!;
	const unpaid = sim.clipmix.createAccount({ purchased: false });
	const cases: Array<{ what: string; apiKey: string; expect: 'OK' | RegExp }> = [
		{ what: 'a good live key (sk_live_, server 404)', apiKey: sim.clipmix.liveKey, expect: 'OK' },
		{ what: 'a good sandbox key (sk_test_, server 404)', apiKey: sim.clipmix.testKey, expect: 'OK' },
		{ what: 'a wrong live key (server 401)', apiKey: `sk_live_${'x'.repeat(32)}`, expect: /rejected the API key/ },
		{ what: 'a wrong sandbox key (server 401)', apiKey: `sk_test_${'x'.repeat(32)}`, expect: /rejected the API key/ },
		{ what: 'a key without sk_live_/sk_test_ (refused before any request)', apiKey: 'cm_1234567890abcdef', expect: /start with sk_live_/ },
		{ what: 'a live key never enabled by a credit purchase (server 403)', apiKey: unpaid.liveKey, expect: /credit purchase/ },
	];
	for (const c of cases) {
		const name = `ClipMix credential test with ${c.what} ${c.expect === 'OK' ? 'passes' : 'fails, in words'}`;
		await checks.check(name, async () => {
			const result = await testCredential(rest, ctx.refs.clipMixApi, 'clipMixApi', { ...clipmix.data, apiKey: c.apiKey });
			if (c.expect === 'OK') assertEqual(result.status, 'OK', `test result (${result.message})`);
			else {
				assertEqual(result.status, 'Error', `test result (${result.message})`);
				assert(c.expect.test(result.message), `message ${JSON.stringify(result.message)} does not match ${String(c.expect)}`);
			}
			return result.message;
		}, (m) => `"${m}"`);
	}
}

/** Error bodies other APIs send with a 401 or 403 (ClipMix documents none; the simulator sends the first kind). */
const ERROR_BODIES: Array<{ status: number; what: string; contentType: string; body: string; expect: 'OK' | RegExp }> = [
	{ status: 401, what: 'NestJS/Fastify {statusCode, error, message}', contentType: 'application/json', body: '{"statusCode":401,"error":"Unauthorized","message":"Invalid API key"}', expect: /rejected the API key/ },
	{ status: 401, what: 'problem+json {title, status}', contentType: 'application/problem+json', body: '{"type":"about:blank","title":"Unauthorized","status":401}', expect: /rejected the API key/ },
	{ status: 401, what: 'OAuth-style {error: "invalid_api_key"}', contentType: 'application/json', body: '{"error":"invalid_api_key","message":"Invalid API key"}', expect: /rejected the API key/ },
	{ status: 401, what: 'Google-style {error: {code: 401, status}}', contentType: 'application/json', body: '{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}', expect: /rejected the API key/ },
	{ status: 401, what: 'Stripe-style {error: {type: "authentication_error"}}', contentType: 'application/json', body: '{"error":{"type":"authentication_error","message":"Invalid API Key provided"}}', expect: /rejected the API key/ },
	{ status: 401, what: 'Express-style {message: "Unauthorized"}', contentType: 'application/json', body: '{"message":"Unauthorized"}', expect: /rejected the API key/ },
	{ status: 403, what: 'NestJS/Fastify {statusCode: 403}', contentType: 'application/json', body: '{"statusCode":403,"error":"Forbidden","message":"Live keys need a purchase"}', expect: /credit purchase/ },
	{ status: 403, what: '{error: "live_key_requires_purchase"}', contentType: 'application/json', body: '{"error":"live_key_requires_purchase"}', expect: /credit purchase/ },
	{ status: 401, what: 'plain text "Unauthorized"', contentType: 'text/plain', body: 'Unauthorized', expect: /rejected the API key/ },
	{ status: 404, what: 'NestJS/Fastify {statusCode: 404} (a good key)', contentType: 'application/json', body: '{"statusCode":404,"error":"Not Found","message":"No such music job"}', expect: 'OK' },
	{ status: 404, what: 'plain text "Not Found" (a good key)', contentType: 'text/plain', body: 'Not Found', expect: 'OK' },
];

/**
 * The ClipMix credential test against a stub server that answers with other APIs' error bodies: the
 * real ClipMix may not send the simulator's. n8n 2.x decides by the status alone; n8n 1.x, which
 * ignores every status once `ignoreHttpStatusErrors` is set, by the body (ClipMixApi.credentials.ts).
 */
async function checkCredentialErrorBodies(ctx: Context): Promise<void> {
	const { checks, rest } = ctx;
	const server = createServer((req, res) => {
		const i = Number(/^\/(\d+)\//.exec(req.url ?? '')?.[1]);
		const answer = ERROR_BODIES[i];
		if (!answer || !req.url?.endsWith('/music/mus_n8n_credential_test')) {
			res.writeHead(500).end();
			return;
		}
		res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const { port } = server.address() as AddressInfo;
	try {
		for (const [i, answer] of ERROR_BODIES.entries()) {
			const name = `ClipMix credential test, server answering ${answer.status} ${answer.what}: ${answer.expect === 'OK' ? 'passes' : 'fails, in words'}`;
			if (ctx.major === 1 && answer.expect !== 'OK' && !answer.contentType.includes('json')) {
				checks.skip(name, 'n8n 1.x passes it: with ignoreHttpStatusErrors it ignores every status, and a body that is not JSON has no field a rule can read');
				continue;
			}
			await checks.check(name, async () => {
				const data = { apiKey: `sk_live_${'y'.repeat(32)}`, webhookSecret: '', baseUrl: `http://127.0.0.1:${port}/${i}` };
				const result = await testCredential(rest, ctx.refs.clipMixApi, 'clipMixApi', data);
				if (answer.expect === 'OK') assertEqual(result.status, 'OK', `test result (${result.message})`);
				else {
					assertEqual(result.status, 'Error', `test result (${result.message})`);
					assert(answer.expect.test(result.message), `message ${JSON.stringify(result.message)} does not match ${String(answer.expect)}`);
				}
			});
		}
	} finally {
		await new Promise((r) => server.close(r));
	}
}

/**
 * n8n adds "Custom API Call" to our nodes (their credentials have `authenticate`), and tells users to
 * use its HTTP Request node with our credential instead: that node must reach the API with our auth.
 */
async function checkHttpRequestNode(ctx: Context, nodeTypes: Array<{ name: string; version: number | number[] }>): Promise<void> {
	const { checks, rest, sim } = ctx;
	const versions = nodeTypes
		.filter((t) => t.name === 'n8n-nodes-base.httpRequest')
		.flatMap((t) => (Array.isArray(t.version) ? t.version : [t.version]));
	const typeVersion = Math.max(...versions.filter((v) => v < 5));
	if (!Number.isFinite(typeVersion)) {
		checks.fail('HTTP Request node is known to n8n', 'n8n-nodes-base.httpRequest is not in /types/nodes.json');
		return;
	}
	// a ClipMix job to read back, made with the credential's own (live) key
	const res = await fetch(`${sim.clipmix.baseUrl}/music`, {
		method: 'POST',
		headers: { authorization: `Bearer ${sim.clipmix.liveKey}`, 'content-type': 'application/json' },
		body: JSON.stringify({ prompt: 'e2e: a song for the HTTP Request node', duration_seconds: 10 }),
	});
	const job = (await res.json()) as { id: string };
	const calls: Array<{ type: string; url: string; expect: (json: Record<string, unknown>) => string }> = [
		{
			type: 'blipixApi',
			url: `${sim.blipix.baseUrl}/me`,
			expect: (json) => {
				assert(json.credits && typeof json.credits === 'object', `no credits in ${JSON.stringify(json).slice(0, 200)}`);
				return 'GET /me answered the account';
			},
		},
		{
			type: 'clipMixApi',
			url: `${sim.clipmix.baseUrl}/music/${job.id}`,
			expect: (json) => {
				assertEqual(json.id, job.id, 'job id');
				return `GET /music/${job.id} answered the job`;
			},
		},
	];
	for (const call of calls) {
		await checks.check(`HTTP Request node (v${typeVersion}) with the ${call.type} credential calls the simulator with our auth`, async () => {
			const before = call.type === 'blipixApi' ? sim.blipix.stats(sim.blipix.apiKey).requests : 0;
			const workflow: WorkflowJson = {
				name: `e2e: HTTP Request with ${call.type}`,
				nodes: [
					{ name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{
						name: 'HTTP Request',
						type: 'n8n-nodes-base.httpRequest',
						typeVersion,
						position: [220, 0],
						parameters: {
							method: 'GET',
							url: call.url,
							authentication: 'predefinedCredentialType',
							nodeCredentialType: call.type,
							options: {},
						},
						credentials: { [call.type]: ctx.refs[call.type] },
					},
				],
				connections: { Start: { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
			};
			const saved = await createWorkflow(rest, workflow);
			const execution = await waitForExecution(rest, ctx.runtime, await runManually(rest, saved, 'Start'));
			assertEqual(execution.status, 'success', `status (error: ${execution.error?.message ?? 'none'})`);
			const [item] = outputOf(execution, 'HTTP Request');
			assert(item, 'no output item');
			const said = call.expect(item.json);
			if (call.type === 'blipixApi') {
				assert(sim.blipix.stats(sim.blipix.apiKey).requests > before, 'the simulator saw no request with the Blipix key');
			}
			return said;
		}, (m) => m);
	}
}

interface PassResult {
	pass: Pass;
	label: string;
	nodeVersion: string;
	checks: Checks;
	ms: number;
	timings: Map<string, { ms: number; failed: number }>;
	/** n8n's "Closing file descriptor N on garbage collection" warnings (DEP0137) */
	fdWarnings: number;
}

/** Node's warning when a FileHandle nobody closed is garbage-collected (DEP0137). */
const FD_WARNING = /Closing file descriptor \d+ on garbage collection/;

/** The whole e2e run of one pass, with its own user folder and simulator. */
async function runPass(pass: Pass, tarball: string, pkg: ReturnType<typeof readPackageJson>, keep: boolean): Promise<PassResult> {
	const { major } = pass;
	const release = N8N_RELEASES[major];
	const checks = new Checks();
	const startedAt = Date.now();
	const userFolder = userFolderOf(pass);
	// where the user typed `n8n`: a folder of its own, not the home (which the user folder stands in for)
	const workdir = join(userFolder, 'started-here');
	const timings = new Map<string, { ms: number; failed: number }>();
	let fdWarnings = 0;
	let sim: Simulator | undefined;
	let n8n: N8nInstance | undefined;
	const cleanup = async () => {
		await n8n?.stop();
		await sim?.close();
	};
	const onSignal = (code: number) => () => void cleanup().then(() => process.exit(code));
	const onInt = onSignal(130);
	const onTerm = onSignal(143);
	process.on('SIGINT', onInt);
	process.on('SIGTERM', onTerm);

	const modeSetting = pass.explicit ? `N8N_DEFAULT_BINARY_DATA_MODE=${pass.mode}` : 'N8N_DEFAULT_BINARY_DATA_MODE unset';
	process.stdout.write(`\n══ ${passLabel(pass)}, Node ${release.nodeVersion}, ${modeSetting}, user folder ${relative(ROOT, userFolder)} ══\n`);
	try {
		const runtime = await ensureRuntime(log, major);

		process.stdout.write('\nManual install (n8n docs: npm install <package> in ~/.n8n/nodes)\n');
		rmSync(userFolder, { recursive: true, force: true });
		const install = await installLikeDocs(tarball, join(userFolder, '.n8n'));
		await checks.check('npm install of the tarball in a fresh .n8n/nodes installs only the package', () => {
			assertEqual(install.installed, [pkg.name], `node_modules of ${install.nodesDir}`);
		}, () => `node_modules: ${install.installed.join(', ')}`);
		await checks.check('no second n8n-workflow in .n8n/nodes/node_modules', () => {
			assert(!existsSync(join(install.nodesDir, 'node_modules', 'n8n-workflow')), 'node_modules/n8n-workflow exists');
		});

		process.stdout.write(`\nn8n ${runtime.n8nVersion} on that user folder\n`);
		// n8n's clock is real: API timestamps in wall-clock time (test/simulator/README.md, "Wall-clock timestamps")
		sim = await startSimulator({ timeScale: 60, seed: 11, wallClockTimestamps: true, blipix: { videoBytes: VIDEO_BYTES } });
		n8n = await startN8n(
			{
				runtime,
				userFolder,
				cwd: workdir,
				port: PORT,
				brokerPort: PORT + 1,
				logFile: join(userFolder, 'n8n.log'),
				onLine: (line) => {
					if (FD_WARNING.test(line)) fdWarnings++;
				},
				env: {
					...(pass.explicit ? { N8N_DEFAULT_BINARY_DATA_MODE: pass.mode } : {}),
					...(process.env.E2E_N8N_NODE_OPTIONS ? { NODE_OPTIONS: process.env.E2E_N8N_NODE_OPTIONS } : {}),
				},
			},
			log,
		);
		const rest = new N8nRest(n8n.url);
		await checks.check('owner account set up through POST /rest/owner/setup', async () => {
			assert(await rest.setupOrLogin(DEV_OWNER), 'n8n already had an owner');
			const me = await rest.request<{ email: string }>('GET', '/rest/login');
			assertEqual(me.email, DEV_OWNER.email, 'signed-in user');
		});
		await checks.check(`n8n runs with binary data mode "${pass.mode}" (${pass.explicit ? 'set' : "n8n's own default"}), started in ${relative(userFolder, workdir)}/, not the user folder`, async () => {
			assertEqual(await rest.binaryDataMode(), pass.mode, 'binaryDataMode in /rest/settings');
		});

		process.stdout.write('\nNode and credential types (from package.json n8n section)\n');
		const nodeTypes = await rest.request<Array<{ name: string; version: number | number[] }>>('GET', '/types/nodes.json');
		const credentialTypes = await rest.request<Array<{ name: string }>>('GET', '/types/credentials.json');
		const knownTypes = new Set(nodeTypes.map((t) => t.name));
		for (const file of pkg.n8n.nodes) {
			await checks.check(`n8n loaded ${file}`, () => {
				const type = typeName(pkg.name, instantiate<INodeType>(file, (v) => Boolean((v as INodeType).description)));
				assert(knownTypes.has(type), `${type} is not in n8n's /types/nodes.json`);
				return type;
			}, (t) => t);
		}
		for (const file of pkg.n8n.credentials) {
			await checks.check(`n8n loaded ${file}`, () => {
				const { name } = instantiate<ICredentialType>(file, (v) => typeof (v as ICredentialType).name === 'string');
				assert(credentialTypes.some((c) => c.name === name), `${name} is not in n8n's /types/credentials.json`);
				return name;
			}, (n) => n);
		}

		process.stdout.write('\nCredentials pointing at the simulator\n');
		const refs = await upsertCredentials(rest, simulatorCredentials(sim));
		const ctx: Context = { major, mode: pass.mode, userFolder, checks, rest, runtime, sim, pkgName: pkg.name, refs, executed: new Map(), imported: new Map(), timings };
		await checkCredentials(ctx);
		await checkCredentialErrorBodies(ctx);

		process.stdout.write("\nn8n's HTTP Request node with our credentials (where Custom API Call sends users)\n");
		await checkHttpRequestNode(ctx, nodeTypes);

		await runExamples(ctx, knownTypes);

		if (process.env.E2E_NO_BROWSER) {
			checks.skip('editor in headless Chromium', 'E2E_NO_BROWSER is set');
		} else {
			process.stdout.write('\nThe editor, in headless Chromium\n');
			await driveEditor(
				{
					baseUrl: `http://localhost:${PORT}`,
					owner: DEV_OWNER,
					screenshotsDir: screenshotsOf(pass),
					failureShot: join(userFolder, 'browser-failure.png'),
					executed: ctx.executed,
					imported: new Map([...ctx.imported].map(([file, w]) => [file, w.id])),
				},
				checks,
			);
		}

		if (keep) {
			log(`E2E_KEEP: ${passLabel(pass)} stays up on http://localhost:${PORT} (${DEV_OWNER.email} / ${DEV_OWNER.password}); Ctrl-C to stop.`);
			await new Promise(() => undefined);
		}
	} catch (err) {
		checks.fail('e2e run', err instanceof Error ? (err.stack ?? err.message) : String(err));
		if (n8n) process.stdout.write(`\nn8n's last lines:\n${n8n.tail()}\n`);
	} finally {
		await cleanup();
		process.off('SIGINT', onInt);
		process.off('SIGTERM', onTerm);
	}
	const ms = Date.now() - startedAt;
	if (fdWarnings) process.stdout.write(`\nn8n logged "Closing file descriptor N on garbage collection" (DEP0137) ${fdWarnings} time(s); see ${relative(ROOT, join(userFolder, 'n8n.log'))}\n`);
	process.stdout.write(`\ne2e on ${passLabel(pass)}: ${checks.summary()} (${formatSeconds(ms)})\n`);
	return { pass, label: passLabel(pass), nodeVersion: release.nodeVersion, checks, ms, timings, fdWarnings };
}

const USAGE = `Usage: npm run test:e2e [-- --n8n 1|2] [--binary-data-mode default|filesystem|database]

  (no options)              three passes: n8n ${N8N_RELEASES[1].n8nVersion} and ${N8N_RELEASES[2].n8nVersion} as a user gets them (no
                            binary data mode set: 1.x keeps files in memory, 2.x on disk), then
                            ${N8N_RELEASES[2].n8nVersion} with N8N_DEFAULT_BINARY_DATA_MODE=database
  --n8n 1|2                 that version's passes only (also E2E_N8N=1|2)
  --binary-data-mode MODE   that mode only (also E2E_BINARY_DATA_MODE); a mode that is not the version's
                            own default is set through N8N_DEFAULT_BINARY_DATA_MODE
`;

function parseMode(value: string | undefined): BinaryDataMode {
	const mode = String(value ?? '').trim() as BinaryDataMode;
	if (!E2E_MODES.includes(mode)) throw new Error(`--binary-data-mode takes ${E2E_MODES.join(', ')}, not "${String(value)}"\n\n${USAGE}`);
	return mode;
}

function parseArgs(argv: string[]): Pass[] {
	const majors: N8nMajor[] = [];
	const modes: BinaryDataMode[] = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--n8n') majors.push(parseN8nMajor(argv[++i]));
		else if (a.startsWith('--n8n=')) majors.push(parseN8nMajor(a.slice('--n8n='.length)));
		else if (a === '--binary-data-mode') modes.push(parseMode(argv[++i]));
		else if (a.startsWith('--binary-data-mode=')) modes.push(parseMode(a.slice('--binary-data-mode='.length)));
		else if (a === '--help' || a === '-h') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`Unknown option ${a}\n\n${USAGE}`);
	}
	if (!majors.length && process.env.E2E_N8N) majors.push(parseN8nMajor(process.env.E2E_N8N));
	if (!modes.length && process.env.E2E_BINARY_DATA_MODE) modes.push(parseMode(process.env.E2E_BINARY_DATA_MODE));
	const wanted = (major: N8nMajor) => !majors.length || majors.includes(major);
	if (!modes.length) return DEFAULT_PASSES.filter((p) => wanted(p.major));
	return N8N_MAJORS.filter(wanted).flatMap((major) => [...new Set(modes)].map((mode) => passOf(major, mode)));
}

/** The examples' times, one column per pass (✗ and the failed checks where any failed). */
function timingTable(results: PassResult[]): string {
	const files = [...new Set(results.flatMap((r) => [...r.timings.keys()]))];
	const header = ['example', ...results.map((r) => r.label)];
	const rows = files.map((file) => [
		file,
		...results.map((r) => {
			const t = r.timings.get(file);
			return t ? `${t.failed ? `✗ ${t.failed} failed, ` : '✓ '}${formatSeconds(t.ms)}` : '-';
		}),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
	const passes = parseArgs(process.argv.slice(2));
	const startedAt = Date.now();
	const pkg = readPackageJson();
	const tarball = await packTarball();
	const results: PassResult[] = [];
	for (const [i, pass] of passes.entries()) {
		results.push(await runPass(pass, tarball, pkg, Boolean(process.env.E2E_KEEP) && i === passes.length - 1));
	}
	const all = new Checks();
	all.results.push(...results.flatMap((r) => r.checks.results));
	process.stdout.write(`\n${timingTable(results)}\n\n`);
	for (const r of results) {
		process.stdout.write(`e2e on ${r.label}: ${r.checks.summary()} (Node ${r.nodeVersion}, ${formatSeconds(r.ms)}${r.fdWarnings ? `; DEP0137 warnings in n8n's log: ${r.fdWarnings}` : ''})\n`);
	}
	process.stdout.write(`${formatSeconds(Date.now() - startedAt)} in all\ne2e: ${all.summary()}\n`);
	return all.failed > 0 ? 1 : 0;
}

void main().then(
	(code) => process.exit(code),
	(err: unknown) => {
		process.stderr.write(`[e2e] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	},
);
