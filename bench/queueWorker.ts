/**
 * One n8n queue-mode worker for the queue-mode bench (bench/queueSection.ts), run as its own Node
 * process by child_process.fork. It loads the package from dist/ itself, so it has its own
 * per-key budget (nodes/shared/transport/requestBudget.ts), exactly as every worker of n8n's
 * queue mode loads the package for itself; all workers send to one simulator, on one key.
 *
 * argv: `ours` or `naive` (the old per-process budget, bench/queueNaiveBudget.ts, put on dist/'s
 * RequestBudget.prototype before any node runs).
 *
 * Messages, over the fork IPC channel:
 *   parent → worker  { type: 'sync', scale, real, sim }   the simulator's clock: `sim` at real ms `real`
 *   worker → parent  { type: 'ready' }
 *   parent → worker  { type: 'run', runId, scenario, executions, apiKey, baseUrl, worker }
 *   worker → parent  { type: 'done', runId, result: WorkerResult }
 *   parent → worker  { type: 'exit' }
 */
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import type { INodeType } from 'n8n-workflow';

import { runWorkflow, shutdownEngine } from '../test/engine';
import type { EngineWorkflow } from '../test/engine';
import { ensureEngine } from '../test/engine/runtime';
import type { BenchClock } from './queueNaiveBudget';
import { installNaiveBudget } from './queueNaiveBudget';

const root = resolve(__dirname, '../..');
/* eslint-disable @typescript-eslint/no-require-imports -- the package as users get it */
// BENCH_QUEUE_DIST: another build of the package (a scratch copy with other budget parameters).
const dist = (path: string) => require(join(process.env.BENCH_QUEUE_DIST ?? join(root, 'dist'), path));
const { Blipix } = dist('nodes/Blipix/Blipix.node.js');
const { BlipixWaitForRender } = dist('nodes/BlipixWaitForRender/BlipixWaitForRender.node.js');
const { BlipixApi } = dist('credentials/BlipixApi.credentials.js');
const { clock } = dist('nodes/shared/clock.js') as { clock: BenchClock & { follow(scale: number, apiNow: number): void } };
const budgetModule = dist('nodes/shared/transport/requestBudget.js') as { RequestBudget: { prototype: BudgetLike } };
/* eslint-enable @typescript-eslint/no-require-imports */

export type QueueScenario = 'render' | 'load' | 'creates';

export interface RunMessage {
	type: 'run';
	runId: number;
	scenario: QueueScenario;
	executions: number;
	apiKey: string;
	baseUrl: string;
	/** This worker's number in the run, for prompts and traces. */
	worker: number;
	/** Items per execution (20 creates, 20 Get Many, or 100 creates). */
	items: number;
}

/** One reading of the budget: at each answer (API ms since the run started). */
export interface TracePoint {
	t: number;
	remaining: number;
	/** Our budget's share of the window (requests per window); undefined for the naive budget. */
	share?: number;
	/** Our budget's estimate of the neighbours' requests in the window. */
	neighbours?: number;
	/** This process's own requests in its window. */
	own: number;
	status: 'ok' | '429';
}

export interface WorkerResult {
	worker: number;
	/** Answers this worker got (its requests), 429s included. */
	requests: number;
	rateLimited: number;
	failedExecutions: number;
	/** Items on Wait for Render's "Failed or Timed Out" output. */
	failedItems: number;
	readyItems: number;
	errors: string[];
	/** API ms from the start of the run to this worker's last execution's end. */
	simMs: number;
	trace: TracePoint[];
	/** When this worker's requests were sent (API ms since the start of the run). */
	sends: number[];
	/** This process's event-loop delay during the run, real ms: how late its timers could fire. */
	loopDelayMs: { p50: number; p99: number; max: number };
}

interface BudgetLike {
	acquire(signal?: AbortSignal): Promise<(answeredAt?: number) => void>;
	observe(limit: number | undefined, remaining: number | undefined): void;
	refused(): void;
	share?: number;
	inWindow?: number[];
	neighbourUse?: () => number;
}

const kind = process.argv[2] === 'naive' ? 'naive' : 'ours';
if (kind === 'naive') installNaiveBudget(budgetModule.RequestBudget.prototype, clock);

// Count and trace every answer through the budget, whichever methods it has: apiRequest calls
// observe() once per HTTP answer (429s included) and refused() once per 429.
const counters = { requests: 0, rateLimited: 0, startedAt: 0, trace: [] as TracePoint[], sends: [] as number[] };
const proto = budgetModule.RequestBudget.prototype;
const { acquire, observe, refused } = proto;
proto.acquire = async function (this: BudgetLike, signal) {
	const answered = await acquire.call(this, signal);
	counters.sends.push(clock.now() - counters.startedAt);
	return answered;
};
proto.observe = function (this: BudgetLike, limit, remaining) {
	observe.call(this, limit, remaining);
	counters.requests++;
	counters.trace.push({
		t: clock.now() - counters.startedAt,
		remaining: remaining ?? -1,
		share: this.share,
		neighbours: typeof this.neighbourUse === 'function' ? this.neighbourUse() : undefined,
		own: this.inWindow?.length ?? 0,
		status: 'ok',
	});
};
proto.refused = function (this: BudgetLike) {
	refused.call(this);
	counters.rateLimited++;
	const last = counters.trace[counters.trace.length - 1];
	if (last) {
		last.status = '429';
		last.share = this.share;
	}
};

const BLIPIX = 'n8n-nodes-blipix-clipmix.blipix';
const WAIT = 'n8n-nodes-blipix-clipmix.blipixWaitForRender';
const credentialRef = { blipixApi: { id: 'bench', name: 'Blipix' } };

/** Renders of 2–5 simulated minutes, spread evenly over an execution's 20 videos. */
const renderSeconds = (i: number, n: number) => Math.round(120 + (n === 1 ? 0 : (i * 180) / (n - 1)));

function workflowFor(run: RunMessage, execution: number): EngineWorkflow {
	const node = (id: string, name: string, type: string, x: number, parameters: object) => ({
		id, name, type, typeVersion: 1, position: [x, 0] as [number, number], credentials: credentialRef, parameters,
	});
	const items = Array.from({ length: run.items }, (_, i) => ({
		json: { prompt: `queue w${run.worker} e${execution} v${i} [render:${renderSeconds(i, run.items)}]` },
	}));
	const start = { id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
	const link = (from: string, to: string) => ({ [from]: { main: [[{ node: to, type: 'main' as const, index: 0 }]] } });
	const create = (checkCredits: boolean) =>
		node('c', 'Create', BLIPIX, 200, { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', checkCredits });
	switch (run.scenario) {
		case 'render':
			return {
				nodes: [start, create(true), node('w', 'Wait', WAIT, 400, { pollInterval: 20, maxWait: 30, downloadVideo: false })] as EngineWorkflow['nodes'],
				connections: { ...link('Start', 'Create'), ...link('Create', 'Wait') },
				pinData: { Start: items },
			};
		case 'creates':
			return { nodes: [start, create(false)] as EngineWorkflow['nodes'], connections: link('Start', 'Create'), pinData: { Start: items } };
		case 'load':
			return {
				nodes: [start, node('g', 'Get Many', BLIPIX, 200, { resource: 'video', operation: 'getAll', limit: 10 })] as EngineWorkflow['nodes'],
				connections: link('Start', 'Get Many'),
				pinData: { Start: items },
			};
	}
}

async function runOne(run: RunMessage, execution: number, result: WorkerResult): Promise<void> {
	const nodeTypes: Record<string, INodeType> = { [BLIPIX]: new Blipix(), [WAIT]: new BlipixWaitForRender() };
	const outcome = await runWorkflow({
		nodeTypes,
		credentialTypes: [new BlipixApi()],
		credentials: { blipixApi: { baseUrl: run.baseUrl, apiKey: run.apiKey } },
		workflow: workflowFor(run, execution),
	});
	if (outcome.error) {
		result.failedExecutions++;
		if (result.errors.length < 3) result.errors.push(`${outcome.error.message}${outcome.error.description ? `: ${outcome.error.description}` : ''}`);
		return;
	}
	if (run.scenario === 'render') {
		const [ready, failed = []] = outcome.outputs('Wait');
		result.readyItems += ready.length;
		result.failedItems += failed.length;
	}
}

async function runAll(run: RunMessage): Promise<WorkerResult> {
	counters.requests = 0;
	counters.rateLimited = 0;
	counters.trace = [];
	counters.sends = [];
	counters.startedAt = clock.now();
	const result: WorkerResult = {
		worker: run.worker, requests: 0, rateLimited: 0, failedExecutions: 0, failedItems: 0, readyItems: 0, errors: [], simMs: 0, trace: [], sends: [],
		loopDelayMs: { p50: 0, p99: 0, max: 0 },
	};
	const loop = monitorEventLoopDelay({ resolution: 10 });
	loop.enable();
	await Promise.all(Array.from({ length: run.executions }, async (_, execution) => await runOne(run, execution, result)));
	loop.disable();
	result.loopDelayMs = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
	result.simMs = clock.now() - counters.startedAt;
	result.requests = counters.requests;
	result.rateLimited = counters.rateLimited;
	result.trace = counters.trace;
	result.sends = counters.sends;
	return result;
}

process.on('message', (message: { type: string } & Record<string, unknown>) => {
	if (message.type === 'sync') {
		const { scale, real, sim } = message as unknown as { scale: number; real: number; sim: number };
		// The simulator's time goes on linearly from (real, sim), at `scale`: read it for now.
		clock.follow(scale, sim + (Date.now() - real) * scale);
		void ensureEngine().then(() => process.send!({ type: 'ready' }));
	} else if (message.type === 'run') {
		const run = message as unknown as RunMessage;
		runAll(run).then(
			(result) => process.send!({ type: 'done', runId: run.runId, result }),
			(error: Error) => process.send!({ type: 'done', runId: run.runId, error: String(error?.stack ?? error) }),
		);
	} else if (message.type === 'exit') {
		void shutdownEngine().finally(() => process.exit(0));
	}
});
