/**
 * `npm run bench`, section "Queue mode": n8n's queue mode runs executions in several worker
 * processes; each loads the package and so has its own pacing budget, while all of them share
 * one Blipix key (60 requests a minute).
 *
 * One simulator in this process (127.0.0.1, SCALE× time, its default Blipix limit: 60 requests
 * per sliding simulated minute per key). N = 1, 2, 4 and 8 worker processes
 * (bench/queueWorker.ts, forked; each loads dist/ itself and follows the simulator's clock) split
 * the same work between them:
 *
 * - render: 8 executions of Start (20 prompts, renders of 2–5 simulated minutes) → Blipix Video →
 *   Create → Blipix Wait for Render (poll 20 s, no download): 1×8, 2×4, 4×2, 8×1.
 * - load: 16 executions of a Video → Get Many over 20 items (20 GET /videos each).
 * - creates (1 process only): one execution creating 100 videos, against the rate-limit floor.
 *
 * Each runs once with the package's budget (ours) and once with the naive per-process budget of
 * bench/queueNaiveBudget.ts, swapped in by the worker. Every run uses a new key, so every worker
 * starts with a new budget for it, as a fresh worker would: the workers of one kind are forked
 * once and reused for all its runs, which saves starting n8n-core 60 times over.
 *
 * BENCH_ONLY=queue runs only this section and replaces only its part of bench/RESULTS.md.
 * BENCH_QUEUE_TRACE=<dir> also writes each run's per-worker traces (answer by answer: Remaining,
 * share, neighbours' use, own requests in the window; and every send time) there as JSON.
 *
 * For tuning, run this file directly after `npm run bench` (or `npm run build && npm run build:dev`):
 *   BENCH_QUEUE_RUNS=ours:creates:1,ours:load:1,ours:load:4 node .build/bench/queueSection.js
 * runs only those runs and writes nothing; BENCH_QUEUE_SCALE sets another time scale, and
 * BENCH_QUEUE_DIST=<dir> makes the workers load another build of the package (a scratch copy of
 * dist/ with another requestBudget.js; outside the repository, also set
 * NODE_PATH=<repo>/node_modules so that it finds n8n-workflow).
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startSimulator } from '../test/simulator';
import type { Simulator } from '../test/simulator';
import type { QueueScenario, RunMessage, WorkerResult } from './queueWorker';

export const QUEUE_HEADING = '## Queue mode: several workers on one Blipix key';
/** The name for BENCH_ONLY. */
export const QUEUE_ONLY = 'queue';

/** Simulated ms per real ms. */
const SCALE = 60;
const LIMIT_PER_MINUTE = 60;
const WORKERS = [1, 2, 4, 8];
const KINDS = ['ours', 'naive'] as const;
type Kind = (typeof KINDS)[number];

const SCENARIOS: Record<QueueScenario, { executions: number; items: number; label: string }> = {
	render: { executions: 8, items: 20, label: '8 executions × (20 creates → Wait for Render)' },
	load: { executions: 16, items: 20, label: '16 executions × 20 Get Many' },
	creates: { executions: 1, items: 100, label: '1 execution × 100 creates' },
};

export interface QueueRow {
	kind: Kind;
	scenario: QueueScenario;
	workers: number;
	/** As the server logged them for the run's key. */
	requests: number;
	rateLimited: number;
	/** As the workers counted them (answers through the budget): a cross-check. */
	workerRequests: number;
	failedExecutions: number;
	executions: number;
	readyItems: number;
	failedItems: number;
	wallMs: number;
	simMs: number;
	shares: number[];
	/** Accepted (non-429) requests per simulated minute over the run. */
	usePerMinute: number;
	/** From the first request sent to the last answer, simulated: the pacing alone, without the engine's start and end. */
	requestSpanMs: number;
	/** The worst event-loop delay of any worker during the run, real ms: how late a timer could fire. */
	maxLoopDelayMs: number;
	errors: string[];
	results: WorkerResult[];
}

export interface QueueReport {
	rows: QueueRow[];
	wallMs: number;
	cpus: number;
	scale: number;
}

/** For iterating (bench/queueSection.js run directly): fewer runs, another scale. */
export interface QueueOptions {
	scale?: number;
	/** Runs to do, as "kind:scenario:workers" (e.g. "ours:load:4"); default all. */
	only?: string[];
}

class Worker {
	readonly child: ChildProcess;

	private readonly waiting = new Map<number, { resolve: (r: WorkerResult) => void; reject: (e: Error) => void }>();

	readonly ready: Promise<void>;

	constructor(kind: Kind, sim: Simulator) {
		this.child = fork(join(__dirname, 'queueWorker.js'), [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
		this.ready = new Promise((resolve, reject) => {
			this.child.once('error', reject);
			this.child.once('exit', (code) => {
				const error = new Error(`queue worker exited (${code})`);
				reject(error);
				for (const { reject: fail } of this.waiting.values()) fail(error);
			});
			this.child.on('message', (message: { type: string; runId?: number; result?: WorkerResult; error?: string }) => {
				if (message.type === 'ready') resolve();
				if (message.type !== 'done') return;
				const waiter = this.waiting.get(message.runId!);
				this.waiting.delete(message.runId!);
				if (message.error) waiter?.reject(new Error(message.error));
				else waiter?.resolve(message.result!);
			});
		});
		// The simulator's clock: `sim` at real `real`, going on at SCALE.
		this.child.send({ type: 'sync', scale: sim.timeScale, real: Date.now(), sim: sim.simNow() });
	}

	async run(message: RunMessage): Promise<WorkerResult> {
		const done = new Promise<WorkerResult>((resolve, reject) => this.waiting.set(message.runId, { resolve, reject }));
		this.child.send(message);
		return await done;
	}

	async exit(): Promise<void> {
		if (this.child.exitCode !== null) return;
		const gone = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.send({ type: 'exit' });
		await gone;
	}
}

let runIds = 0;

async function runOnce(sim: Simulator, pool: Worker[], kind: Kind, scenario: QueueScenario, workers: number): Promise<QueueRow> {
	const { executions, items } = SCENARIOS[scenario];
	const apiKey = sim.blipix.createAccount({ credits: 1_000_000 });
	const runId = ++runIds;
	const startedAt = Date.now();
	const results = await Promise.all(
		pool.slice(0, workers).map(async (worker, index) =>
			await worker.run({ type: 'run', runId, scenario, executions: executions / workers, apiKey, baseUrl: sim.blipix.baseUrl, worker: index, items }),
		),
	);
	const wallMs = Date.now() - startedAt;
	const log = sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey);
	const rateLimited = log.filter((entry) => entry.status === 429).length;
	const workerRequests = results.reduce((sum, r) => sum + r.requests, 0);
	const simMs = wallMs * sim.timeScale;
	const row: QueueRow = {
		kind, scenario, workers,
		requests: log.length,
		rateLimited,
		workerRequests,
		failedExecutions: results.reduce((sum, r) => sum + r.failedExecutions, 0),
		executions,
		readyItems: results.reduce((sum, r) => sum + r.readyItems, 0),
		failedItems: results.reduce((sum, r) => sum + r.failedItems, 0),
		wallMs,
		simMs,
		shares: results.map((r) => r.requests / Math.max(1, workerRequests)),
		usePerMinute: (log.length - rateLimited) / (simMs / 60_000),
		requestSpanMs:
			Math.max(...results.map((r) => r.trace[r.trace.length - 1]?.t ?? 0)) - Math.min(...results.map((r) => r.sends[0] ?? Infinity)),
		maxLoopDelayMs: Math.max(...results.map((r) => r.loopDelayMs.max)),
		errors: results.flatMap((r) => r.errors),
		results,
	};
	if (workerRequests !== row.requests) console.log(`[bench] queue: the workers counted ${workerRequests} answers, the server logged ${row.requests} requests`);
	const traceDir = process.env.BENCH_QUEUE_TRACE;
	if (traceDir) {
		mkdirSync(traceDir, { recursive: true });
		writeFileSync(join(traceDir, `${kind}-${scenario}-${workers}.json`), JSON.stringify(results));
	}
	for (const r of results) {
		r.trace = [];
		r.sends = [];
	}
	console.log(
		`[bench] queue: ${kind.padEnd(5)} ${scenario.padEnd(7)} N=${workers}: ${row.requests} requests, ${rateLimited} × 429 (${pct(rateLimited / row.requests)}), ${row.failedExecutions} failed executions, ${(simMs / 60_000).toFixed(2)} sim min, ${(wallMs / 1000).toFixed(1)} s wall, shares ${row.shares.map((s) => pct(s, 0)).join('/')}, event-loop delay max ${row.maxLoopDelayMs.toFixed(0)} ms (p99 ${Math.max(...results.map((r) => r.loopDelayMs.p99)).toFixed(0)})`,
	);
	for (const error of row.errors.slice(0, 2)) console.log(`[bench] queue:   error: ${error.slice(0, 300)}`);
	return row;
}

const pct = (share: number, digits = 1) => `${(share * 100).toFixed(digits)}%`;

export async function benchQueue(options: QueueOptions = {}): Promise<QueueReport> {
	const began = Date.now();
	const scale = options.scale ?? SCALE;
	const sim = await startSimulator({ timeScale: scale, seed: 11 });
	const rows: QueueRow[] = [];
	const wanted = (kind: Kind, scenario: QueueScenario, workers: number) =>
		!options.only || options.only.includes(`${kind}:${scenario}:${workers}`);
	const plan = KINDS.map((kind) => ({
		kind,
		runs: [
			['creates', 1] as const,
			...(['render', 'load'] as const).flatMap((scenario) => WORKERS.map((workers) => [scenario, workers] as const)),
		].filter(([scenario, workers]) => wanted(kind, scenario, workers)),
	})).filter(({ runs }) => runs.length > 0);
	try {
		for (const { kind, runs } of plan) {
			const pool = Array.from({ length: Math.max(...runs.map(([, workers]) => workers)) }, () => new Worker(kind, sim));
			try {
				await Promise.all(pool.map(async (worker) => await worker.ready));
				for (const [scenario, workers] of runs) rows.push(await runOnce(sim, pool, kind, scenario, workers));
			} finally {
				await Promise.all(pool.map(async (worker) => await worker.exit()));
			}
		}
	} finally {
		await sim.close();
	}
	const { cpus } = await import('node:os');
	return { rows, wallMs: Date.now() - began, cpus: cpus().length, scale };
}

type Table = (header: string[], rows: Array<Array<string | number>>) => string;

export function queueSection(report: QueueReport, table: Table): string[] {
	const find = (kind: Kind, scenario: QueueScenario, workers: number) =>
		report.rows.find((r) => r.kind === kind && r.scenario === scenario && r.workers === workers)!;
	const relative = (row: QueueRow) => row.wallMs / find(row.kind, row.scenario, 1).wallMs;
	const scenarioTable = (scenario: QueueScenario) =>
		table(
			['processes', 'budget', 'requests', '429s', 'failed executions', scenario === 'render' ? 'videos ready' : 'calls', 'sim time', 'wall', '× 1 process', 'key use', 'max loop delay', 'share of requests per process'],
			WORKERS.flatMap((workers) =>
				KINDS.map((kind) => {
					const r = find(kind, scenario, workers);
					return [
						`${workers} × ${r.executions / workers}`,
						kind === 'ours' ? 'ours (shares the key)' : 'naive (per process)',
						r.requests,
						`${r.rateLimited} (${pct(r.rateLimited / r.requests)})`,
						`${r.failedExecutions} of ${r.executions}`,
						scenario === 'render' ? `${r.readyItems} of ${r.executions * SCENARIOS.render.items}` : r.executions * SCENARIOS.load.items,
						`${(r.simMs / 60_000).toFixed(2)} min`,
						`${(r.wallMs / 1000).toFixed(1)} s`,
						`${relative(r).toFixed(2)}×`,
						`${r.usePerMinute.toFixed(1)}/min`,
						`${r.maxLoopDelayMs.toFixed(0)} ms`,
						r.shares.map((s) => pct(s, 0)).join(' / '),
					];
				}),
			),
		);

	const floorMs = (SCENARIOS.creates.items / LIMIT_PER_MINUTE) * 60_000;
	const creates = KINDS.map((kind) => find(kind, 'creates', 1));
	const goals: Array<[string, string, boolean]> = [];
	for (const scenario of ['render', 'load'] as const) {
		const four = find('ours', scenario, 4);
		const eight = find('ours', scenario, 8);
		goals.push(
			[`4 processes, ${scenario}: at most 5% of requests answered 429`, pct(four.rateLimited / four.requests), four.rateLimited / four.requests <= 0.05],
			[`4 processes, ${scenario}: 0 failed executions`, String(four.failedExecutions), four.failedExecutions === 0],
			[`4 processes, ${scenario}: wall time at most 1.1× one process's`, `${relative(four).toFixed(2)}×`, relative(four) <= 1.1],
			[`8 processes, ${scenario}: at most 10% of requests answered 429`, pct(eight.rateLimited / eight.requests), eight.rateLimited / eight.requests <= 0.1],
		);
	}
	const alone = [find('ours', 'render', 1), find('ours', 'load', 1), creates[0]];
	const alone429 = alone.reduce((sum, r) => sum + r.rateLimited, 0);
	goals.push(
		['1 process: no 429 (render, load and 100 creates)', String(alone429), alone429 === 0],
		['1 process: 100 creates in at most 1.05× the floor (100 s), first request to last answer', `${(creates[0].requestSpanMs / 1000).toFixed(1)} s = ${(creates[0].requestSpanMs / floorMs).toFixed(3)}×`, creates[0].requestSpanMs <= 1.05 * floorMs],
	);

	return [
		QUEUE_HEADING,
		'',
		`n8n's queue mode runs executions in several worker processes; each loads the package, so each has its own pacing budget, and all of them share one Blipix key. Here 1, 2, 4 and 8 worker processes (separate Node processes, each loading \`dist/\` for itself and following the simulator's clock) share the same work and one key, against one simulator at ${report.scale}× with its default Blipix limit: 60 requests per key in any **sliding** simulated minute (the simulator has no fixed-window mode, so the fixed-window reading of the limit is not measured). Every execution runs through the real engine with the built nodes. *Ours* is the package's budget, which infers the neighbours' use from \`X-RateLimit-Limit\`/\`X-RateLimit-Remaining\` and paces to a share of the key with even spacing (AIMD); *naive* is the budget the package had before (\`bench/queueNaiveBudget.ts\`): a sliding window of its own requests, bursts up to the limit, one slot's wait when Remaining reaches 0, swapped into the worker's \`dist/\` RequestBudget. Each run uses a new key.`,
		'',
		`### ${SCENARIOS.render.label}`,
		'',
		'Renders take 2–5 simulated minutes; Create checks the credits first (one `GET /me`), Wait for Render polls every 20 s, no download.',
		'',
		scenarioTable('render'),
		'',
		`### ${SCENARIOS.load.label}`,
		'',
		scenarioTable('load'),
		'',
		`### One process alone: ${SCENARIOS.creates.label}`,
		'',
		table(
			['budget', 'requests', '429s', 'failed executions', 'first request → last answer', 'vs the floor (100 creates at 60/min = 100 s)', 'whole execution'],
			creates.map((r) => [r.kind, r.requests, r.rateLimited, r.failedExecutions, `${(r.requestSpanMs / 1000).toFixed(1)} s`, `${(r.requestSpanMs / floorMs).toFixed(3)}×`, `${(r.simMs / 1000).toFixed(1)} s`]),
		),
		'',
		'### Goals (ours)',
		'',
		table(['goal', 'measured', 'met'], goals.map(([goal, measured, met]) => [goal, measured, met ? 'yes' : '**NO**'])),
		'',
		'- processes: worker processes × executions each (all of a process\'s executions at once); the total work is the same in every row.',
		'- requests: every request the server logged for the run\'s key, 429s included; 429s: answered "rate limit exceeded" (share of requests).',
		'- failed executions: executions that ended with an error (e.g. a create still refused after 3 minutes of retries). Videos ready: items on Wait for Render\'s "Ready" output.',
		`- sim time: from the start of the run to the end of its last execution, simulated; wall: the same in real time; × 1 process: wall time against the 1-process run of the same budget and work. Key use: accepted (non-429) requests per simulated minute over the run (the key allows ${LIMIT_PER_MINUTE}).`,
		`- max loop delay: the worst event-loop delay of any worker process during the run, in real ms (Node's monitorEventLoopDelay): how late a pacing timer could fire. At ${report.scale}× one real ms is ${(report.scale / 1000).toFixed(2)} simulated seconds, so a busy machine (other jobs share it) shows up as lost time here, not in production.`,
		'- share of requests per process: each process\'s part of the requests it sent (as counted in the process).',
		'- 100 creates: one execution, Check Credits First off, so exactly 100 requests. First request → last answer is the pacing alone; whole execution adds the engine\'s start and end, a few real ms that the time scale magnifies into seconds.',
		'',
		`The section took ${(report.wallMs / 1000).toFixed(0)} s (${report.cpus} CPUs, run on ${new Date().toISOString().slice(0, 10)}).`,
		'',
	];
}

/** Replaces this section in RESULTS.md, or puts it before `beforeHeading` (or at the end). */
export function withQueueSection(results: string, section: string, beforeHeading: string): string {
	const start = results.indexOf(QUEUE_HEADING);
	if (start !== -1) {
		const next = results.indexOf('\n## ', start + QUEUE_HEADING.length);
		return `${results.slice(0, start)}${section.trimEnd()}\n${next === -1 ? '' : `\n${results.slice(next + 1)}`}`;
	}
	const at = results.indexOf(beforeHeading);
	if (at === -1) return `${results.trimEnd()}\n\n${section}`;
	return `${results.slice(0, at)}${section.trimEnd()}\n\n${results.slice(at)}`;
}

// Run directly (node .build/bench/queueSection.js) for iterating: BENCH_QUEUE_RUNS=ours:load:4,ours:render:4
// BENCH_QUEUE_SCALE=30 BENCH_QUEUE_DIST=/tmp/some-dist; prints the runs and writes nothing.
if (require.main === module) {
	benchQueue({
		scale: process.env.BENCH_QUEUE_SCALE ? Number(process.env.BENCH_QUEUE_SCALE) : undefined,
		only: process.env.BENCH_QUEUE_RUNS?.split(','),
	}).then(
		(report) => console.log(`[bench] queue: ${(report.wallMs / 1000).toFixed(0)} s`),
		(error) => {
			console.error(error);
			process.exitCode = 1;
		},
	);
}
