import { WaitCancelledError, clock } from '../../nodes/shared/clock';
import type { JobState, PollProgress, PollSnapshot, PollSource } from '../../nodes/shared/poller';
import { describeProgress, formatDuration, waitForJobs } from '../../nodes/shared/poller';

// The one poller, on a fake clock: a cycle's requests take the API ms the script says, sleeping
// moves the clock by exactly what was asked, so cycles, intervals and deadlines are exact values.

interface Job {
	id: string;
	state: JobState;
	progress?: number;
}

const T0 = 1_000_000;
let now = T0;
let sleeps: number[] = [];

beforeEach(() => {
	now = T0;
	sleeps = [];
	jest.spyOn(clock, 'now').mockImplementation(() => now);
	jest.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) throw new WaitCancelledError();
		// A poller that never stops would otherwise spin here until the test times out.
		if (sleeps.length > 50) throw new Error('more than 50 cycles');
		sleeps.push(ms);
		now += Math.max(ms, 0);
	});
});

afterEach(() => jest.restoreAllMocks());

/** One cycle of the script: the jobs the API shows and the ids it says are gone, or an error; `takesMs` on the clock. */
interface Cycle {
	jobs?: Job[];
	gone?: Record<string, string>;
	error?: string;
	takesMs?: number;
	during?: () => void;
}

/** A source that plays `cycles` in turn (the last one again once they run out) and records what each cycle asked for. */
function scripted(cycles: Cycle[]) {
	const asked: string[][] = [];
	const source: PollSource<Job> = {
		async refresh(pendingIds) {
			const cycle = cycles[Math.min(asked.length, cycles.length - 1)];
			asked.push(pendingIds);
			now += cycle.takesMs ?? 0;
			cycle.during?.();
			if (cycle.error) throw new Error(cycle.error);
			const snapshot: PollSnapshot<Job> = { jobs: new Map(), gone: new Map(Object.entries(cycle.gone ?? {})) };
			for (const job of cycle.jobs ?? []) snapshot.jobs.set(job.id, job);
			return snapshot;
		},
		stateOf: (job) => job.state,
		progressOf: (job) => job.progress,
		failureOf: (job) => `${job.id} broke`,
	};
	return { source, asked };
}

const job = (id: string, state: JobState, progress?: number): Job => ({ id, state, progress });

async function wait(ids: string[], cycles: Cycle[], settings: { pollIntervalMs?: number; maxWaitMs?: number; signal?: AbortSignal } = {}) {
	const { source, asked } = scripted(cycles);
	const progress: PollProgress[] = [];
	const outcomes = await waitForJobs(ids, source, {
		pollIntervalMs: 20_000,
		maxWaitMs: 60_000,
		onCycle: (each) => progress.push(each),
		...settings,
	});
	return { outcomes: Object.fromEntries(outcomes), asked, progress };
}

describe('waitForJobs', () => {
	it('ends each job’s wait once it is ready, failed or gone, with its last state, why, and when; later news of it changes nothing', async () => {
		const { outcomes, asked } = await wait(
			['a', 'b', 'c'],
			[
				{ jobs: [job('a', 'pending', 10), job('b', 'ready')] },
				{ jobs: [job('a', 'failed'), job('b', 'failed'), job('stranger', 'ready')], gone: { c: 'Job c not found', b: 'Job b not found' } },
			],
		);
		expect(asked).toEqual([['a', 'b', 'c'], ['a', 'c']]);
		expect(outcomes).toEqual({
			b: { result: 'ready', job: job('b', 'ready'), reason: undefined, elapsedMs: 0 },
			a: { result: 'failed', job: job('a', 'failed'), reason: 'a broke', elapsedMs: 20_000 },
			c: { result: 'failed', reason: 'Job c not found', elapsedMs: 20_000 },
		});
		expect(Object.keys(outcomes.c)).not.toContain('job');
	});

	it('starts cycles a fixed interval apart however long the requests take, and cuts the last sleep at the deadline', async () => {
		const { outcomes, asked } = await wait(['slow'], [{ jobs: [job('slow', 'pending', 50)], takesMs: 3000 }], { maxWaitMs: 50_000 });
		expect(sleeps).toEqual([17_000, 17_000, 7_000]);
		expect(asked).toHaveLength(4);
		expect(outcomes.slow).toEqual({
			result: 'timedOut',
			job: job('slow', 'pending', 50),
			reason: 'Still not finished after 50s (the Max Wait)',
			elapsedMs: 53_000,
		});
	});

	it('times out exactly at the Max Wait, keeping a never-seen job without a state', async () => {
		const { outcomes, asked } = await wait(['never seen'], [{}], { maxWaitMs: 40_000 });
		expect(sleeps).toEqual([20_000, 20_000]);
		expect(asked).toHaveLength(3);
		expect(outcomes['never seen']).toEqual({
			result: 'timedOut',
			job: undefined,
			reason: 'Still not finished after 40s (the Max Wait)',
			elapsedMs: 40_000,
		});
	});

	it('retries a cycle that failed, says why in that cycle’s progress, and counts each outcome once', async () => {
		const { outcomes, progress } = await wait(
			['a', 'b', 'c', 'd'],
			[
				{ error: 'Rate limited' },
				{ jobs: [job('a', 'pending', 40), job('b', 'pending'), job('c', 'ready'), job('d', 'pending', 70)] },
				{ jobs: [job('a', 'pending', 60), job('d', 'failed')] },
				{ jobs: [job('a', 'ready'), job('b', 'failed')] },
			],
		);
		expect(Object.entries(outcomes).map(([id, outcome]) => `${id} ${outcome.result}`)).toEqual(['c ready', 'd failed', 'a ready', 'b failed']);
		expect(progress).toEqual([
			{ total: 4, ready: 0, failed: 0, pending: 4, averageProgress: undefined, elapsedMs: 0, cycleError: 'Rate limited' },
			{ total: 4, ready: 1, failed: 0, pending: 3, averageProgress: 55, elapsedMs: 20_000, cycleError: undefined },
			{ total: 4, ready: 1, failed: 1, pending: 2, averageProgress: 60, elapsedMs: 40_000, cycleError: undefined },
			{ total: 4, ready: 2, failed: 2, pending: 0, averageProgress: undefined, elapsedMs: 60_000, cycleError: undefined },
		]);
	});

	it('does not start when the execution is already cancelled', async () => {
		const controller = new AbortController();
		controller.abort();
		const { source, asked } = scripted([{ jobs: [job('a', 'ready')] }]);
		await expect(waitForJobs(['a'], source, { pollIntervalMs: 20_000, maxWaitMs: 60_000, signal: controller.signal })).rejects.toThrow();
		expect(asked).toEqual([]);
	});

	it.each([
		['during a cycle, even one that finished every job', 'refresh'],
		['between cycles, while it sleeps', 'onCycle'],
	])('stops with WaitCancelledError when cancelled %s, and reports or starts no further cycle', async (_when, abortIn) => {
		const controller = new AbortController();
		const progress: PollProgress[] = [];
		const { source, asked } = scripted([{ jobs: [job('a', 'pending')] }, { jobs: [job('a', 'ready')], during: () => abortIn === 'refresh' && controller.abort() }]);
		const onCycle = (each: PollProgress) => {
			progress.push(each);
			if (abortIn === 'onCycle') controller.abort();
		};
		const waiting = waitForJobs(['a'], source, { pollIntervalMs: 20_000, maxWaitMs: 60_000, signal: controller.signal, onCycle });
		await expect(waiting).rejects.toBeInstanceOf(WaitCancelledError);
		expect(progress).toHaveLength(1);
		expect(asked).toHaveLength(abortIn === 'refresh' ? 2 : 1);
	});
});

describe('formatDuration', () => {
	it.each([
		[0, '0s'],
		[1499, '1s'],
		[59_499, '59s'],
		[59_500, '1m00s'],
		[61_000, '1m01s'],
		[600_000, '10m00s'],
		[3_723_000, '62m03s'],
	])('%i ms reads %s', (ms, text) => {
		expect(formatDuration(ms)).toBe(text);
	});
});

describe('describeProgress', () => {
	const base: PollProgress = { total: 10, ready: 3, failed: 1, pending: 6, elapsedMs: 252_000 };
	it.each([
		[base, '3/10 ready, 6 rendering, 1 failed, 4m12s elapsed'],
		[{ ...base, averageProgress: 44.5 }, '3/10 ready, 6 rendering (avg 45%), 1 failed, 4m12s elapsed'],
		[{ ...base, averageProgress: 0 }, '3/10 ready, 6 rendering (avg 0%), 1 failed, 4m12s elapsed'],
		[{ ...base, cycleError: 'Rate limited' }, '3/10 ready, 6 rendering, 1 failed, 4m12s elapsed — could not check this time, retrying: Rate limited'],
	])('%j reads %s', (progress, text) => {
		expect(describeProgress(progress, 'rendering')).toBe(text);
	});
});
