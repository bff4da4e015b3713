/**
 * `npm run test:e2e`: the package as users meet it, in a real n8n editor. Opt-in: it installs n8n
 * (into .n8n-dev/runtime, git-ignored) and is never part of `npm test` or .ci/run.
 *
 * 1. Manual install, as n8n's docs describe it: `npm install <the packed tarball>` in a fresh
 *    `<user folder>/.n8n/nodes`, with npm's defaults. No second n8n-workflow may appear there.
 * 2. n8n 1.123 (Node 22) starts on that user folder; its owner account is set up through REST.
 * 3. n8n has loaded every node and credential type listed in package.json's `n8n` section.
 * 4. Both credentials, pointing at the simulator, pass n8n's credential test.
 * 5. Every examples/*.json imports; manual and schedule-triggered ones are executed and their
 *    results checked against the simulator (files byte for byte); the schedule one is activated;
 *    a ClipMix Trigger one is activated and fed a real signed webhook from the simulator.
 * 6. Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) signs in, adds the
 *    Blipix node (Video → Create), opens the Voice dropdown and finds the simulator's voices;
 *    screenshots go to docs/screenshots/.
 *
 * Environment: E2E_N8N_PORT (default 5690; the task runner broker uses the next port),
 * E2E_KEEP=1 keeps n8n and the simulator running at the end (Ctrl-C to stop), E2E_NO_BROWSER=1
 * skips step 6.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeType, ICredentialType } from 'n8n-workflow';

import { DEV_DIR, N8N_VERSION, ROOT, formatSeconds, logger, readPackageJson, sleep } from '../../scripts/dev/common';
import { installLikeDocs, packTarball } from '../../scripts/dev/install';
import { N8nRest, startN8n } from '../../scripts/dev/n8n';
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
const USER_FOLDER = join(DEV_DIR, 'e2e');
const PORT = Number(process.env.E2E_N8N_PORT ?? 5690);
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

type SavedWorkflow = WorkflowJson & { id: string; versionId: string };

interface Context {
	checks: Checks;
	rest: N8nRest;
	runtime: Runtime;
	sim: Simulator;
	pkgName: string;
	refs: Record<string, CredentialRef>;
	/** examples run, by file, for the browser step's screenshots */
	executed: Map<string, { workflowId: string; executionId: string }>;
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
				assertEqual(output.map((i) => i.json), input.map((i) => i.json), 'output of the disabled node');
				return `${output.length} item(s) as received`;
			}, (s) => s);
			continue;
		}
		const name = `${file}: "${node.name}"`;
		if (node.type === `${pkgName}.blipix` && nodeParam(node, 'operation') === 'create') {
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

/** A ClipMix Trigger workflow: activate it, let the simulator send a real signed job.completed to it. */
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
		const execution = await checks.check(`${file}: the simulator's signed job.completed webhook started it`, async () => {
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
				await checks.check(`${file}: "${writer.name}" wrote the result file, byte for byte`, () => {
					const [item] = outputOf(execution, writer.name);
					const path = String(item.json.fileName);
					assert(existsSync(path), `${path} does not exist`);
					assert(readFileSync(path).equals(sim.clipmix.resultFile(job.id)), `${path} differs from the simulator's result`);
					rmSync(path);
					return path;
				}, (p) => p);
			}
		}
	} finally {
		sim.clipmix.setWebhook(sim.clipmix.liveKey, '', '');
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

async function main(): Promise<number> {
	const checks = new Checks();
	const startedAt = Date.now();
	const pkg = readPackageJson();
	let sim: Simulator | undefined;
	let n8n: N8nInstance | undefined;
	const cleanup = async () => {
		await n8n?.stop();
		await sim?.close();
	};
	process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
	process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));

	try {
		const runtime = await ensureRuntime(log);

		process.stdout.write('\nManual install (n8n docs: npm install <package> in ~/.n8n/nodes)\n');
		rmSync(USER_FOLDER, { recursive: true, force: true });
		const tarball = await packTarball();
		const install = await installLikeDocs(tarball, join(USER_FOLDER, '.n8n'));
		await checks.check('npm install of the tarball in a fresh .n8n/nodes installs only the package', () => {
			assertEqual(install.installed, [pkg.name], `node_modules of ${install.nodesDir}`);
		}, () => `node_modules: ${install.installed.join(', ')}`);
		await checks.check('no second n8n-workflow in .n8n/nodes/node_modules', () => {
			assert(!existsSync(join(install.nodesDir, 'node_modules', 'n8n-workflow')), 'node_modules/n8n-workflow exists');
		});

		process.stdout.write(`\nn8n ${runtime.n8nVersion} on that user folder\n`);
		sim = await startSimulator({ timeScale: 60, seed: 11 });
		n8n = await startN8n(
			{ runtime, userFolder: USER_FOLDER, port: PORT, brokerPort: PORT + 1, logFile: join(USER_FOLDER, 'n8n.log') },
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
		for (const spec of simulatorCredentials(sim)) {
			await checks.check(`${spec.name} (${spec.type}) passes n8n's credential test`, async () => {
				const result = await rest.request<{ status: string; message: string }>('POST', '/rest/credentials/test', {
					credentials: { id: refs[spec.type].id, name: spec.name, type: spec.type, data: spec.data },
				});
				assertEqual(result.status, 'OK', `test result (${result.message})`);
			});
		}

		const ctx: Context = { checks, rest, runtime, sim, pkgName: pkg.name, refs, executed: new Map() };
		await runExamples(ctx, knownTypes);

		if (process.env.E2E_NO_BROWSER) {
			checks.skip('editor in headless Chromium', 'E2E_NO_BROWSER is set');
		} else {
			process.stdout.write('\nThe editor, in headless Chromium\n');
			await driveEditor(
				{ baseUrl: `http://localhost:${PORT}`, owner: DEV_OWNER, screenshotsDir: SCREENSHOTS, executed: ctx.executed },
				checks,
			);
		}

		if (process.env.E2E_KEEP) {
			log(`E2E_KEEP: n8n stays up on http://localhost:${PORT} (${DEV_OWNER.email} / ${DEV_OWNER.password}); Ctrl-C to stop.`);
			await new Promise(() => undefined);
		}
	} catch (err) {
		checks.fail('e2e run', err instanceof Error ? (err.stack ?? err.message) : String(err));
		if (n8n) process.stdout.write(`\nn8n's last lines:\n${n8n.tail()}\n`);
	} finally {
		await cleanup();
	}
	process.stdout.write(`\nn8n ${N8N_VERSION}, ${formatSeconds(Date.now() - startedAt)} in all\ne2e: ${checks.summary()}\n`);
	return checks.failed > 0 ? 1 : 0;
}

void main().then((code) => process.exit(code));
