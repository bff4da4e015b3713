/**
 * `npm run test:e2e`: the package as users meet it, in a real n8n editor. Opt-in: it installs n8n
 * (into .n8n-dev/runtime and .n8n-dev/runtime-2, git-ignored) and is never part of `npm test` or .ci/run.
 *
 * It runs on n8n 1.123 (Node 22) and on n8n 2.41 (Node 24), one after the other, each on its own,
 * fresh user folder (.n8n-dev/e2e, .n8n-dev/e2e-2) with its own simulator; `--n8n 1` or `--n8n 2`
 * (or E2E_N8N=1|2) runs one. Per version:
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
 *    results checked against the simulator (files byte for byte); the schedule one is activated;
 *    a ClipMix Trigger one is activated and fed a real signed webhook from the simulator, and the
 *    file it writes lands in <user folder>/.n8n-files (2.x lets nodes write only under ~/.n8n-files);
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
 * Each version ends with its own summary line, the run with `e2e: N passed, N failed, N skipped`
 * over both.
 *
 * Environment: E2E_N8N (1 or 2: one version only), E2E_N8N_PORT (default 5690; the task runner
 * broker uses the next port), E2E_KEEP=1 keeps n8n and the simulator running at the end (Ctrl-C to
 * stop; with both versions, the last one), E2E_NO_BROWSER=1 skips step 7.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';

import type { INodeType, ICredentialType } from 'n8n-workflow';

import { DEV_DIR, N8N_MAJORS, N8N_RELEASES, ROOT, formatSeconds, logger, parseN8nMajor, readPackageJson, sleep } from '../../scripts/dev/common';
import type { N8nMajor } from '../../scripts/dev/common';
import { installLikeDocs, packTarball } from '../../scripts/dev/install';
import { N8nRest, filesFolder, startN8n } from '../../scripts/dev/n8n';
import type { N8nInstance } from '../../scripts/dev/n8n';
import { ensureRuntime } from '../../scripts/dev/runtime';
import type { Runtime } from '../../scripts/dev/runtime';
import {
	DEV_OWNER,
	DEV_WEBHOOK_SECRET,
	createWorkflow,
	productionWebhookPath,
	readExamples,
	simulatorCredentials,
	upsertCredentials,
	withCredentials,
} from '../../scripts/dev/setup';
import type { CredentialRef, WorkflowJson, WorkflowNode } from '../../scripts/dev/setup';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

import { driveEditor } from './browser';
import { Checks, assert, assertEqual } from './checks';
import { binaryBytes, listExecutions, outputOf, runManually, waitForExecution } from './n8nApi';
import type { Execution } from './n8nApi';

const log = logger('e2e');
const PORT = Number(process.env.E2E_N8N_PORT ?? 5690);

/** The user folder of one version's run: .n8n-dev/e2e (1.x), .n8n-dev/e2e-2 (2.x). */
function userFolderOf(major: N8nMajor): string {
	return join(DEV_DIR, major === 1 ? 'e2e' : `e2e-${major}`);
}

/**
 * Where the editor's screenshots go: docs/screenshots/ (the README's pictures) from the newest n8n
 * only, so each picture exists once; the other version's next to its user folder.
 */
function screenshotsOf(major: N8nMajor): string {
	return major === N8N_MAJORS[N8N_MAJORS.length - 1] ? join(ROOT, 'docs', 'screenshots') : join(userFolderOf(major), 'screenshots');
}

type SavedWorkflow = WorkflowJson & { id: string; versionId: string };

interface Context {
	major: N8nMajor;
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
						const bytes = await binaryBytes(ctx.rest, binary);
						assert(bytes.equals(sim.blipix.videoFile(id)), `MP4 of ${id} differs from the simulator's`);
					}
				}
				return `${id}, ${String(item.json.event)}`;
			}, (s) => s);
		} else if (node.type === `${pkgName}.blipix` && nodeParam(node, 'operation') === 'create') {
			await checks.check(`${name} created the videos`, () => {
				const items = outputOf(execution, node.name);
				assert(items.length > 0, 'no items');
				for (const item of items) {
					assertEqual(item.json.status, 'processing', 'status of a created video');
					assert(sim.blipix.video(String(item.json.id)), `the simulator has no video ${String(item.json.id)}`);
				}
				return items.length;
			}, (n) => `${n} videos`);
		} else if (node.type === `${pkgName}.blipixWaitForRender`) {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} handed back every MP4, byte for byte`, async () => {
				const ready = outputOf(execution, node.name, 0);
				const failed = outputOf(execution, node.name, 1);
				assert(ready.length > 0, 'no ready items');
				assertEqual(failed.length, 0, 'items on the Failed or Timed Out output');
				for (const item of ready) {
					assertEqual(item.json.renderStatus, 'completed', 'renderStatus');
					const binary = item.binary?.[binaryName];
					assert(binary, `no binary "${binaryName}"`);
					assertEqual(binary.mimeType, 'video/mp4', 'mimeType');
					const bytes = await binaryBytes(ctx.rest, binary);
					assert(bytes.equals(sim.blipix.videoFile(String(item.json.id))), `MP4 of ${String(item.json.id)} differs from the simulator's`);
				}
				return ready.length;
			}, (n) => `${n} videos ready, files equal to the simulator's`);
		} else if (
			node.type === `${pkgName}.clipMix` &&
			(nodeParam(node, 'operation') === 'waitForCompletion' || nodeParam(node, 'waitForCompletion') === true)
		) {
			const binaryName = String(nodeParam(node, 'binaryPropertyName') ?? 'data');
			await checks.check(`${name} waited for and downloaded the result, byte for byte`, async () => {
				const ready = outputOf(execution, node.name, 0);
				assert(ready.length > 0, 'no ready items');
				for (const item of ready) {
					assertEqual(item.json.status, 'completed', 'job status');
					const binary = item.binary?.[binaryName];
					assert(binary, `no binary "${binaryName}"`);
					const bytes = await binaryBytes(ctx.rest, binary);
					assert(bytes.equals(sim.clipmix.resultFile(String(item.json.id))), `result of ${String(item.json.id)} differs from the simulator's`);
				}
				return ready.length;
			}, (n) => `${n} job(s)`);
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
				await checks.check(`${file}: "${writer.name}" wrote the result file into .n8n-files, byte for byte`, () => {
					const [item] = outputOf(execution, writer.name);
					// a relative path is relative to n8n's working directory, the user folder
					const path = resolve(ctx.userFolder, String(item.json.fileName));
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
	const { checks, pkgName, rest } = ctx;
	for (const { file, workflow } of readExamples()) {
		process.stdout.write(`\n${file}\n`);
		const saved = await checks.check(`${file}: imports`, async () => {
			const created = await createWorkflow(rest, withCredentials(workflow, ctx.refs));
			const back = await rest.request<SavedWorkflow>('GET', `/rest/workflows/${created.id}`);
			assertEqual(back.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), workflow.nodes.map((n) => [n.name, n.type, Boolean(n.disabled)]), 'nodes');
			return back;
		}, (w) => `${w.nodes.length} nodes, id ${w.id}`);
		if (!saved) continue;
		ctx.imported.set(file, saved);

		const unknown = [...new Set(workflow.nodes.map((n) => n.type).filter((t) => !knownTypes.has(t)))];
		const ours = unknown.filter((t) => t.startsWith(`${pkgName}.`));
		if (unknown.length) {
			const why = ours.length
				? `${ours.join(', ')} is not in package.json's n8n.nodes yet, so n8n did not load it`
				: `n8n does not know ${unknown.join(', ')}`;
			if (ours.length === unknown.length) checks.skip(`${file}: run`, why);
			else checks.fail(`${file}: every node type is known to n8n`, why);
			continue;
		}
		await checks.check(`${file}: every node type and version is known to n8n`, () => true);

		const triggers = workflow.nodes.filter((n) => isTrigger(n) && !n.disabled);
		const trigger = triggers[0];
		if (!trigger) {
			checks.fail(`${file}: has a trigger`, 'no enabled trigger node');
			continue;
		}
		if (trigger.type === `${pkgName}.clipMixTrigger`) {
			await runWebhookExample(ctx, file, saved, trigger);
			continue;
		}
		if (trigger.type === `${pkgName}.blipixTrigger`) {
			await runBlipixTriggerExample(ctx, file, saved, trigger);
			continue;
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
			continue;
		}
		checks.skip(`${file}: run`, `no e2e runner for trigger type ${trigger.type}`);
	}
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

interface VersionResult {
	major: N8nMajor;
	n8nVersion: string;
	nodeVersion: string;
	checks: Checks;
	ms: number;
}

/** The whole e2e run on one n8n version, with its own user folder and simulator. */
async function runVersion(major: N8nMajor, tarball: string, pkg: ReturnType<typeof readPackageJson>, keep: boolean): Promise<VersionResult> {
	const release = N8N_RELEASES[major];
	const checks = new Checks();
	const startedAt = Date.now();
	const userFolder = userFolderOf(major);
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

	process.stdout.write(`\n══ n8n ${release.n8nVersion} (Node ${release.nodeVersion}), user folder ${relative(ROOT, userFolder)} ══\n`);
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
		sim = await startSimulator({ timeScale: 60, seed: 11, wallClockTimestamps: true });
		n8n = await startN8n(
			{ runtime, userFolder, port: PORT, brokerPort: PORT + 1, logFile: join(userFolder, 'n8n.log') },
			log,
		);
		const rest = new N8nRest(n8n.url);
		await checks.check('owner account set up through POST /rest/owner/setup', async () => {
			assert(await rest.setupOrLogin(DEV_OWNER), 'n8n already had an owner');
			const me = await rest.request<{ email: string }>('GET', '/rest/login');
			assertEqual(me.email, DEV_OWNER.email, 'signed-in user');
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
		const ctx: Context = { major, userFolder, checks, rest, runtime, sim, pkgName: pkg.name, refs, executed: new Map(), imported: new Map() };
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
					screenshotsDir: screenshotsOf(major),
					failureShot: join(userFolder, 'browser-failure.png'),
					executed: ctx.executed,
					imported: new Map([...ctx.imported].map(([file, w]) => [file, w.id])),
				},
				checks,
			);
		}

		if (keep) {
			log(`E2E_KEEP: n8n ${runtime.n8nVersion} stays up on http://localhost:${PORT} (${DEV_OWNER.email} / ${DEV_OWNER.password}); Ctrl-C to stop.`);
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
	process.stdout.write(`\ne2e on n8n ${release.n8nVersion}: ${checks.summary()} (${formatSeconds(ms)})\n`);
	return { major, n8nVersion: release.n8nVersion, nodeVersion: release.nodeVersion, checks, ms };
}

const USAGE = `Usage: npm run test:e2e [-- --n8n 1|2]

  --n8n 1|2   run on one n8n only: 1 = n8n ${N8N_RELEASES[1].n8nVersion}, 2 = n8n ${N8N_RELEASES[2].n8nVersion}
              (default: both, one after the other; also E2E_N8N=1|2)
`;

function parseArgs(argv: string[]): N8nMajor[] {
	const majors: N8nMajor[] = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--n8n') majors.push(parseN8nMajor(argv[++i]));
		else if (a.startsWith('--n8n=')) majors.push(parseN8nMajor(a.slice('--n8n='.length)));
		else if (a === '--help' || a === '-h') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`Unknown option ${a}\n\n${USAGE}`);
	}
	if (!majors.length && process.env.E2E_N8N) majors.push(parseN8nMajor(process.env.E2E_N8N));
	return majors.length ? [...new Set(majors)] : [...N8N_MAJORS];
}

async function main(): Promise<number> {
	const majors = parseArgs(process.argv.slice(2));
	const startedAt = Date.now();
	const pkg = readPackageJson();
	const tarball = await packTarball();
	const results: VersionResult[] = [];
	for (const [i, major] of majors.entries()) {
		results.push(await runVersion(major, tarball, pkg, Boolean(process.env.E2E_KEEP) && i === majors.length - 1));
	}
	const all = new Checks();
	all.results.push(...results.flatMap((r) => r.checks.results));
	process.stdout.write('\n');
	for (const r of results) {
		process.stdout.write(`n8n ${r.n8nVersion} (Node ${r.nodeVersion}): ${r.checks.summary()} in ${formatSeconds(r.ms)}\n`);
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
