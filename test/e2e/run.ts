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
 *    must start exactly one execution per video A created, with its MP4, and none for older videos;
 *    in a three-workflow chain (`<name>-1-*`, `-2-*`, `-3-*`: the dubbing pipeline) the posting
 *    workflow C (a ClipMix Trigger) is activated first and its Production URL set as the ClipMix
 *    key's webhook, and each of B's executions must create one ClipMix job from its video, whose
 *    signed webhook starts one C execution putting out one item per language, each file byte for
 *    byte. A ClipMix translation must put out one item per language, with that language's file.
 * 7. Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) signs in, shows the
 *    executed examples (the content pipeline's run: the dub's 3 items), opens the Blipix Trigger's
 *    parameters, adds the Blipix node (Video → Create), opens the Voice dropdown and finds the
 *    simulator's voices; screenshots of the 2.x run go to docs/screenshots/ (the 1.x run's to
 *    .n8n-dev/e2e/screenshots/).
 *
 * The simulator runs at 60x with `wallClockTimestamps`: n8n's clock (and so the package's) is real,
 * and both triggers compare the APIs' timestamps with it (test/simulator/README.md). Its ClipMix names
 * one file per language of a translation (`resultShape: 'results'`, CLIPMIX_RESULT_SHAPE).
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
import type { BinaryRef, Execution, OutputItem } from './n8nApi';

const log = logger('e2e');
const PORT = Number(process.env.E2E_N8N_PORT ?? 5690);

/** Every served MP4 is this big: many chunks, so a download that reads only the first would show. */
const VIDEO_BYTES = Number(process.env.E2E_VIDEO_BYTES ?? 3 * 1024 * 1024 + 1);

/**
 * Where the simulator's ClipMix names a finished job's files, for the whole run: `results`, a list of
 * `{ language, url }`, one per target language of a translation (its own bytes each), and one
 * `{ language: null, url }` for the other services (the same file and bytes as `result_url`). ClipMix
 * documents neither; the content pipeline examples need one file per language, and every other ClipMix
 * check (the music example, the webhook example, the HTTP Request node) holds with it as well, so
 * one shape serves every example, as `npm run demo` and `npm test`'s pipeline tests use it.
 */
const CLIPMIX_RESULT_SHAPE = 'results';

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

/** An example's time, from import to its last check, and its failed checks; `runsWith`: it ran in another's time. */
interface ExampleTiming {
	ms: number;
	failed: number;
	runsWith?: string;
}

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
	/** every example's file, in the order they run */
	exampleFiles: string[];
	/** each example's time, from import to its last check, and its failed checks */
	timings: Map<string, ExampleTiming>;
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

/** The first node fed by `name`'s first output, if any. */
function childOf(workflow: WorkflowJson, name: string): string | undefined {
	const outputs = (workflow.connections[name] as { main?: Array<Array<{ node: string }> | null> } | undefined)?.main ?? [];
	return outputs[0]?.[0]?.node;
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

/** The items that fed a node (the output of its parent), or undefined for a node without one. */
function inputOf(workflow: WorkflowJson, execution: Execution, name: string): OutputItem[] | undefined {
	const parent = parentOf(workflow, name);
	return parent ? outputOf(execution, parent.node, parent.output) : undefined;
}

/**
 * Finished Blipix videos a wait handed on (Wait for Render, or Create with Wait for Render): one per
 * video in, nothing on Failed or Timed Out, each the simulator's video with its `videoUrl`, and its MP4
 * byte for byte when the node downloads it (none at all when it does not). Returns the MP4 sizes.
 */
async function checkRenders(ctx: Context, workflow: WorkflowJson, execution: Execution, node: WorkflowNode, download: boolean, binaryName: string): Promise<{ n: number; sizes: number[] }> {
	const { sim } = ctx;
	const ready = outputOf(execution, node.name, 0);
	const failed = outputOf(execution, node.name, 1);
	const input = inputOf(workflow, execution, node.name) ?? [];
	assert(ready.length > 0, 'no ready items');
	assertEqual(failed.length, 0, 'items on the Failed or Timed Out output');
	assertEqual(ready.length, input.length, 'videos ready, one per item in');
	const sizes = new Set<number>();
	for (const item of ready) {
		const id = String(item.json.id);
		const video = sim.blipix.video(id);
		assert(video, `the simulator has no video ${id}`);
		assertEqual(item.json.renderStatus, 'completed', `renderStatus of ${id}`);
		assertEqual(item.json.videoUrl, video.json.videoUrl, `videoUrl of ${id}`);
		if (download) {
			const binary = item.binary?.[binaryName];
			assert(binary, `no binary "${binaryName}"`);
			assertEqual(binary.mimeType, 'video/mp4', 'mimeType');
			sizes.add(await expectFile(ctx, binary, sim.blipix.videoFile(id), `MP4 of ${id}`));
		} else {
			assertEqual(Object.keys(item.binary ?? {}), [], `binary data of ${id} (Download Video is off)`);
		}
	}
	return { n: ready.length, sizes: [...sizes] };
}

/**
 * A ClipMix Video Translation job was made from the item that asked for it: ClipMix got that item's
 * `videoUrl` (after Blipix, the video's own URL, not a copy) and charged the job once.
 */
function expectJobFromItem(ctx: Context, jobId: string, from: OutputItem | undefined): boolean {
	const job = ctx.sim.clipmix.job(jobId);
	assert(job, `the simulator has no ClipMix job ${jobId}`);
	const charges = ctx.sim.clipmix.ledger.filter((c) => c.jobId === jobId).length;
	assertEqual(charges, job.test ? 0 : 1, `charges of ${jobId}`);
	if (job.service !== 'translation' || !from || typeof from.json.videoUrl !== 'string') return false;
	assertEqual(job.input.video_url, from.json.videoUrl, `video_url ClipMix got for ${jobId} (the item's videoUrl)`);
	return true;
}

/** A finished job's files in the e2e's simulator (resultShape 'results'): one per target language of a translation, else one. */
function filesOfJob(ctx: Context, jobId: string): Array<string | null> {
	const job = ctx.sim.clipmix.job(jobId);
	assert(job, `the simulator has no ClipMix job ${jobId}`);
	const languages = job.service === 'translation' && Array.isArray(job.input.target_languages) ? job.input.target_languages.map(String) : [];
	return languages.length ? languages : [null];
}

interface JobFiles {
	jobs: string[];
	/** `es`, `de`, … per file; `file` where the job named one without a language */
	files: string[];
	sizes: number[];
	/** translation jobs whose video_url was their item's videoUrl */
	fromVideoUrl: number;
}

/**
 * What a ClipMix node put out for finished jobs (Wait for Completion, Download Result): the jobs in the
 * order of the items in, one per item, and for each job one item per file it names, in its order, each
 * saying which (`resultFile.language`, `index`, `of`; `resultFiles` named = arrived) and, when the node
 * downloads, carrying that file byte for byte as the simulator serves it in that language.
 */
async function checkJobFiles(ctx: Context, items: OutputItem[], input: OutputItem[] | undefined, binaryName: string | undefined): Promise<JobFiles> {
	const { sim } = ctx;
	assert(items.length > 0, 'no items');
	const byJob = new Map<string, OutputItem[]>();
	for (const item of items) {
		const id = String(item.json.id);
		byJob.set(id, [...(byJob.get(id) ?? []), item]);
	}
	const jobs = [...byJob.keys()];
	if (input) assertEqual(jobs.length, input.length, 'jobs, one per item in');
	const result: JobFiles = { jobs, files: [], sizes: [], fromVideoUrl: 0 };
	for (const [j, id] of jobs.entries()) {
		const ofJob = byJob.get(id)!;
		const expected = filesOfJob(ctx, id);
		const got = ofJob.map((item) => ((item.json.resultFile ?? {}) as Record<string, unknown>).language ?? null);
		assertEqual(got, expected, `languages of the items of job ${id}, one item per file`);
		if (expectJobFromItem(ctx, id, input?.[j])) result.fromVideoUrl++;
		// each language's file has bytes of its own, so equal bytes below prove the language too
		const served = expected.map((language) => (language === null ? sim.clipmix.resultFile(id) : sim.clipmix.resultFile(id, language)));
		assertEqual(new Set(served.map((b) => b.toString('base64'))).size, served.length, `distinct files of job ${id}`);
		for (const [i, item] of ofJob.entries()) {
			const language = expected[i];
			assertEqual(item.json.status, 'completed', `status of job ${id}`);
			const file = item.json.resultFile as Record<string, unknown>;
			assertEqual([file.index, file.of], [i, expected.length], `resultFile index/of of job ${id} (${language ?? 'file'})`);
			assertEqual(item.json.resultFiles, { named: expected.length, arrived: expected.length }, `resultFiles of job ${id}`);
			if (binaryName) result.sizes.push(await expectFile(ctx, item.binary?.[binaryName], served[i], `${language ?? 'result'} file of ${id}`));
			result.files.push(language ?? 'file');
		}
	}
	return result;
}

/** `1 job, 3 files (es, de, ja) of 16,512/16,534/16,498 bytes in filesystem mode` */
function describeJobFiles(ctx: Context, r: JobFiles): string {
	const sizes = r.sizes.length ? ` of ${r.sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}` : '';
	const from = r.fromVideoUrl ? `; ClipMix got ${r.fromVideoUrl === 1 ? "the item's" : `each item's`} videoUrl as video_url` : '';
	return `${r.jobs.length} job(s), ${r.files.length} file(s) (${r.files.join(', ')})${sizes}${from}`;
}

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
		} else if (node.type === `${pkgName}.clipMixTrigger`) {
			await checks.check(`${name} emitted one signed event for a job of the key, naming each of its files`, () => {
				const items = outputOf(execution, node.name);
				assertEqual(items.length, 1, 'items in one execution');
				const { json } = items[0];
				const events = (nodeParam(node, 'events') ?? ['job.completed', 'job.failed']) as string[];
				assert(events.includes(String(json.event)), `event ${String(json.event)} is not one of ${events.join(', ')}`);
				const job = sim.clipmix.job(String(json.jobId));
				assert(job, `the simulator has no job ${String(json.jobId)}`);
				assertEqual(job.apiKey, sim.clipmix.liveKey, `the key of job ${job.id}`);
				const services = nodeParam(node, 'services') as string[] | undefined;
				if (services?.length) assert(services.includes(job.service), `service ${job.service} is not one of ${services.join(', ')}`);
				if (json.event === 'job.completed') {
					const files = (json.resultFiles ?? []) as Array<Record<string, unknown>>;
					assertEqual(files.map((f) => f.language ?? null), filesOfJob(ctx, job.id), `resultFiles of ${job.id}`);
				}
				return `${String(json.event)}, ${job.service} job ${job.id}`;
			}, (s) => s);
		} else if (node.type === `${pkgName}.blipix` && nodeParam(node, 'operation') === 'create' && nodeParam(node, 'waitForRender') === true) {
			const download = nodeParam(node, 'downloadVideo') !== false;
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(
				`${name} created one video per item in and waited for each render${download ? ', its MP4 byte for byte' : ', handing on its videoUrl, nothing downloaded'}`,
				async () => await checkRenders(ctx, workflow, execution, node, download, binaryName),
				({ n, sizes }) => `${n} video(s) ready${download ? `, MP4s of ${sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}` : ', no binary data'}`,
			);
		} else if (node.type === `${pkgName}.blipix` && nodeParam(node, 'operation') === 'create') {
			await checks.check(`${name} created the videos, one per item in`, () => {
				const items = outputOf(execution, node.name);
				assert(items.length > 0, 'no items');
				const input = inputOf(workflow, execution, node.name);
				if (input) assertEqual(items.length, input.length, 'videos created for the items in');
				for (const item of items) {
					assertEqual(item.json.status, 'processing', 'status of a created video');
					assert(sim.blipix.video(String(item.json.id)), `the simulator has no video ${String(item.json.id)}`);
				}
				return items.length;
			}, (n) => `${n} videos`);
		} else if (node.type === `${pkgName}.blipixWaitForRender`) {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(
				`${name} handed back every MP4, byte for byte, of the served size`,
				async () => await checkRenders(ctx, workflow, execution, node, nodeParam(node, 'downloadVideo') !== false, binaryName),
				({ n, sizes }) => `${n} videos ready, ${n} MP4s of ${sizes.map((b) => b.toLocaleString('en-US')).join('/')} bytes ${modeWords(ctx.mode)}, equal to the simulator's`,
			);
		} else if (
			node.type === `${pkgName}.clipMix` &&
			(nodeParam(node, 'operation') === 'waitForCompletion' || nodeParam(node, 'waitForCompletion') === true)
		) {
			const download = nodeParam(node, 'downloadResult') !== false;
			const binaryName = download ? String(nodeParam(node, 'binaryPropertyName') ?? 'data') : undefined;
			await checks.check(`${name} waited for every job and put out one item per file${download ? ', each downloaded byte for byte' : ''}`, async () => {
				assertEqual(outputOf(execution, node.name, 1).length, 0, 'items on the Failed or Timed Out output');
				return await checkJobFiles(ctx, outputOf(execution, node.name, 0), inputOf(workflow, execution, node.name), binaryName);
			}, (r) => describeJobFiles(ctx, r));
		} else if (node.type === `${pkgName}.clipMix` && nodeParam(node, 'operation') === 'downloadResult') {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} put out one item per file of each job, each downloaded byte for byte`, async () => {
				return await checkJobFiles(ctx, outputOf(execution, node.name, 0), inputOf(workflow, execution, node.name), binaryName);
			}, (r) => describeJobFiles(ctx, r));
		} else if (node.type === `${pkgName}.clipMix` && nodeParam(node, 'operation') === 'create') {
			await checks.check(`${name} created one job per item in, each charged once`, () => {
				const items = outputOf(execution, node.name);
				const input = inputOf(workflow, execution, node.name);
				assert(items.length > 0, 'no items');
				if (input) assertEqual(items.length, input.length, 'jobs created for the items in');
				let fromVideoUrl = 0;
				for (const [i, item] of items.entries()) {
					const id = String(item.json.id);
					assertEqual(item.json.status, 'processing', `status of the created job ${id}`);
					if (expectJobFromItem(ctx, id, input?.[i])) fromVideoUrl++;
				}
				return { ids: items.map((i) => String(i.json.id)), fromVideoUrl };
			}, ({ ids, fromVideoUrl }) => `${ids.length} job(s): ${ids.join(', ')}${fromVideoUrl ? `; video_url = the item's videoUrl` : ''}`);
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

/**
 * The example `<name>-<n>-*.json` of the same chain as `file` (`<name>-<m>-*.json`), among `files`:
 * a Blipix Trigger example `-2-` runs with its creating example `-1-`, and with a posting example
 * `-3-` (a ClipMix Trigger) when the chain has one.
 */
function chainSibling(file: string, n: number, files: Iterable<string>): string | undefined {
	const m = /^(.*)-\d-[^/]*\.json$/.exec(file);
	return m ? [...files].find((f) => f !== file && f.startsWith(`${m[1]}-${n}-`) && f.endsWith('.json')) : undefined;
}

/** How long after the last video is ready B's executions may take: one poll interval (a minute) and slack. */
const POLL_INTERVAL_MS = 60_000;
const POLL_SLACK_MS = 45_000;
/** How long after the last ClipMix job settled C's executions may take: its webhook is sent at once. */
const WEBHOOK_SLACK_MS = 60_000;

/** The last workflow of a three-workflow chain (C): a ClipMix Trigger example, started by ClipMix's webhook. */
interface ChainEnd {
	file: string;
	saved: SavedWorkflow;
	trigger: WorkflowNode;
}

/** What the simulator has counted so far, for the requests an example made. */
interface Traffic {
	blipix: number;
	clipmix: number;
	cdn: number;
}

function trafficNow(ctx: Context): Traffic {
	const { sim } = ctx;
	return {
		blipix: sim.blipix.stats(sim.blipix.apiKey).requests,
		clipmix: sim.clipmix.requestLog.filter((e) => e.apiKey === sim.clipmix.liveKey).length,
		cdn: sim.cdnRequests.length,
	};
}

/** `Blipix 15, ClipMix 14, CDN 3` requests since `before`, divided by `per` (videos). */
function trafficSince(ctx: Context, before: Traffic, per = 1): string {
	const now = trafficNow(ctx);
	const f = (n: number) => (Number.isInteger(n / per) ? String(n / per) : (n / per).toFixed(1));
	return `Blipix ${f(now.blipix - before.blipix)}, ClipMix ${f(now.clipmix - before.clipmix)}, CDN ${f(now.cdn - before.cdn)} requests`;
}

/** The Idempotency Key a node's `{{ $json.id }}`-only template gives for an item (`=dub-{{ $json.id }}` → `dub-<id>`). */
function idempotencyKeyFor(node: WorkflowNode, id: string): string | undefined {
	const template = ((node.parameters.options ?? {}) as Record<string, unknown>).idempotencyKey;
	if (typeof template !== 'string') return undefined;
	const key = template.replace(/^=/, '').replace(/\{\{\s*\$json\.id\s*\}\}/g, id);
	assert(!key.includes('{{'), `the e2e reads only {{ $json.id }} in an Idempotency Key, not ${template}`);
	return key;
}

/**
 * A Blipix Trigger workflow (B, polling every minute) and its creating example (A: schedule → prompts →
 * Blipix Create, no wait), as a user runs the pair, and, for a three-workflow chain, its posting
 * workflow (C: ClipMix Trigger → Download Result → post, started by ClipMix's signed webhook):
 *
 * 1. Every video already on the key (from the examples before) is left to finish: history, which B
 *    must never emit. Their `createdAt` are real times before B's activation (`wallClockTimestamps`);
 *    in simulated time they would be later than it, and B would take them for new. With C, every
 *    earlier ClipMix job is left to settle too (its webhook, if any, went out before C was set).
 * 2. C (if any) is activated and its Production URL set as the ClipMix key's webhook, with the signing
 *    secret the ClipMix credential holds, as its sticky note asks of a user.
 * 3. B is activated. n8n polls once on activation (its test that the trigger works; 1.x inside the
 *    activation call, 2.x a moment after answering it): that poll records a baseline and must start
 *    no execution (nor does anything start C).
 * 4. A is executed as the editor's "Execute workflow" does; its videos render in seconds at 60x.
 * 5. B's scheduled polls (n8n's every-minute cron, at a random second) start one execution per video,
 *    each checked node by node: the trigger's item is the video, its MP4 byte for byte when it
 *    downloads; a disabled YouTube node hands the item on; a ClipMix create makes one job from the
 *    video's videoUrl, keyed by its Idempotency Key. Exactly A's videos, each once, nothing else.
 * 6. With C: ClipMix's job.completed webhook starts one C execution per job (one delivery each, answered
 *    2xx), each checked node by node: one item per language, each file byte for byte; so every video is
 *    posted once per language.
 * 7. The next scheduled poll after that starts nothing more (the emit-once store), in B or C, and
 *    nothing is charged twice; then B (and C) are deactivated and the webhook removed.
 */
async function runBlipixTriggerExample(ctx: Context, file: string, saved: SavedWorkflow, trigger: WorkflowNode, post?: ChainEnd): Promise<void> {
	const { checks, rest, sim } = ctx;
	const key = sim.blipix.apiKey;
	const creatingFile = chainSibling(file, 1, ctx.imported.keys());
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
	const webhookUrl = post ? `http://127.0.0.1:${PORT}${productionWebhookPath(post.trigger)}` : '';
	const postDeliveries = (after: number) => sim.clipmix.deliveries(sim.clipmix.liveKey).filter((d) => d.url === webhookUrl && d.at >= after);

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

	let postActive = false;
	let webhookSetAt = 0;
	try {
		if (post) {
			const earlierJobs = await checks.check(`${post.file}: every earlier ClipMix job on the key has settled (its webhook, if any, went out before this one is set)`, async () => {
				const ids = [...new Set(sim.clipmix.ledger.filter((c) => c.apiKey === sim.clipmix.liveKey).map((c) => c.jobId))];
				for (const id of ids) {
					const settleAt = sim.clipmix.job(id)?.settleAt;
					if (settleAt !== undefined && settleAt > Date.now()) await sleep(settleAt - Date.now() + 200);
				}
				return ids.length;
			}, (n) => `${n} earlier jobs`);
			if (earlierJobs === undefined) return;
			postActive = Boolean(await checks.check(`${post.file}: activates (webhook registered); its Production URL is set as the ClipMix key's webhook, with the credential's signing secret`, async () => {
				const fresh = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${post.saved.id}`);
				const w = await activate(ctx, fresh);
				assert(w.active, 'not active after activation');
				webhookSetAt = Date.now();
				sim.clipmix.setWebhook(sim.clipmix.liveKey, webhookUrl, DEV_WEBHOOK_SECRET);
				return webhookUrl;
			}, (url) => url));
			if (!postActive) return;
		}
		await runChainFromB();
	} finally {
		if (post) {
			sim.clipmix.setWebhook(sim.clipmix.liveKey, '', '');
			if (postActive) await deactivate(ctx, post.saved).catch(() => undefined);
		}
	}

	async function runChainFromB(): Promise<void> {
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
			await checks.check(`${file}: the activation poll started no execution (${history!.length} finished videos already on the key)${post ? `, nor did anything start ${post.file}` : ''}`, async () => {
				await sleep(3000);
				const executions = await listExecutions(rest, saved.id);
				assertEqual(executions.map((e) => e.id), [], 'executions of the workflow');
				if (post) assertEqual((await listExecutions(rest, post.saved.id)).map((e) => e.id), [], `executions of ${post.file}`);
			});

			const before = trafficNow(ctx);
			const ledgerBefore = sim.clipmix.ledger.length;
			const createdIds = await checks.check(`${file}: ${creatingFile} executes from "${creatingTrigger!.name}" (as the Execute workflow button does) and creates videos`, async () => {
				const fresh = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${creating!.id}`);
				const execution = await waitForExecution(rest, ctx.runtime, await runManually(rest, fresh, creatingTrigger!.name));
				assertEqual(execution.status, 'success', `status (error: ${execution.error?.message ?? 'none'})`);
				const create = creating!.nodes.find((n) => n.type === `${ctx.pkgName}.blipix` && nodeParam(n, 'operation') === 'create');
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
			let allSeenAt = Date.now();

			for (const execution of executions) {
				await checks.check(`${file}: execution ${execution.id} was started by the trigger`, () => assertEqual(execution.mode, 'trigger', 'mode'));
				await verifyExecution(ctx, file, saved, execution);
			}
			const firstOf = executions[0];
			if (firstOf) ctx.executed.set(file, { workflowId: saved.id, executionId: firstOf.id });
			await checks.check(`${file}: exactly the created videos, each once; none of the ${history!.length} earlier ones`, () => {
				const emitted = executions.map((e) => String(outputOf(e, trigger.name)[0]?.json.id)).sort();
				assertEqual(emitted, [...createdIds].sort(), 'videos emitted');
			}, () => createdIds.join(', '));

			let postExecutions: Execution[] = [];
			if (post) {
				const posted = await checkPosting(executions, createdIds);
				if (!posted) return;
				postExecutions = posted;
				allSeenAt = Date.now();
			}

			await checks.check(`${file}: the next scheduled poll starts no execution again${post ? `, nor does anything start ${post.file} again; nothing is charged twice` : ''}`, async () => {
				const until = allSeenAt + POLL_INTERVAL_MS + 15_000;
				while (!polls(allSeenAt).length) {
					if (Date.now() > until) throw new Error(`no poll within ${formatSeconds(Date.now() - allSeenAt)}`);
					await sleep(500);
				}
				await sleep(5000);
				const now = await listExecutions(rest, saved.id);
				assertEqual(now.map((e) => e.id).sort(), executions.map((e) => e.id).sort(), 'executions of the workflow');
				if (post) {
					const nowPosted = await listExecutions(rest, post.saved.id);
					assertEqual(nowPosted.map((e) => e.id).sort(), postExecutions.map((e) => e.id).sort(), `executions of ${post.file}`);
					assertEqual(postDeliveries(webhookSetAt).length, postExecutions.length, `webhook deliveries to ${post.file}`);
					const charges = sim.clipmix.ledger.slice(ledgerBefore).map((c) => c.jobId).sort();
					assertEqual(charges, [...new Set(charges)], 'ClipMix charges (one per job)');
					assertEqual(charges.length, createdIds.length, 'ClipMix charges (one per video)');
				}
				return polls(activatedAt).length;
			}, (n) => `${n} polls since activation, ${executions.length}${post ? ` + ${postExecutions.length}` : ''} executions; ${formatSeconds(Date.now() - started)} for this example`);
			const n = createdIds.length;
			process.stdout.write(
				`  · per video (${n} videos, from executing ${creatingFile} to the last poll): ${trafficSince(ctx, before, n)}; executions ${1 / n} + ${executions.length / n}${post ? ` + ${postExecutions.length / n}` : ''} (${[creatingFile, file, post?.file].filter(Boolean).map((f) => f!.replace(/^examples\//, '').replace(/\.json$/, '')).join(' + ')})\n`,
			);
		} finally {
			await deactivate(ctx, saved).catch(() => undefined);
		}
	}

	/**
	 * C's half of the chain: each of B's executions made one ClipMix job from its video, keyed by its
	 * Idempotency Key; ClipMix's signed job.completed started one C execution per job, each posting
	 * every language once with its file. Returns C's executions.
	 */
	async function checkPosting(dubExecutions: Execution[], videoIds: string[]): Promise<Execution[] | undefined> {
		const chain = post!;
		const dub = saved.nodes.find((n) => n.type === `${ctx.pkgName}.clipMix` && nodeParam(n, 'operation') === 'create' && !n.disabled);
		if (!dub) {
			checks.fail(`${file}: has a ClipMix create node`, 'none found');
			return undefined;
		}
		const jobs = await checks.check(`${file}: each execution created one ClipMix job from its video's videoUrl${idempotencyKeyFor(dub, 'x') ? ', keyed by the video id' : ''}`, () => {
			const byVideo = new Map<string, string>();
			for (const e of dubExecutions) {
				const video = outputOf(e, trigger.name)[0];
				const jobsOut = outputOf(e, dub.name);
				assertEqual(jobsOut.length, 1, `jobs created by execution ${e.id}`);
				const videoId = String(video.json.id);
				const job = sim.clipmix.job(String(jobsOut[0].json.id));
				assert(job, `the simulator has no job ${String(jobsOut[0].json.id)}`);
				assertEqual(job.input.video_url, sim.blipix.video(videoId)?.json.videoUrl, `video_url of ${job.id} (video ${videoId}'s videoUrl)`);
				const wanted = idempotencyKeyFor(dub, videoId);
				if (wanted !== undefined) assertEqual(job.idempotencyKey, wanted, `Idempotency-Key of ${job.id}`);
				byVideo.set(videoId, job.id);
			}
			assertEqual([...byVideo.keys()].sort(), [...videoIds].sort(), 'videos dubbed');
			assertEqual(new Set(byVideo.values()).size, videoIds.length, 'distinct jobs');
			return byVideo;
		}, (m) => [...m].map(([v, j]) => `${v} → ${j}`).join(', '));
		if (!jobs) return undefined;
		const jobIds = [...jobs.values()];

		const settledAt = Math.max(...jobIds.map((id) => sim.clipmix.job(id)?.settleAt ?? Date.now()));
		const executions = await checks.check(`${chain.file}: one execution per ClipMix job, started by its signed job.completed webhook`, async () => {
			const until = settledAt + WEBHOOK_SLACK_MS;
			let found = await listExecutions(rest, chain.saved.id);
			while (found.length < jobIds.length) {
				if (Date.now() > until) {
					throw new Error(`${found.length} execution(s) ${formatSeconds(Date.now() - settledAt)} after the last job settled; deliveries: ${JSON.stringify(postDeliveries(webhookSetAt))}`);
				}
				await sleep(1000);
				found = await listExecutions(rest, chain.saved.id);
			}
			const done: Execution[] = [];
			for (const e of found) done.push(await waitForExecution(rest, ctx.runtime, e.id));
			return done;
		}, (list) => `${list.length} executions (${list.map((e) => e.id).join(', ')}), the last ${formatSeconds(Date.now() - settledAt)} after the last job settled`);
		if (!executions) return undefined;
		for (const execution of executions) {
			await checks.check(`${chain.file}: execution ${execution.id} was started by the webhook`, () => assertEqual(execution.mode, 'webhook', 'mode'));
			await verifyExecution(ctx, chain.file, chain.saved, execution);
		}
		if (executions[0]) ctx.executed.set(chain.file, { workflowId: chain.saved.id, executionId: executions[0].id });

		// the node whose items are the postings: the last one on the trigger's path
		let last = chain.trigger.name;
		for (let next = childOf(chain.saved, last); next; next = childOf(chain.saved, last)) last = next;
		const download = chain.saved.nodes.find((n) => n.type === `${ctx.pkgName}.clipMix` && nodeParam(n, 'operation') === 'downloadResult');
		const binaryName = String((download && nodeParam(download, 'binaryPropertyName')) ?? 'data');
		await checks.check(`${chain.file}: every video posted exactly once per language, each with its own file ("${last}")`, async () => {
			const posted: string[] = [];
			const jobsPosted: string[] = [];
			for (const e of executions) {
				const [event] = outputOf(e, chain.trigger.name);
				const jobId = String(event?.json.jobId);
				jobsPosted.push(jobId);
				const items = outputOf(e, last);
				const languages = filesOfJob(ctx, jobId);
				assertEqual(items.map((i) => ((i.json.resultFile ?? {}) as Record<string, unknown>).language ?? null), languages, `languages posted for ${jobId}`);
				for (const [i, item] of items.entries()) {
					const language = languages[i];
					const served = language === null ? sim.clipmix.resultFile(jobId) : sim.clipmix.resultFile(jobId, language);
					await expectFile(ctx, item.binary?.[binaryName], served, `${language ?? 'result'} file of ${jobId} at "${last}"`);
				}
				const video = [...jobs].find(([, j]) => j === jobId)?.[0];
				posted.push(`${video ?? '?'}: ${languages.join(', ')}`);
			}
			assertEqual(jobsPosted.sort(), [...jobIds].sort(), 'jobs posted (one execution each)');
			return posted;
		}, (p) => p.join('; '));
		await checks.check(`${chain.file}: ClipMix delivered each job.completed once, answered 2xx`, () => {
			const deliveries = postDeliveries(webhookSetAt);
			assertEqual(deliveries.map((d) => [d.type, d.attempt, d.ok]), jobIds.map(() => ['job.completed', 1, true]), 'deliveries');
			return deliveries.length;
		}, (n) => `${n} deliveries`);
		return executions;
	}
}

async function runExamples(ctx: Context, knownTypes: Set<string>): Promise<void> {
	for (const { file, workflow } of readExamples()) {
		process.stdout.write(`\n${file}\n`);
		const startedAt = Date.now();
		const failedBefore = ctx.checks.failed;
		const runsWith = await runExample(ctx, knownTypes, file, workflow);
		ctx.timings.set(file, { ms: Date.now() - startedAt, failed: ctx.checks.failed - failedBefore, runsWith });
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

/** Runs one example; returns the example it runs with instead, when it runs later as part of that one's chain. */
async function runExample(ctx: Context, knownTypes: Set<string>, file: string, shipped: WorkflowJson): Promise<string | undefined> {
	const { checks, pkgName, rest } = ctx;
	const workflow = await prepareExample(ctx, file, shipped);
	if (!workflow) return undefined;
	const saved = await checks.check(`${file}: imports`, async () => {
		const created = await createWorkflow(rest, withCredentials(workflow, ctx.refs));
		const back = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${created.id}`);
		assertEqual(back.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), workflow.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), 'nodes');
		return back;
	}, (w) => `${w.nodes.length} nodes, id ${w.id}`);
	if (!saved) return undefined;
	ctx.imported.set(file, saved);

	const unknown = [...new Set(workflow.nodes.map((n) => n.type).filter((t) => !knownTypes.has(t)))];
	const ours = unknown.filter((t) => t.startsWith(`${pkgName}.`));
	if (unknown.length) {
		const why = ours.length
			? `${ours.join(', ')} is not in package.json's n8n.nodes yet, so n8n did not load it`
			: `n8n does not know ${unknown.join(', ')}`;
		if (ours.length === unknown.length) checks.skip(`${file}: run`, why);
		else checks.fail(`${file}: every node type is known to n8n`, why);
		return undefined;
	}
	await checks.check(`${file}: every node type and version is known to n8n`, () => true);

	const triggers = workflow.nodes.filter((n) => isTrigger(n) && !n.disabled);
	const trigger = triggers[0];
	if (!trigger) {
		checks.fail(`${file}: has a trigger`, 'no enabled trigger node');
		return undefined;
	}
	if (trigger.type === `${pkgName}.clipMixTrigger`) {
		// the posting end of a chain `<name>-1-*` → `-2-*` (a Blipix Trigger) → `-3-*`: runs with the other two
		const middleFile = /-3-[^/]*\.json$/.test(file) ? chainSibling(file, 2, ctx.exampleFiles) : undefined;
		if (middleFile) {
			const middle = ctx.imported.get(middleFile);
			const middleTrigger = middle?.nodes.find((n) => isTrigger(n) && !n.disabled && n.type === `${pkgName}.blipixTrigger`);
			if (!middle || !middleTrigger) {
				checks.fail(`${file}: the chain's Blipix Trigger workflow ${middleFile} is imported`, middle ? 'it has no enabled Blipix Trigger' : 'not imported');
				return undefined;
			}
			process.stdout.write(`  the chain: ${chainSibling(file, 1, ctx.exampleFiles) ?? '?'} → ${middleFile} → ${file}\n`);
			await runBlipixTriggerExample(ctx, middleFile, middle, middleTrigger, { file, saved, trigger });
			return undefined;
		}
		await runWebhookExample(ctx, file, saved, trigger);
		return undefined;
	}
	if (trigger.type === `${pkgName}.blipixTrigger`) {
		const end = /-2-[^/]*\.json$/.test(file) ? chainSibling(file, 3, ctx.exampleFiles) : undefined;
		if (end) {
			process.stdout.write(`  runs with ${end}, the last workflow of its chain, once that is imported\n`);
			return end;
		}
		await runBlipixTriggerExample(ctx, file, saved, trigger);
		return undefined;
	}
	if (trigger.type === 'n8n-nodes-base.manualTrigger' || trigger.type === 'n8n-nodes-base.scheduleTrigger') {
		const started = Date.now();
		const before = trafficNow(ctx);
		const execution = await checks.check(`${file}: executes from "${trigger.name}" (as the Execute workflow button does)`, async () => {
			const id = await runManually(rest, saved, trigger.name);
			return await waitForExecution(rest, ctx.runtime, id);
		}, (e) => `execution ${e.id}, ${formatSeconds(Date.now() - started)}`);
		if (execution) {
			process.stdout.write(`  · the execution's requests: ${trafficSince(ctx, before)}\n`);
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
		return undefined;
	}
	checks.skip(`${file}: run`, `no e2e runner for trigger type ${trigger.type}`);
	return undefined;
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
	timings: Map<string, ExampleTiming>;
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
	const timings = new Map<string, ExampleTiming>();
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
		// n8n's clock is real: API timestamps in wall-clock time (test/simulator/README.md, "Wall-clock timestamps");
		// ClipMix names one file per language of a translation (CLIPMIX_RESULT_SHAPE)
		sim = await startSimulator({
			timeScale: 60,
			seed: 11,
			wallClockTimestamps: true,
			blipix: { videoBytes: VIDEO_BYTES },
			clipmix: { resultShape: CLIPMIX_RESULT_SHAPE },
		});
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
		const ctx: Context = { major, mode: pass.mode, userFolder, checks, rest, runtime, sim, pkgName: pkg.name, refs, executed: new Map(), imported: new Map(), exampleFiles: readExamples().map((e) => e.file), timings };
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
			if (!t) return '-';
			return `${t.failed ? `✗ ${t.failed} failed, ` : '✓ '}${formatSeconds(t.ms)}${t.runsWith ? ` (then with ${t.runsWith.replace(/^examples\//, '')})` : ''}`;
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
