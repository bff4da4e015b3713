import { WaitCancelledError, clock } from './clock';

export type JobState = 'ready' | 'failed' | 'pending';

/** What one poll cycle learned: the jobs it saw, and the ids the API says do not exist. */
export interface PollSnapshot<Job> {
	jobs: Map<string, Job>;
	gone: Map<string, string>;
}

/** How to look at one API's jobs. The poller itself knows nothing about any API. */
export interface PollSource<Job> {
	/** One cycle: the current state of as many pending jobs as the API can tell cheaply. */
	refresh(pendingIds: string[]): Promise<PollSnapshot<Job>>;
	stateOf(job: Job): JobState;
	/** 0–100 while the job runs, if the API says. */
	progressOf(job: Job): number | undefined;
	/** Why a failed job failed, in words. */
	failureOf(job: Job): string;
}

export interface PollProgress {
	total: number;
	ready: number;
	failed: number;
	pending: number;
	averageProgress?: number;
	elapsedMs: number;
	/** The last cycle's error, when it could not look (rate limit, server error): it tries again next cycle. */
	cycleError?: string;
}

export interface PollSettings {
	pollIntervalMs: number;
	maxWaitMs: number;
	signal?: AbortSignal;
	onCycle?: (progress: PollProgress) => void;
}

export interface PollOutcome<Job> {
	result: 'ready' | 'failed' | 'timedOut';
	/** The last state seen; undefined only if the job was never seen at all. */
	job?: Job;
	reason?: string;
	elapsedMs: number;
}

/**
 * Waits on many jobs at once, one cycle per poll interval, until each is ready or failed
 * or the time is up. A cycle that fails (rate limit, server blip) is retried next cycle:
 * only the deadline ends the wait, and a timeout keeps the last state seen.
 */
export async function waitForJobs<Job>(
	ids: string[],
	source: PollSource<Job>,
	settings: PollSettings,
): Promise<Map<string, PollOutcome<Job>>> {
	const { pollIntervalMs, maxWaitMs, signal, onCycle } = settings;
	const startedAt = clock.now();
	const outcomes = new Map<string, PollOutcome<Job>>();
	const lastSeen = new Map<string, Job>();
	const pending = new Set(ids);

	for (;;) {
		signal?.throwIfAborted();
		const cycleStartedAt = clock.now();
		let cycleError: string | undefined;
		try {
			const snapshot = await source.refresh([...pending]);
			for (const [id, job] of snapshot.jobs) {
				if (!pending.has(id)) continue;
				lastSeen.set(id, job);
				const state = source.stateOf(job);
				if (state === 'pending') continue;
				pending.delete(id);
				outcomes.set(id, {
					result: state,
					job,
					reason: state === 'failed' ? source.failureOf(job) : undefined,
					elapsedMs: clock.now() - startedAt,
				});
			}
			for (const [id, reason] of snapshot.gone) {
				if (!pending.delete(id)) continue;
				outcomes.set(id, { result: 'failed', reason, elapsedMs: clock.now() - startedAt });
			}
		} catch (error) {
			cycleError = (error as Error).message;
		}
		if (signal?.aborted) throw new WaitCancelledError();

		const elapsedMs = clock.now() - startedAt;
		onCycle?.(summarize(ids.length, outcomes, [...pending].map((id) => lastSeen.get(id)), source, elapsedMs, cycleError));
		if (pending.size === 0) break;

		const remainingMs = maxWaitMs - elapsedMs;
		if (remainingMs <= 0) {
			for (const id of pending) {
				outcomes.set(id, {
					result: 'timedOut',
					job: lastSeen.get(id),
					reason: `Still not finished after ${formatDuration(maxWaitMs)} (the Max Wait)`,
					elapsedMs,
				});
			}
			break;
		}
		// Cycles start a fixed interval apart, however long the requests took.
		const untilNextCycle = cycleStartedAt + pollIntervalMs - clock.now();
		await clock.sleep(Math.min(untilNextCycle, remainingMs), signal);
	}
	return outcomes;
}

function summarize<Job>(
	total: number,
	outcomes: Map<string, PollOutcome<Job>>,
	pendingJobs: Array<Job | undefined>,
	source: PollSource<Job>,
	elapsedMs: number,
	cycleError?: string,
): PollProgress {
	let ready = 0;
	for (const outcome of outcomes.values()) if (outcome.result === 'ready') ready++;
	const progress = pendingJobs
		.map((job) => (job === undefined ? undefined : source.progressOf(job)))
		.filter((value): value is number => typeof value === 'number');
	return {
		total,
		ready,
		failed: outcomes.size - ready,
		pending: total - outcomes.size,
		averageProgress: progress.length ? progress.reduce((a, b) => a + b, 0) / progress.length : undefined,
		elapsedMs,
		cycleError,
	};
}

export function formatDuration(ms: number): string {
	const seconds = Math.round(ms / 1000);
	const minutes = Math.floor(seconds / 60);
	return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/** "3/10 ready, 6 rendering (avg 45%), 1 failed, 4m12s elapsed" */
export function describeProgress(progress: PollProgress, pendingWord: string): string {
	const average =
		progress.averageProgress === undefined ? '' : ` (avg ${Math.round(progress.averageProgress)}%)`;
	const retry = progress.cycleError ? ` — could not check this time, retrying: ${progress.cycleError}` : '';
	return `${progress.ready}/${progress.total} ready, ${progress.pending} ${pendingWord}${average}, ${progress.failed} failed, ${formatDuration(progress.elapsedMs)} elapsed${retry}`;
}
