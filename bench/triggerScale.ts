/**
 * `npm run bench`, section "Blipix Trigger": a simulated day of scheduled posting on one API key.
 *
 * Five workflows create 100 videos each at five times of the day (Create, no wait). An active
 * Blipix Trigger (dist/) is polled every simulated minute through the engine's `pollTrigger`,
 * activation first, its static data kept between polls as n8n keeps it. Beside it, the naive way:
 * the same five batches through Create with its Wait for Render switch on, on a key of their own.
 *
 * BENCH_ONLY=blipix-trigger runs only this section and replaces only its part of bench/RESULTS.md.
 */
import { join, resolve } from 'node:path';

import type { IDataObject, INodeType } from 'n8n-workflow';

import { pollTrigger, runWorkflow } from '../test/engine';
import type { EngineLogEntry, EngineWorkflow } from '../test/engine';
import { startSimulator } from '../test/simulator';
import type { Simulator } from '../test/simulator';

const root = resolve(__dirname, '../..');
/* eslint-disable @typescript-eslint/no-require-imports -- the package as users get it */
const dist = (path: string) => require(join(root, 'dist', path));
const { Blipix } = dist('nodes/Blipix/Blipix.node.js');
const { BlipixTrigger } = dist('nodes/BlipixTrigger/BlipixTrigger.node.js');
const { BlipixApi } = dist('credentials/BlipixApi.credentials.js');
const { clock } = dist('nodes/shared/clock.js') as { clock: { follow(scale: number, apiNow: number): void } };
/* eslint-enable @typescript-eslint/no-require-imports */

export const BLIPIX_TRIGGER_HEADING = '## Blipix Trigger: a day of scheduled posting';
/** The name for BENCH_ONLY. */
export const BLIPIX_TRIGGER_ONLY = 'blipix-trigger';

/**
 * Simulated ms per real ms: a simulated day in two real minutes, a simulated minute in 83 real ms,
 * so that even a poll that emits ten videos (about 50 real ms through the engine) ends well before
 * the next one is due, as it would in n8n against the real API.
 */
const SCALE = 720;
const MINUTE = 60_000;
/** n8n's shortest poll time: every minute. */
const POLL_EVERY_MS = MINUTE;
const DAY_MINUTES = 24 * 60;
/** When each workflow creates its batch, in minutes after the trigger's activation (00:00). */
const BATCHES = [
	{ workflow: 'morning shorts', atMinute: 6 * 60, videos: 100 },
	{ workflow: 'news digest', atMinute: 9 * 60 + 30, videos: 100 },
	{ workflow: 'lunch tips', atMinute: 12 * 60, videos: 100 },
	{ workflow: 'afternoon promos', atMinute: 15 * 60 + 45, videos: 100 },
	{ workflow: 'evening stories', atMinute: 20 * 60, videos: 100 },
];
/** Finished before activation: history, never to be emitted. Rendering at activation: to be emitted. */
const HISTORY = 10;
const RENDERING_AT_ACTIVATION = 2;
const RENDER_MIN_S = 120;
const RENDER_MAX_S = 900;

const BLIPIX = 'n8n-nodes-blipix-clipmix.blipix';
const TRIGGER = 'n8n-nodes-blipix-clipmix.blipixTrigger';
const credentialRef = { blipixApi: { id: 'bench', name: 'Blipix' } };

const toSimS = (realMs: number) => (realMs * SCALE) / 1000;
const toSimMin = (realMs: number) => toSimS(realMs) / 60;
const sleepUntil = async (realAt: number) => await new Promise((r) => setTimeout(r, Math.max(0, realAt - Date.now())));
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const max = (values: number[]) => (values.length ? Math.max(...values) : 0);
const avg = (values: number[]) => (values.length ? sum(values) / values.length : 0);

/**
 * Video `g` (0–499) of the day: a render of 2–15 simulated minutes, spread evenly but in a
 * shuffled order; 20 fail during generation (`[fail]`) and 10 during rendering (`[fail:render]`).
 */
function prompt(g: number, label: string): string {
	const seconds = Math.round(RENDER_MIN_S + (((g * 37) % 100) * (RENDER_MAX_S - RENDER_MIN_S)) / 99);
	const outcome = g % 25 === 7 ? '[fail]' : g % 50 === 19 ? '[fail:render]' : '';
	return `${label} video ${g} ${outcome}[render:${seconds}]`;
}

function createWorkflow(prompts: string[], waitForRender: boolean): EngineWorkflow {
	return {
		nodes: [
			{ id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'c', name: 'Create', type: BLIPIX, typeVersion: 1, position: [200, 0], credentials: credentialRef,
				parameters: {
					resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy',
					...(waitForRender ? { waitForRender: true, pollInterval: 20, maxWait: 30, downloadVideo: false } : {}),
				},
			},
		] as EngineWorkflow['nodes'],
		connections: { Start: { main: [[{ node: 'Create', type: 'main', index: 0 }]] } },
		pinData: { Start: prompts.map((p) => ({ json: { prompt: p } })) } as EngineWorkflow['pinData'],
	};
}

function engineFor(sim: Simulator, apiKey: string) {
	return {
		nodeTypes: { [BLIPIX]: new Blipix(), [TRIGGER]: new BlipixTrigger() } as Record<string, INodeType>,
		credentialTypes: [new BlipixApi()],
		credentials: { blipixApi: { baseUrl: sim.blipix.baseUrl, apiKey } },
	};
}

/** One execution of a creating workflow: when it ran (real ms) and the ids it output. */
interface Execution { startedAt: number; endedAt: number; ids: string[]; failedIds: string[]; warnings: number }

async function runCreate(sim: Simulator, apiKey: string, prompts: string[], waitForRender: boolean): Promise<Execution> {
	const startedAt = Date.now();
	let warnings = 0;
	const onLog = (entry: EngineLogEntry) => { if (entry.level === 'warn' || entry.level === 'error') warnings++; };
	const run = await runWorkflow({ ...engineFor(sim, apiKey), workflow: createWorkflow(prompts, waitForRender), onLog });
	const endedAt = Date.now();
	if (run.error) throw run.error;
	const [ready, failed = []] = run.outputs('Create');
	return { startedAt, endedAt, ids: ready.map((i) => i.json.id as string), failedIds: failed.map((i) => i.json.id as string), warnings };
}

/** Real ms epoch at which a video became ready or failed (undefined: not finished). */
function finishedAt(sim: Simulator, id: string): number | undefined {
	const video = sim.blipix.video(id);
	const at = video?.readyAt ?? video?.failedAt;
	return at !== undefined && at <= Date.now() ? at : undefined;
}

/** The most requests of a key's log within any one simulated minute. */
function peakPerMinute(log: Array<{ at: number }>): number {
	let peak = 0;
	for (let i = 0, j = 0; i < log.length; i++) {
		while (toSimS(log[i].at - log[j].at) >= 60) j++;
		peak = Math.max(peak, i - j + 1);
	}
	return peak;
}

interface PollRecord { due: number; startedAt: number; endedAt: number; requests: number; emitted: number }

export interface TriggerDay {
	videos: number;
	failing: number;
	polls: number;
	skippedMarks: number;
	listRequests: number;
	detailRequests: number;
	reqPerPollAvg: number;
	reqPerPollMax: number;
	reqPerBusyPollAvg: number;
	busyPolls: number;
	beyondExpected: number;
	beyondExpectedMax: number;
	maxDelayS: number;
	avgDelayS: number;
	overInterval: number;
	maxWaitS: number;
	firstPollEmitted: number;
	emittedSeen: number;
	strayRequests: number;
	createWarnings: number;
	avgWaitS: number;
	waitsOverInterval: number;
	maxLateStartS: number;
	longestPollRealMs: number;
	simSPerCreate: number;
	executions: number;
	itemsPerExecutionMax: number;
	duplicates: number;
	misses: number;
	historyEmitted: number;
	failedPolls: number;
	warnings: number;
	longestPollS: number;
	staticDataKiB: number;
	watchedLeft: number;
	wallS: number;
}

export interface HeldRow {
	approach: string;
	executions: string;
	heldMinutes: number;
	longestMinutes: number;
	inHandMaxMin: number;
	inHandAvgMin: number;
	requests: number;
	peakPerMinute: number;
	rateLimited: number;
	wallS: number;
}

export interface BlipixTriggerBench { day: TriggerDay; held: HeldRow[] }

/** Our way: five creating workflows over a day, one active Blipix Trigger polled every minute. */
async function triggerDay(sim: Simulator): Promise<{ day: TriggerDay; held: HeldRow }> {
	const apiKey = sim.blipix.createAccount({ credits: 20_000 });
	const engine = engineFor(sim, apiKey);
	const began = Date.now();

	// Yesterday's videos: finished before activation (history) and still rendering at activation.
	const history = await runCreate(sim, apiKey, Array.from({ length: HISTORY }, (_, i) => `yesterday ${i} [render:30]`), false);
	const rendering = await runCreate(sim, apiKey, Array.from({ length: RENDERING_AT_ACTIVATION }, (_, i) => `overnight ${i} [render:600]`), false);
	await sleepUntil(Date.now() + (90 * 1000) / SCALE);

	const workflow: EngineWorkflow = {
		id: 'bench-blipix-trigger',
		name: 'Post each finished video',
		nodes: [{ id: 'blipix-trigger', name: 'Blipix Trigger', type: TRIGGER, typeVersion: 1, position: [0, 0], credentials: credentialRef, parameters: { events: ['video.ready', 'video.failed'] } }] as EngineWorkflow['nodes'],
		connections: {},
	};
	const staticData: IDataObject = {};
	let warnings = 0;
	const onLog = (entry: EngineLogEntry) => { if (entry.level === 'warn' || entry.level === 'error') warnings++; };
	const poll = async (activating = false) =>
		await pollTrigger({ ...engine, workflow, triggerNode: 'Blipix Trigger', staticData, activating, onLog });

	const activation = await poll(true);
	if (activation.emitted.length) throw new Error(`activation emitted ${activation.emitted.length} executions`);
	const t0 = Date.now();
	const atMinute = (minute: number) => t0 + (minute * MINUTE) / SCALE;

	// The five creating workflows, each at its time of day, while the trigger polls.
	const creating = BATCHES.map(async (batch, b) => {
		await sleepUntil(atMinute(batch.atMinute));
		const prompts = Array.from({ length: batch.videos }, (_, i) => prompt(b * 100 + i, batch.workflow));
		return await runCreate(sim, apiKey, prompts, false);
	});

	const polls: PollRecord[] = [];
	const emittedAt = new Map<string, number>();
	const emittingPollStart = new Map<string, number>();
	const emissions: string[] = [];
	let executions = 0;
	let itemsPerExecutionMax = 0;
	let failedPolls = 0;
	let skippedMarks = 0;
	const isTriggerRoute = (route: string) => route === 'GET /videos' || route === 'GET /videos/:id';
	for (let k = 1; k <= DAY_MINUTES; k++) {
		const due = atMinute(k);
		if (Date.now() > due) {
			// The previous poll was still running at this mark: n8n would not start another here either.
			skippedMarks++;
			continue;
		}
		await sleepUntil(due);
		const startedAt = Date.now();
		const result = await poll();
		const endedAt = Date.now();
		failedPolls += result.emittedErrors.length;
		for (const execution of result.emitted) {
			executions++;
			const items = execution[0] ?? [];
			itemsPerExecutionMax = Math.max(itemsPerExecutionMax, items.length);
			for (const item of items) {
				const id = item.json.id as string;
				emissions.push(id);
				if (!emittedAt.has(id)) emittedAt.set(id, endedAt);
				if (!emittingPollStart.has(id)) emittingPollStart.set(id, startedAt);
			}
		}
		polls.push({ due, startedAt, endedAt, requests: 0, emitted: result.emitted.reduce((n, e) => n + (e[0]?.length ?? 0), 0) });
	}
	const created = await Promise.all(creating);
	const ended = Date.now();

	const log = sim.blipix.requestLog.filter((e) => e.apiKey === apiKey && e.at >= t0);
	const triggerLog = log.filter((e) => isTriggerRoute(e.route));
	for (const p of polls) p.requests = triggerLog.filter((e) => e.at >= p.startedAt && e.at <= p.endedAt).length;
	const attributed = sum(polls.map((p) => p.requests));
	// The trigger's routes outside every poll would be another client's (a create's recovery reads the list).
	const stray = triggerLog.filter((e) => !polls.some((p) => e.at >= p.startedAt && e.at <= p.endedAt));
	for (const e of stray) console.log(`[bench] not a poll's: ${e.method} ${e.path} ${e.status}`);
	if (attributed + stray.length !== triggerLog.length) throw new Error('a request counted in two polls');

	const dayIds = created.flatMap((e) => e.ids);
	const expected = [...dayIds, ...rendering.ids];
	const finished = expected.filter((id) => finishedAt(sim, id) !== undefined);
	const seen = finished.filter((id) => emittedAt.has(id));
	const delays = seen.map((id) => toSimS(emittedAt.get(id)! - finishedAt(sim, id)!));
	// The part of the delay spent waiting for the next poll to start; the rest is that poll's own time.
	const waits = seen.map((id) => Math.max(0, toSimS(emittingPollStart.get(id)! - finishedAt(sim, id)!)));
	// Polls that started after a video had finished, up to the one that emitted it: 1 when the first
	// poll to list it after it finished emitted it. (A poll that started just before it finished may list
	// it unfinished: the next one is then still the first.)
	const pollsToEmit = seen.map((id) => polls.filter((p) => p.startedAt >= finishedAt(sim, id)! && p.startedAt <= emittingPollStart.get(id)!).length);
	for (const [i, id] of seen.entries()) {
		if (pollsToEmit[i] > 1) console.log(`[bench] ${id}: emitted by poll number ${pollsToEmit[i]} after it finished`);
	}
	const busy = polls.filter((p) => p.emitted > 0);
	const beyond = polls.map((p) => p.requests - 1 - p.emitted);
	const historyIds = new Set(history.ids);
	const creates = created.map((e) => toSimMin(e.endedAt - e.startedAt));

	return {
		day: {
			videos: dayIds.length,
			failing: dayIds.filter((id) => sim.blipix.video(id)?.failedAt !== undefined).length,
			polls: polls.length,
			skippedMarks,
			listRequests: triggerLog.filter((e) => e.route === 'GET /videos').length,
			detailRequests: triggerLog.filter((e) => e.route === 'GET /videos/:id').length,
			reqPerPollAvg: avg(polls.map((p) => p.requests)),
			reqPerPollMax: max(polls.map((p) => p.requests)),
			reqPerBusyPollAvg: avg(busy.map((p) => p.requests)),
			busyPolls: busy.length,
			beyondExpected: sum(beyond),
			beyondExpectedMax: max(beyond),
			maxDelayS: max(delays),
			avgDelayS: avg(delays),
			overInterval: delays.filter((d) => d > POLL_EVERY_MS / 1000).length,
			maxWaitS: max(waits),
			firstPollEmitted: pollsToEmit.filter((n) => n <= 1).length,
			emittedSeen: seen.length,
			strayRequests: stray.length,
			createWarnings: sum(created.map((e) => e.warnings)),
			avgWaitS: avg(waits),
			waitsOverInterval: waits.filter((w) => w > POLL_EVERY_MS / 1000).length,
			maxLateStartS: max(polls.map((p) => toSimS(p.startedAt - p.due))),
			longestPollRealMs: max(polls.map((p) => p.endedAt - p.startedAt)),
			simSPerCreate: toSimS(sum(created.map((e) => e.endedAt - e.startedAt))) / Math.max(1, dayIds.length),
			executions,
			itemsPerExecutionMax,
			duplicates: emissions.length - new Set(emissions).size,
			misses: finished.filter((id) => !emittedAt.has(id)).length,
			historyEmitted: emissions.filter((id) => historyIds.has(id)).length,
			failedPolls,
			warnings,
			longestPollS: max(polls.map((p) => toSimS(p.endedAt - p.startedAt))),
			staticDataKiB: Buffer.byteLength(JSON.stringify(staticData)) / 1024,
			watchedLeft: Object.keys(((staticData.cursor as IDataObject | undefined)?.watched as IDataObject | undefined) ?? {}).length,
			wallS: (ended - t0) / 1000,
		},
		held: {
			approach: 'ours: Create (no wait), then Blipix Trigger',
			executions: `${created.length} + ${executions}`,
			heldMinutes: sum(creates),
			longestMinutes: max(creates),
			inHandMaxMin: max(delays) / 60,
			inHandAvgMin: avg(delays) / 60,
			requests: log.length,
			peakPerMinute: peakPerMinute(log),
			rateLimited: log.filter((e) => e.status === 429).length,
			wallS: (ended - began) / 1000,
		},
	};
}

/** The naive way: the same five batches through Create with Wait for Render, one after the other. */
async function waitSwitchDay(sim: Simulator): Promise<HeldRow> {
	const apiKey = sim.blipix.createAccount({ credits: 20_000 });
	const began = Date.now();
	const executions: Execution[] = [];
	for (const [b, batch] of BATCHES.entries()) {
		const prompts = Array.from({ length: batch.videos }, (_, i) => prompt(b * 100 + i, batch.workflow));
		executions.push(await runCreate(sim, apiKey, prompts, true));
		// Let the rate-limit window pass, as the hours between two batches would.
		await sleepUntil(Date.now() + MINUTE / SCALE);
	}
	const ended = Date.now();
	const durations = executions.map((e) => toSimMin(e.endedAt - e.startedAt));
	// A video is in hand for posting when its execution hands the batch on: at its end.
	const inHand = executions.flatMap((e) =>
		[...e.ids, ...e.failedIds].map((id) => toSimMin(e.endedAt - (finishedAt(sim, id) ?? e.endedAt))),
	);
	const log = sim.blipix.requestLog.filter((e) => e.apiKey === apiKey && e.at >= began);
	const out = executions.reduce((n, e) => n + e.ids.length + e.failedIds.length, 0);
	if (out !== sum(BATCHES.map((b) => b.videos))) throw new Error(`the wait switch handed on ${out} videos`);
	return {
		approach: 'naive: Create with Wait for Render',
		executions: String(executions.length),
		heldMinutes: sum(durations),
		longestMinutes: max(durations),
		inHandMaxMin: max(inHand),
		inHandAvgMin: avg(inHand),
		requests: log.length,
		peakPerMinute: peakPerMinute(log),
		rateLimited: log.filter((e) => e.status === 429).length,
		wallS: (ended - began) / 1000,
	};
}

export async function benchBlipixTrigger(): Promise<BlipixTriggerBench> {
	const sim = await startSimulator({ timeScale: SCALE, seed: 11 });
	clock.follow(SCALE, sim.simNow());
	try {
		const ours = await triggerDay(sim);
		const naive = await waitSwitchDay(sim);
		return { day: ours.day, held: [ours.held, naive] };
	} finally {
		clock.follow(1, Date.now());
		await sim.close();
	}
}

type Table = (header: string[], rows: Array<Array<string | number>>) => string;

export function blipixTriggerSection(r: BlipixTriggerBench, table: Table): string[] {
	const d = r.day;
	const s = (seconds: number) => `${seconds.toFixed(1)} s`;
	const m = (minutes: number) => `${minutes.toFixed(1)} min`;
	const times = BATCHES.map((b) => `${String(Math.floor(b.atMinute / 60)).padStart(2, '0')}:${String(b.atMinute % 60).padStart(2, '0')}`).join(', ');
	return [
		BLIPIX_TRIGGER_HEADING,
		'',
		`${d.videos} videos created on one API key by ${BATCHES.length} workflows (Create, no wait) at ${times} of a simulated day, ${BATCHES[0].videos} each; renders spread over ${RENDER_MIN_S / 60}–${RENDER_MAX_S / 60} simulated minutes in a shuffled order, ${d.failing} of them failing (in generation or in rendering). The Blipix Trigger (dist/, events Video Ready and Video Failed, Fetch Full Details on, no download) is activated at 00:00 and polled every simulated minute (n8n's shortest poll time) through n8n-core's PollContext (the engine's \`pollTrigger\`), with its static data kept between polls. Before activation the key already has ${HISTORY} finished videos (history: never to be emitted) and ${RENDERING_AT_ACTIVATION} still rendering (to be emitted when they finish). Simulator at ${SCALE}x (the day takes ${((DAY_MINUTES * MINUTE) / SCALE / 1000).toFixed(0)} s of wall time), the package's clock following it, Blipix's 60 requests a minute per key on. Times are simulated unless marked real; "wall" is real time. Run on ${new Date().toISOString().slice(0, 10)}.`,
		'',
		table(
			['videos', 'polls', 'list GETs', 'detail GETs', 'req/poll avg', 'req/poll max', 'req/poll, polls that emitted', 'beyond 1 list + 1 per video', 'static data'],
			[[
				`${d.videos} + ${RENDERING_AT_ACTIVATION}`, `${d.polls} (${d.skippedMarks} marks skipped, started ≤ ${d.maxLateStartS.toFixed(1)} s late)`, d.listRequests, d.detailRequests,
				d.reqPerPollAvg.toFixed(2), d.reqPerPollMax, `${d.reqPerBusyPollAvg.toFixed(2)} (${d.busyPolls} polls)`, `${d.beyondExpected} (max ${d.beyondExpectedMax})`,
				`${d.staticDataKiB.toFixed(1)} KiB, ${d.watchedLeft} watched`,
			]],
		),
		'',
		'- polls: scheduled polls after activation, one per simulated minute; a minute mark is skipped only if the previous poll is still running then, and a poll may start late when the machine is busy (the largest lateness is shown). list GETs / detail GETs: the trigger\'s `GET /videos?limit=100` and `GET /videos/:id` over the day. req/poll: the trigger\'s requests per poll, on average over all polls, in the worst poll, and on average over the polls that emitted something. beyond 1 list + 1 per video: requests above the goal of one list request per poll plus one details GET per emitted video, in total (and in the worst poll).',
		'- static data: the trigger\'s static data at the end of the day, as JSON (the emitted ids and the cursor), and the videos still on its watch list then (all have finished, so the goal is 0).',
		'',
		table(
			['emitted by the first poll after', 'wait for a poll: max', 'avg', 'poll\'s own time: max', 'delay: max', 'avg', 'executions', 'duplicates', 'misses', 'history emitted', 'failed polls', 'wall'],
			[[
				`${d.firstPollEmitted} of ${d.emittedSeen}`, `${s(d.maxWaitS)} (${d.waitsOverInterval} over 60 s)`, s(d.avgWaitS), `${s(d.longestPollS)} (${d.longestPollRealMs} ms real)`,
				`${s(d.maxDelayS)} (${d.overInterval} over 60 s)`, s(d.avgDelayS),
				`${d.executions} (≤ ${d.itemsPerExecutionMax} video each)`, d.duplicates, d.misses, d.historyEmitted, d.failedPolls + d.warnings, s(d.wallS),
			]],
		),
		'',
		`- emitted by the first poll after: videos emitted by the first poll that started after they finished (goal: all). It does not depend on how busy the machine is, unlike the times next to it. wait for a poll: from a video becoming ready or failed (the simulator's \`readyAt\`/\`failedAt\`) to the start of the poll that emitted it; the goal is at most one poll interval, 60 s, to which a late start or a skipped mark adds. poll's own time: the longest poll, start to end (its list request, then one details GET per video it emits, one after the other); the time scale magnifies it, 1 real ms being ${SCALE / 1000} simulated seconds here. delay: the two together, from a video finishing to the end of the poll that started its execution. Late starts, skipped marks and long polls come from this machine (a busy CPU or event loop, magnified by the time scale), not from the trigger's logic.`,
		...(d.strayRequests || d.createWarnings ? [`- Besides the polls: ${d.strayRequests} list or details requests on the key, and ${d.createWarnings} warnings logged by the creating workflows.`] : []),
		'- executions: executions started (`__emit` calls), each with one video. duplicates: videos emitted more than once; misses: videos finished by the end of the day and never emitted; history emitted: videos finished before activation that were emitted anyway. failed polls: polls recorded as failed executions, or that logged a warning.',
		'',
		table(
			['approach', 'executions', 'execution-minutes held', 'longest execution', 'video in hand after it finished: max', 'avg', 'requests on the key', 'peak req/min', '429s', 'wall'],
			r.held.map((h) => [h.approach, h.executions, m(h.heldMinutes), m(h.longestMinutes), m(h.inHandMaxMin), m(h.inHandAvgMin), h.requests, h.peakPerMinute, h.rateLimited, s(h.wallS)]),
		),
		'',
		'- The same 500 prompts both ways. Ours: the five creating executions end once their creates are answered, and each finished video then starts its own execution, which holds nothing while renders run (the trigger\'s polls are not executions). Naive: five executions, each holding its 100 items until the last of them has rendered (checks every 20 s, the node\'s default), run one after the other on a key of their own.',
		`- execution-minutes held: the sum over executions of their duration; for ours only the five creating executions count, since a posting execution starts with its video in hand. The creates\' own time is magnified by the time scale too (${d.simSPerCreate.toFixed(1)} simulated seconds per create here, about ${(d.simSPerCreate * 1000 / SCALE).toFixed(1)} real ms). video in hand: from a video finishing to the moment a next node could post it (ours: the end of the poll that emitted it; naive: the end of its batch\'s execution). requests on the key: every request of the day, creates and GET /me included; the trigger polls all day long, so it pays one list request a minute whether anything is rendering or not.`,
		'',
	];
}

/** RESULTS.md with this section replaced (or put in before `beforeHeading`, the soak, if it is not there yet). */
export function withBlipixTriggerSection(results: string, section: string, beforeHeading: string): string {
	const start = results.indexOf(BLIPIX_TRIGGER_HEADING);
	if (start !== -1) {
		const next = results.indexOf('\n## ', start + BLIPIX_TRIGGER_HEADING.length);
		return `${results.slice(0, start)}${section.trimEnd()}\n${next === -1 ? '' : `\n${results.slice(next + 1)}`}`;
	}
	const at = results.indexOf(beforeHeading);
	if (at === -1) return `${results.trimEnd()}\n\n${section}`;
	return `${results.slice(0, at)}${section.trimEnd()}\n\n${results.slice(at)}`;
}
