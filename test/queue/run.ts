/**
 * `npm run test:queue`: the package in a real n8n in queue mode (a main and 1 or 4 workers, Redis,
 * PostgreSQL), all of them on one Blipix key of the simulator. Opt-in, like test:e2e: never part of
 * `npm test` or .ci/run. See test/queue/README.md.
 *
 *   npm run test:queue [-- --n8n 1|2] [--rows load:1x8,load:4x2,...] [--render 30-90] [--keep-services] [--quick]
 *
 * 1. Redis (127.0.0.1:6390) and PostgreSQL (127.0.0.1:5440, a fresh database) from Debian's packages,
 *    data under .n8n-dev/queue/ (test/queue/services.ts).
 * 2. The package is packed and installed into the .n8n/nodes of the main's user folder and of each
 *    worker's (.n8n-dev/queue/n8n-<major>/main, worker-1 … worker-4), as n8n's installer does.
 * 3. The simulator (real time: timeScale 1, see "Time" in the README) and, in front of it, a pass-through
 *    proxy that notes which n8n process sent each request (test/queue/tap.ts).
 * 4. n8n main (`n8n start`, EXECUTIONS_MODE=queue) on 127.0.0.1:5700; owner account through REST.
 * 5. For each row (workers × concurrency, work): `n8n worker --concurrency=C` × W, a new Blipix key and
 *    credential, a workflow with a Webhook trigger, activated; the executions are started by POSTing
 *    to its production URL (so the main puts them on the queue and the workers run them); then wait
 *    until n8n's executions API shows all of them finished.
 *    - load: 16 executions of Webhook → Split Out (20 items) → Blipix Video → Get Many (20 GET /videos);
 *    - wait: 8 executions of Webhook → Split Out (20 prompts with `[render:N]`) → Blipix Video → Create
 *      (Check Credits First: one GET /me) → Blipix Wait for Render (poll 20 s, Download Video on: the
 *      MP4 goes into n8n's binary data in queue mode's default mode, which is not set here: 1.x keeps
 *      it in memory, in the execution data; 2.x in PostgreSQL). Every MP4 is read back as the editor
 *      does and compared with the simulator's, byte for byte.
 * 6. The table (requests and 429s from the simulator's request log, failed executions from n8n's
 *    executions API, wall time from the first webhook to the last execution's stoppedAt), the goals,
 *    per-worker traces; written to .n8n-dev/queue/results/<time>/ as well.
 *
 * Exit code: 0 when every goal is met, 2 when the run completed but a goal was missed, 1 on an error.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { DEV_DIR, N8N_RELEASES, ROOT, formatSeconds, logger, parseN8nMajor, readPackageJson, sleep } from '../../scripts/dev/common';
import type { N8nMajor } from '../../scripts/dev/common';
import { installLikeN8n, packTarball } from '../../scripts/dev/install';
import { N8nRest, defaultBinaryDataMode, describeBinaryDataMode, startN8n } from '../../scripts/dev/n8n';
import type { N8nInstance } from '../../scripts/dev/n8n';
import { ensureRuntime } from '../../scripts/dev/runtime';
import type { Runtime } from '../../scripts/dev/runtime';
import { DEV_OWNER, createWorkflow, upsertCredentials } from '../../scripts/dev/setup';
import type { CredentialRef, WorkflowJson } from '../../scripts/dev/setup';
import { binaryBytes, getExecution, outputOf, storedIn } from '../e2e/n8nApi';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

import { startPostgres, startRedis } from './services';
import type { PostgresServer, RedisServer } from './services';
import { startTap } from './tap';
import type { Tap, TapEntry } from './tap';
import { startWorker } from './worker';
import type { N8nWorker } from './worker';

const log = logger('queue');
const QUEUE_DIR = join(DEV_DIR, 'queue');

const envNumber = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const PORTS = {
	n8n: envNumber('QUEUE_N8N_PORT', 5700),
	/** workers: N8N_PORT base + 2i, broker base + 2i + 1 */
	workers: envNumber('QUEUE_WORKER_PORT', 5710),
	sim: envNumber('QUEUE_SIM_PORT', 4030),
	redis: envNumber('QUEUE_REDIS_PORT', 6390),
	postgres: envNumber('QUEUE_PG_PORT', 5440),
};
const PG = { user: 'n8n', password: 'n8n-queue-test', database: 'n8n_queue' };
/** The same for the main and every worker: they all read the credentials of one database. */
const ENCRYPTION_KEY = 'n8n-nodes-blipix-clipmix-test-queue-key';

/** The simulator's Blipix limit (its default): 60 requests per key in any sliding minute. */
const LIMIT_PER_MINUTE = 60;
const ROW_TIMEOUT_MS = envNumber('QUEUE_ROW_TIMEOUT_MIN', 25) * 60_000;

type Scenario = 'load' | 'wait';
let WORK: Record<Scenario, { executions: number; items: number; label: string }> = {
	load: { executions: 16, items: 20, label: '16 × 20 Get Many' },
	wait: { executions: 8, items: 20, label: '8 × (20 Create → Wait for Render)' },
};

interface RowSpec {
	scenario: Scenario;
	workers: number;
	concurrency: number;
}

interface Args {
	n8n: N8nMajor;
	rows: RowSpec[];
	render: { min: number; max: number };
	keepServices: boolean;
	quick: boolean;
}

/** `--quick`: the same setup with a tiny workload, to check that everything runs (a minute or two). */
const QUICK_WORK: typeof WORK = {
	load: { executions: 4, items: 3, label: '4 × 3 Get Many (--quick)' },
	wait: { executions: 2, items: 3, label: '2 × (3 Create → Wait for Render) (--quick)' },
};

const DEFAULT_ROWS = 'load:1x8,load:4x2,load:4x4,wait:1x8,wait:4x2';

const USAGE = `Usage: npm run test:queue [-- options]

  --n8n 1|2          n8n ${N8N_RELEASES[1].n8nVersion} (1, the default) or ${N8N_RELEASES[2].n8nVersion} (2)
  --rows LIST        rows to run, scenario:WORKERSxCONCURRENCY, comma-separated
                     (default ${DEFAULT_ROWS})
  --render MIN-MAX   render time of the created videos, real seconds, spread over each execution's 20
                     (default 30-90; the [render:N] directive of the simulator)
  --keep-services    leave Redis and PostgreSQL running at the end
  --quick            a tiny workload (4 × 3 Get Many, 2 × 3 creates, renders 5-10 s): checks the setup,
                     measures nothing

Environment: QUEUE_N8N_PORT (5700), QUEUE_WORKER_PORT (5710: worker i uses 5710+2i and the next),
QUEUE_SIM_PORT (4030; CDN +1, proxy +2), QUEUE_REDIS_PORT (6390), QUEUE_PG_PORT (5440), QUEUE_PG_BIN,
QUEUE_ROW_TIMEOUT_MIN (25).
`;

function parseRows(list: string): RowSpec[] {
	return list.split(',').map((raw) => {
		const m = /^(load|wait):(\d+)x(\d+)$/.exec(raw.trim());
		if (!m) throw new Error(`--rows: "${raw}" is not scenario:WORKERSxCONCURRENCY (e.g. load:4x2)\n\n${USAGE}`);
		return { scenario: m[1] as Scenario, workers: Number(m[2]), concurrency: Number(m[3]) };
	});
}

function parseArgs(argv: string[]): Args {
	const args: Args = { n8n: 1, rows: parseRows(DEFAULT_ROWS), render: { min: 30, max: 90 }, keepServices: false, quick: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const value = () => {
			const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
			if (v === undefined) throw new Error(`${a} needs a value\n\n${USAGE}`);
			return v;
		};
		if (a === '--n8n' || a.startsWith('--n8n=')) args.n8n = parseN8nMajor(value());
		else if (a === '--rows' || a.startsWith('--rows=')) args.rows = parseRows(value());
		else if (a === '--render' || a.startsWith('--render=')) {
			const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value());
			if (!m || Number(m[1]) > Number(m[2])) throw new Error(`--render takes MIN-MAX seconds, e.g. 30-90\n\n${USAGE}`);
			args.render = { min: Number(m[1]), max: Number(m[2]) };
		} else if (a === '--keep-services') args.keepServices = true;
		else if (a === '--quick') {
			args.quick = true;
			args.render = { min: 5, max: 10 };
		}
		else if (a === '--help' || a === '-h') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`Unknown option ${a}\n\n${USAGE}`);
	}
	return args;
}

const rowName = (r: RowSpec) => `${r.workers} × ${r.concurrency}`;
const rowId = (r: RowSpec) => `${r.scenario}-${r.workers}x${r.concurrency}`;
const pct = (part: number, whole: number) => `${whole ? ((100 * part) / whole).toFixed(1) : '0.0'}%`;
const clockTime = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;

/** Environment of the main and the workers: queue mode on Redis, one PostgreSQL database, one encryption key. */
function queueEnv(): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(PORTS.redis),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(PORTS.postgres),
		DB_POSTGRESDB_DATABASE: PG.database,
		DB_POSTGRESDB_USER: PG.user,
		DB_POSTGRESDB_PASSWORD: PG.password,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		// N8N_DEFAULT_BINARY_DATA_MODE is left unset: queue mode's own default, which the wait rows'
		// downloads go into (1.x: memory, in the execution data; 2.x: the database).
		QUEUE_HEALTH_CHECK_ACTIVE: 'false',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '20',
	};
}

interface ExecutionSummary {
	id: string;
	status: string;
	mode: string;
	startedAt?: string | null;
	stoppedAt?: string | null;
	createdAt?: string | null;
}

async function listExecutions(rest: N8nRest, workflowId: string): Promise<ExecutionSummary[]> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const res = await rest.request<{ results: ExecutionSummary[] } | ExecutionSummary[]>('GET', `/rest/executions?filter=${filter}&limit=100`);
	return Array.isArray(res) ? res : res.results;
}

const FINISHED = ['success', 'error', 'crashed', 'canceled'];

/** The error of a failed execution, in a line (n8n stores run data with `flatted`; its own copy is used). */
async function executionError(rest: N8nRest, runtime: Runtime, id: string): Promise<string> {
	try {
		const raw = await rest.request<{ data: string }>('GET', `/rest/executions/${id}`);
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const flatted = require(join(runtime.dir, 'node_modules', 'flatted')) as { parse(text: string): unknown };
		const data = flatted.parse(raw.data) as { resultData?: { error?: { message?: string; description?: string; node?: { name?: string } } } };
		const error = data.resultData?.error;
		if (!error) return 'no error recorded';
		return `${error.node?.name ? `${error.node.name}: ` : ''}${error.message ?? ''}${error.description ? ` (${error.description})` : ''}`.slice(0, 400);
	} catch (err) {
		return `(could not read the execution: ${(err as Error).message})`;
	}
}

function renderSeconds(i: number, n: number, render: Args['render']): number {
	return Math.round(render.min + (n === 1 ? 0 : (i * (render.max - render.min)) / (n - 1)));
}

function workflowFor(scenario: Scenario, pkgName: string, credential: CredentialRef, path: string): WorkflowJson {
	const webhook = {
		id: randomUUID(),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0] as [number, number],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
	const split = {
		id: randomUUID(),
		name: 'One Item per Prompt',
		type: 'n8n-nodes-base.splitOut',
		typeVersion: 1,
		position: [220, 0] as [number, number],
		parameters: { fieldToSplitOut: 'body.prompts', options: { destinationFieldName: 'prompt' } },
	};
	const blipix = (name: string, type: string, x: number, parameters: Record<string, unknown>) => ({
		id: randomUUID(),
		name,
		type: `${pkgName}.${type}`,
		typeVersion: 1,
		position: [x, 0] as [number, number],
		parameters,
		credentials: { blipixApi: credential },
	});
	const link = (from: string, to: string) => ({ [from]: { main: [[{ node: to, type: 'main', index: 0 }]] } });
	const settings = { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all', saveManualExecutions: true };
	if (scenario === 'load') {
		return {
			name: `test:queue load ${path}`,
			nodes: [webhook, split, blipix('Get Many', 'blipix', 440, { resource: 'video', operation: 'getAll', limit: 10 })],
			connections: { ...link('Webhook', split.name), ...link(split.name, 'Get Many') },
			settings,
		};
	}
	return {
		name: `test:queue wait ${path}`,
		nodes: [
			webhook,
			split,
			blipix('Create', 'blipix', 440, { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', checkCredits: true }),
			blipix('Wait for Render', 'blipixWaitForRender', 660, { videoId: '={{ $json.id }}', pollInterval: 20, maxWait: 15, downloadVideo: true, binaryPropertyName: 'data' }),
		],
		connections: { ...link('Webhook', split.name), ...link(split.name, 'Create'), ...link('Create', 'Wait for Render') },
		settings,
	};
}

interface WorkerStats {
	label: string;
	requests: number;
	rateLimited: number;
	executions: number;
}

interface RowResult {
	spec: RowSpec;
	requests: number;
	rateLimited: number;
	executions: number;
	failed: number;
	failures: string[];
	/** first webhook sent → last execution's stoppedAt */
	wallMs: number;
	/** first request → last request the simulator answered, for this key */
	requestSpanMs: number;
	/** accepted (non-429) requests per minute over the request span */
	keyUsePerMinute: number;
	perWorker: WorkerStats[];
	/** per minute of the run: [accepted, 429] */
	perMinute: Array<[number, number]>;
	/** executions not run by a known worker, requests not attributed to one */
	unattributed: { requests: number; executions: number };
	readyVideos?: number;
	/** wait rows: MP4s read back equal to the simulator's and stored in the expected mode, and what went wrong */
	downloads?: { ok: number; problems: string[] };
}

interface Stack {
	runtime: Runtime;
	sim: Simulator;
	tap: Tap;
	main: N8nInstance;
	rest: N8nRest;
	pkgName: string;
	workerFolders: string[];
	workers: N8nWorker[];
	/** execution id → worker label */
	ranBy: Map<string, string>;
	config?: string;
	resultsDir: string;
	/** the binary data mode the main reports (/rest/settings); the workers have the same environment */
	binaryMode: string;
}

async function ensureWorkers(stack: Stack, spec: RowSpec): Promise<void> {
	const config = `${spec.workers}x${spec.concurrency}`;
	if (stack.config === config && stack.workers.every((w) => w.pid)) return;
	if (stack.workers.length) {
		log(`Stopping ${stack.workers.length} worker(s)…`);
		await Promise.all(stack.workers.map(async (w) => await w.stop()));
		for (const w of stack.workers) stack.tap.processes.delete(w.label);
		stack.workers = [];
	}
	const startedAt = Date.now();
	log(`Starting ${spec.workers} worker(s), n8n worker --concurrency=${spec.concurrency} …`);
	stack.workers = await Promise.all(
		Array.from({ length: spec.workers }, async (_, i) => {
			const label = `w${i + 1}`;
			const worker = await startWorker(
				{
					label,
					runtime: stack.runtime,
					userFolder: stack.workerFolders[i],
					concurrency: spec.concurrency,
					port: PORTS.workers + 2 * i,
					brokerPort: PORTS.workers + 2 * i + 1,
					env: queueEnv(),
					onExecution: (id) => stack.ranBy.set(id, label),
				},
				log,
			);
			stack.tap.processes.set(label, worker.pid);
			return worker;
		}),
	);
	stack.config = config;
	log(`${spec.workers} worker(s) ready in ${formatSeconds(Date.now() - startedAt)} (pids ${stack.workers.map((w) => w.pid).join(', ')}).`);
}

async function runRow(stack: Stack, spec: RowSpec, args: Args, index: number): Promise<RowResult> {
	const { rest, sim, tap } = stack;
	const work = WORK[spec.scenario];
	const title = `${spec.scenario} ${rowName(spec)}`;
	process.stdout.write(`\n── row ${index}: ${title} (${work.label}) ──\n`);
	await ensureWorkers(stack, spec);

	// A new key for every row: its window starts empty, and every worker's budget for it is new.
	const apiKey = sim.blipix.createAccount({ credits: 10_000_000 });
	const refs = await upsertCredentials(rest, [
		{ name: `Blipix ${rowId(spec)} ${Date.now()}`, type: 'blipixApi', data: { apiKey, baseUrl: `${tap.url}/blipix/api/v1` } },
	]);
	const path = `queue-${rowId(spec)}-${Date.now().toString(36)}`;
	const saved = await createWorkflow(rest, workflowFor(spec.scenario, stack.pkgName, refs.blipixApi, path));
	const active = await rest.request<{ active: boolean }>('POST', `/rest/workflows/${saved.id}/activate`, { versionId: saved.versionId });
	if (!active.active) throw new Error(`workflow ${saved.id} is not active after activation`);

	const bodies = Array.from({ length: work.executions }, (_, e) => ({
		execution: e,
		prompts: Array.from({ length: work.items }, (_, v) =>
			spec.scenario === 'wait'
				? `test:queue ${rowId(spec)} e${e} v${v} [render:${renderSeconds(v, work.items, args.render)}]`
				: `item ${v}`,
		),
	}));
	const tapFrom = tap.log.length;
	// The row's clock starts with the first webhook n8n accepted.
	let firedAt = 0;
	for (const body of bodies) {
		// n8n 2.x may publish an activated workflow through an outbox, so its webhook is registered a
		// moment after the activation call returns; a 404 "not registered" starts nothing, so try again.
		const registeredBy = Date.now() + 30_000;
		for (;;) {
			const sentAt = Date.now();
			const res = await fetch(`${stack.main.url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
			if (res.ok) {
				firedAt ||= sentAt;
				break;
			}
			const text = await res.text();
			if (res.status === 404 && /not registered/.test(text) && Date.now() < registeredBy) {
				await sleep(250);
				continue;
			}
			throw new Error(`POST /webhook/${path} → HTTP ${res.status}: ${text.slice(0, 300)}`);
		}
	}
	log(`${work.executions} webhooks sent in ${Date.now() - firedAt} ms; the main put them on the queue.`);

	const keyLog = () => sim.blipix.requestLog.filter((e) => e.apiKey === apiKey);
	let executions: ExecutionSummary[] = [];
	let lastReport = 0;
	for (;;) {
		executions = await listExecutions(rest, saved.id);
		const done = executions.filter((e) => FINISHED.includes(e.status));
		const now = Date.now();
		if (done.length >= work.executions || now - lastReport >= 15_000) {
			lastReport = now;
			const reqs = keyLog();
			const limited = reqs.filter((e) => e.status === 429).length;
			const failedSoFar = done.filter((e) => e.status !== 'success').length;
			const running = executions.filter((e) => e.status === 'running').length;
			log(
				`  ${title} ${clockTime(now - firedAt)}: ${done.length}/${work.executions} finished${failedSoFar ? ` (${failedSoFar} failed)` : ''}, ${running} running, ${work.executions - done.length - running} queued; ${reqs.length} requests, ${limited} × 429 (${pct(limited, reqs.length)})`,
			);
		}
		if (done.length >= work.executions) break;
		if (now - firedAt > ROW_TIMEOUT_MS) {
			throw new Error(`${title}: only ${done.length} of ${work.executions} executions finished after ${formatSeconds(ROW_TIMEOUT_MS)} (QUEUE_ROW_TIMEOUT_MIN)`);
		}
		await sleep(2000);
	}
	await rest.request('POST', `/rest/workflows/${saved.id}/deactivate`, {}).catch(() => undefined);

	const stoppedAt = Math.max(...executions.map((e) => (e.stoppedAt ? Date.parse(e.stoppedAt) : Date.now())));
	const reqs = keyLog();
	const rateLimited = reqs.filter((e) => e.status === 429).length;
	const failedIds = executions.filter((e) => e.status !== 'success');
	const failures: string[] = [];
	for (const e of failedIds.slice(0, 5)) failures.push(`execution ${e.id} ${e.status}: ${await executionError(rest, stack.runtime, e.id)}`);
	const span = reqs.length ? reqs[reqs.length - 1].at - reqs[0].at : 0;
	const accepted = reqs.length - rateLimited;

	// Per worker, from the proxy's log (the requests of this row: it runs alone) and the workers' logs.
	const tapped: TapEntry[] = tap.log.slice(tapFrom).filter((e) => e.path.startsWith('/blipix/'));
	const perWorker: WorkerStats[] = stack.workers.map((w) => ({
		label: w.label,
		requests: tapped.filter((e) => e.from === w.label).length,
		rateLimited: tapped.filter((e) => e.from === w.label && e.status === 429).length,
		executions: executions.filter((e) => stack.ranBy.get(e.id) === w.label).length,
	}));
	const perMinute: Array<[number, number]> = [];
	for (const e of reqs) {
		const minute = Math.max(0, Math.floor((e.at - firedAt) / 60_000));
		while (perMinute.length <= minute) perMinute.push([0, 0]);
		perMinute[minute][e.status === 429 ? 1 : 0]++;
	}
	let readyVideos: number | undefined;
	let downloads: RowResult['downloads'];
	if (spec.scenario === 'wait') {
		readyVideos = 0;
		downloads = { ok: 0, problems: [] };
		for (const e of executions.filter((x) => x.status === 'success')) {
			const checked = await checkDownloads(stack, e.id);
			readyVideos += checked.ready;
			downloads.ok += checked.ok;
			downloads.problems.push(...checked.problems);
		}
	}
	const result: RowResult = {
		spec,
		requests: reqs.length,
		rateLimited,
		executions: executions.length,
		failed: failedIds.length,
		failures,
		wallMs: stoppedAt - firedAt,
		requestSpanMs: span,
		keyUsePerMinute: span ? accepted / (span / 60_000) : 0,
		perWorker,
		perMinute,
		unattributed: {
			requests: tapped.filter((e) => !stack.workers.some((w) => w.label === e.from)).length,
			executions: executions.filter((e) => !stack.ranBy.has(e.id)).length,
		},
		readyVideos,
		downloads,
	};
	writeFileSync(
		join(stack.resultsDir, `${rowId(spec)}.json`),
		JSON.stringify(
			{
				...result,
				firedAt,
				executions: executions.map((e) => ({ ...e, worker: stack.ranBy.get(e.id) })),
				requests: reqs.map((e) => ({ t: e.at - firedAt, method: e.method, route: e.route, status: e.status })),
				tap: tapped.map((e) => ({ t: e.sentAt - firedAt, ms: e.answeredAt - e.sentAt, from: e.from, method: e.method, path: e.path, status: e.status, remaining: e.remaining })),
			},
			null,
			1,
		),
	);
	printRow(result);
	return result;
}

/**
 * Wait for Render's Ready items of one execution, each with its MP4: stored where queue mode's default
 * binary data mode puts it (memory on 1.x, the database on 2.x), and read back through the main as the
 * editor does, byte for byte the simulator's file.
 */
async function checkDownloads(stack: Stack, id: string): Promise<{ ready: number; ok: number; problems: string[] }> {
	const problems: string[] = [];
	let ok = 0;
	let ready: ReturnType<typeof outputOf> = [];
	try {
		ready = outputOf(await getExecution(stack.rest, stack.runtime, id), 'Wait for Render', 0);
	} catch (err) {
		return { ready: 0, ok: 0, problems: [`execution ${id}: ${(err as Error).message}`] };
	}
	for (const item of ready) {
		const videoId = String(item.json.id);
		const binary = item.binary?.data;
		try {
			if (!binary) throw new Error('no binary "data"');
			const where = storedIn(binary);
			if (where !== stack.binaryMode) throw new Error(`stored ${where}, not ${stack.binaryMode}`);
			const bytes = await binaryBytes(stack.rest, binary);
			const served = stack.sim.blipix.videoFile(videoId);
			if (!bytes.equals(served)) throw new Error(`${bytes.length} bytes read back differ from the ${served.length} served`);
			ok++;
		} catch (err) {
			problems.push(`execution ${id}, video ${videoId}: ${(err as Error).message}`);
		}
	}
	return { ready: ready.length, ok, problems };
}

function printRow(r: RowResult): void {
	const lines = [
		`  ${r.spec.scenario} ${rowName(r.spec)}: ${r.executions} executions, ${r.failed} failed, wall ${formatSeconds(r.wallMs)}; ${r.requests} requests, ${r.rateLimited} × 429 (${pct(r.rateLimited, r.requests)}); key use ${r.keyUsePerMinute.toFixed(1)}/min over ${formatSeconds(r.requestSpanMs)}${r.readyVideos !== undefined ? `; ${r.readyVideos} videos ready` : ''}${r.downloads ? `, ${r.downloads.ok} MP4s read back byte for byte` : ''}`,
		`  per worker: ${r.perWorker.map((w) => `${w.label} ${w.requests} requests (${w.rateLimited} × 429), ${w.executions} executions`).join('; ')}`,
		`  per minute (accepted/429): ${r.perMinute.map(([ok, no], m) => `${m}: ${ok}/${no}`).join('  ')}`,
	];
	if (r.unattributed.requests || r.unattributed.executions) {
		lines.push(`  not attributed to a worker: ${r.unattributed.requests} requests, ${r.unattributed.executions} executions`);
	}
	for (const f of r.failures) lines.push(`  ✗ ${f}`);
	for (const p of r.downloads?.problems.slice(0, 5) ?? []) lines.push(`  ✗ download: ${p}`);
	process.stdout.write(`${lines.join('\n')}\n`);
}

function table(header: string[], rows: string[][]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

interface Goal {
	goal: string;
	measured: string;
	met: boolean;
}

function goalsOf(results: RowResult[], binary: { mode: string; expected: string }): Goal[] {
	const goals: Goal[] = [];
	goals.push({
		goal: `binary data in queue mode's default mode, N8N_DEFAULT_BINARY_DATA_MODE unset (${describeBinaryDataMode(binary.expected)})`,
		measured: describeBinaryDataMode(binary.mode),
		met: binary.mode === binary.expected,
	});
	for (const r of results.filter((x) => x.downloads)) {
		const d = r.downloads!;
		goals.push({
			goal: `${r.spec.scenario} ${rowName(r.spec)}: every ready video's MP4 downloaded, stored ${binary.mode === 'default' ? 'in memory' : `in ${binary.mode} mode`}, byte for byte`,
			measured: `${d.ok} of ${r.readyVideos ?? 0}`,
			met: d.ok > 0 && d.ok === r.readyVideos && d.problems.length === 0,
		});
	}
	for (const r of results) {
		if (r.spec.workers === 1) continue;
		const alone = results.find((x) => x.spec.scenario === r.spec.scenario && x.spec.workers === 1);
		const name = `${r.spec.scenario} ${rowName(r.spec)}`;
		goals.push({ goal: `${name}: at most 5% of requests answered 429`, measured: pct(r.rateLimited, r.requests), met: r.rateLimited <= 0.05 * r.requests });
		goals.push({ goal: `${name}: 0 failed executions`, measured: String(r.failed), met: r.failed === 0 });
		if (alone) {
			const ratio = r.wallMs / alone.wallMs;
			goals.push({ goal: `${name}: wall time at most 1.1× ${rowName(alone.spec)}'s`, measured: `${ratio.toFixed(2)}×`, met: ratio <= 1.1 });
		}
	}
	for (const r of results.filter((x) => x.spec.workers === 1)) {
		goals.push({ goal: `${r.spec.scenario} ${rowName(r.spec)}: no 429, 0 failed executions`, measured: `${r.rateLimited} × 429, ${r.failed} failed`, met: r.rateLimited === 0 && r.failed === 0 });
	}
	return goals;
}

function report(
	results: RowResult[],
	runtime: Runtime,
	args: Args,
	startedAt: number,
	binary: { mode: string; expected: string },
): { text: string; goals: Goal[] } {
	const ordered = [...results].sort((a, b) => (a.spec.scenario === b.spec.scenario ? 0 : a.spec.scenario === 'load' ? -1 : 1));
	const main = table(
		['workers × concurrency', 'work', 'requests sent', '429s', 'failed executions', 'MP4s downloaded, read back equal', 'wall time'],
		ordered.map((r) => [
			rowName(r.spec),
			WORK[r.spec.scenario].label,
			String(r.requests),
			`${r.rateLimited} (${pct(r.rateLimited, r.requests)})`,
			`${r.failed} of ${r.executions}`,
			r.downloads ? `${r.downloads.ok} of ${r.readyVideos ?? 0}` : '-',
			formatSeconds(r.wallMs),
		]),
	);
	const detail = table(
		['row', 'wall × 1 worker', 'key use', 'first → last request', 'requests per worker (429s)', 'executions per worker'],
		ordered.map((r) => {
			const alone = results.find((x) => x.spec.scenario === r.spec.scenario && x.spec.workers === 1);
			return [
				`${r.spec.scenario} ${rowName(r.spec)}`,
				alone ? `${(r.wallMs / alone.wallMs).toFixed(2)}×` : '',
				`${r.keyUsePerMinute.toFixed(1)}/min`,
				formatSeconds(r.requestSpanMs),
				r.perWorker.map((w) => `${w.requests} (${w.rateLimited})`).join(' / '),
				r.perWorker.map((w) => String(w.executions)).join(' / '),
			];
		}),
	);
	const goals = goalsOf(results, binary);
	const goalTable = table(['goal', 'measured', 'met'], goals.map((g) => [g.goal, g.measured, g.met ? 'yes' : '**NO**']));
	const text = [
		`# test:queue on n8n ${runtime.n8nVersion} (Node ${runtime.nodeVersion}), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
		'',
		`One Blipix key (the simulator's limit: ${LIMIT_PER_MINUTE} requests in any sliding minute, real time), n8n in queue mode (main + workers, Redis, PostgreSQL). Renders ${args.render.min}–${args.render.max} s. Binary data: ${describeBinaryDataMode(binary.mode)} (N8N_DEFAULT_BINARY_DATA_MODE unset; the wait rows download every MP4).`,
		'',
		main,
		'',
		detail,
		'',
		goalTable,
		'',
		`Total ${formatSeconds(Date.now() - startedAt)}.`,
		'',
	].join('\n');
	return { text, goals };
}

async function main(): Promise<number> {
	const args = parseArgs(process.argv.slice(2));
	if (args.quick) WORK = QUICK_WORK;
	const startedAt = Date.now();
	const major = args.n8n;
	const pkg = readPackageJson();
	const maxWorkers = Math.max(...args.rows.map((r) => r.workers));
	// Fewest worker restarts: rows with the same workers × concurrency one after the other.
	const rows = [...args.rows].sort((a, b) => a.workers - b.workers || a.concurrency - b.concurrency);
	const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
	const resultsDir = join(QUEUE_DIR, 'results', `${stamp}-n8n-${major}`);
	mkdirSync(resultsDir, { recursive: true });

	let redis: RedisServer | undefined;
	let postgres: PostgresServer | undefined;
	let sim: Simulator | undefined;
	let tap: Tap | undefined;
	let mainN8n: N8nInstance | undefined;
	let stack: Stack | undefined;
	let cleaning: Promise<void> | undefined;
	let interrupted = false;
	const cleanup = () =>
		(cleaning ??= (async () => {
			// After Ctrl-C the running executions are abandoned: no need to wait out n8n's graceful shutdown.
			const patience = interrupted ? 5000 : 30_000;
			if (stack) await Promise.all(stack.workers.map(async (w) => await w.stop(patience)));
			await mainN8n?.stop(patience);
			await tap?.close();
			await sim?.close();
			if (args.keepServices) {
				redis?.leave();
				log(`--keep-services: Redis (127.0.0.1:${PORTS.redis}) and PostgreSQL (127.0.0.1:${PORTS.postgres}) stay up; the next run stops them.`);
			} else {
				await redis?.stop();
				await postgres?.stop();
			}
		})());
	const onSignal = (code: number) => () => {
		if (interrupted) return;
		interrupted = true;
		log('Interrupted: stopping n8n, the simulator, Redis and PostgreSQL…');
		void cleanup().then(() => process.exit(code));
	};
	process.on('SIGINT', onSignal(130));
	process.on('SIGTERM', onSignal(143));

	const results: RowResult[] = [];
	try {
		const runtime = await ensureRuntime(log, major);
		log(`n8n ${runtime.n8nVersion} (Node ${runtime.nodeVersion}) in queue mode; rows: ${rows.map((r) => `${r.scenario} ${rowName(r)}`).join(', ')}.`);

		const folder = join(QUEUE_DIR, `n8n-${major}`);
		rmSync(folder, { recursive: true, force: true });
		const tarball = await packTarball(join(QUEUE_DIR, 'pack'));
		const mainFolder = join(folder, 'main');
		const workerFolders = Array.from({ length: maxWorkers }, (_, i) => join(folder, `worker-${i + 1}`));
		for (const f of [mainFolder, ...workerFolders]) await installLikeN8n(tarball, join(f, '.n8n'));
		log(`Installed ${pkg.name}@${pkg.version} into the .n8n/nodes of the main and ${maxWorkers} worker folder(s) under ${relative(ROOT, folder)}.`);

		redis = await startRedis({ dir: join(QUEUE_DIR, 'redis'), port: PORTS.redis }, log);
		postgres = await startPostgres({ dir: join(QUEUE_DIR, 'postgres'), port: PORTS.postgres, ...PG }, log);

		// Real time: n8n (and so the package's pacing) runs at real speed, and so must the key's window.
		sim = await startSimulator({ timeScale: 1, seed: 11, port: PORTS.sim, cdnPort: PORTS.sim + 1 });
		tap = await startTap({ port: PORTS.sim + 2, target: sim.url });
		log(`Simulator on ${sim.url} (real time, Blipix limit ${LIMIT_PER_MINUTE}/min per key), n8n reaches it through ${tap.url}.`);

		log(`Starting the n8n main on http://127.0.0.1:${PORTS.n8n} (EXECUTIONS_MODE=queue)…`);
		mainN8n = await startN8n(
			{
				runtime,
				userFolder: mainFolder,
				port: PORTS.n8n,
				brokerPort: PORTS.n8n + 1,
				logFile: join(mainFolder, 'n8n.log'),
				env: queueEnv(),
			},
			log,
		);
		tap.processes.set('main', mainN8n.child.pid!);
		const rest = new N8nRest(mainN8n.url);
		await rest.setupOrLogin(DEV_OWNER);
		const binary = { mode: await rest.binaryDataMode(), expected: defaultBinaryDataMode(major, true) };
		log(
			`Binary data: ${describeBinaryDataMode(binary.mode)} (N8N_DEFAULT_BINARY_DATA_MODE unset; queue mode's default on n8n ${runtime.n8nVersion} is ${describeBinaryDataMode(binary.expected)})${binary.mode === binary.expected ? '' : ' — NOT the expected default'}.`,
		);

		stack = { runtime, sim, tap, main: mainN8n, rest, pkgName: pkg.name, workerFolders, workers: [], ranBy: new Map(), resultsDir, binaryMode: binary.mode };
		for (const [i, spec] of rows.entries()) {
			results.push(await runRow(stack, spec, args, i + 1));
			writeFileSync(join(resultsDir, 'RESULTS.md'), report(results, runtime, args, startedAt, binary).text);
		}

		const { text, goals } = report(results, runtime, args, startedAt, binary);
		writeFileSync(join(resultsDir, 'RESULTS.md'), text);
		process.stdout.write(`\n${text}\nResults and per-row traces: ${relative(ROOT, resultsDir)}/\n`);
		return goals.every((g) => g.met) ? 0 : 2;
	} catch (err) {
		if (interrupted) return 130;
		process.stderr.write(`[queue] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		if (mainN8n) process.stderr.write(`\nThe main's last lines:\n${mainN8n.tail()}\n`);
		for (const w of stack?.workers ?? []) process.stderr.write(`\nWorker ${w.label}'s last lines (${w.logFile}):\n${w.tail()}\n`);
		return 1;
	} finally {
		await cleanup();
	}
}

void main().then(
	(code) => process.exit(code),
	(err: unknown) => {
		process.stderr.write(`[queue] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
		process.exit(1);
	},
);
