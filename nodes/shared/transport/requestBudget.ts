import { clock } from '../clock';

/** The limits believed from X-RateLimit-Limit, per window. */
const MIN_LIMIT = 1;
const MAX_LIMIT = 10_000;

/** Never below this many requests a window, however crowded the key. */
const MIN_SHARE = 1;
/** Neighbours' requests in the window that count as "someone else uses this key"; below is noise (latency). */
const NEIGHBOUR_NOISE = 2;
/** After neighbours were last seen, the key counts as shared for this many windows more. */
const SHARED_MEMORY_WINDOWS = 3;
/** The key counts as nearly full when no more than this share of its limit is left. */
const FULL_SHARE = 0.2;
/** On a nearly full shared key: aim at this share of the limit in proportion to own use... */
const TARGET_USE = 0.9;
/** ...but never shrink by more than half at once, and at most once per this share of the window. */
const MAX_DECREASE = 0.5;
const DECREASE_EVERY = 1 / 10;
/** Otherwise grow slowly: by this share of the limit per third of a window (additive increase). */
const INCREASE = 1 / 60;
const INCREASE_EVERY = 1 / 3;

/** How a request paced by the budget ended: refused ones (429) did not count at the server. */
export type RequestOutcome = 'answered' | 'refused';

/**
 * Client-side pacing for one API key, shared with whoever else uses the key, seen or not.
 *
 * The model. Within this n8n process every node and execution goes through one budget per key
 * (`budgetFor`), which never lets more than `limit` of its own requests into any window, and
 * spaces them evenly, `window / share` apart, instead of in bursts. Other processes on the same
 * key (queue-mode workers, another n8n instance, the Blipix app) cannot be seen, but every answer
 * says how much of the key is left (X-RateLimit-Remaining): what the key used beyond this
 * process's own requests of the last window is the neighbours' use.
 * - Nobody else (for three windows): the share is the whole limit, exactly as alone.
 * - Neighbours, and the key nearly full: shrink towards this process's proportional part of 90%
 *   of the limit (own use / the key's use), by at most half, at most every tenth of a window.
 * - Neighbours, key not full: grow by 1/60 of the limit every third of a window.
 * - The key exhausted (Remaining 0, or a 429) with neighbours: wait until the oldest reading of
 *   the last window has left the window, so the key has room again, instead of retrying into it.
 * Independent senders following these rules converge on equal shares of a full key (additive
 * increase, multiplicative decrease: the rule TCP uses), measured in `npm run bench`.
 *
 * Window semantics: the docs do not say whether the minute is sliding or fixed. A process keeps
 * its own requests under the limit in every sliding window, which keeps it under in every fixed
 * one too; neighbours' use is the largest reading over the last window, which under a fixed
 * window is its total so far.
 *
 * A request counts from when it is sent until its answer arrives, and from then on at its
 * arrival time: the server saw it somewhere in between, so a window measured from the answer
 * never undercounts, whatever the latency. A refused request (429) does not count.
 */
export class RequestBudget {
	private readonly inWindow: number[] = [];

	/** Time the server last told us it had nothing left for this key. */
	private exhaustedAt: number | undefined;

	/** With neighbours, no request before this: when the key's window has room again. */
	private pauseUntil: number | undefined;

	private queue: Promise<void> = Promise.resolve();

	/** This process's requests per window: the whole limit while no one else uses the key. */
	share: number;

	/** Not before this time: the even spacing of this process's requests. */
	private nextAt = -Infinity;

	/** Recent readings of the neighbours' use: [when, requests of theirs in the server's window]. */
	private readonly neighbours: Array<[number, number]> = [];

	private lastCrowdedAt = -Infinity;

	private lastDecreaseAt = -Infinity;

	private lastIncreaseAt = -Infinity;

	constructor(
		public limit: number,
		public readonly windowMs: number,
	) {
		this.share = limit;
	}

	/** Waits for a free slot and takes it. Returns a function that says how the request ended. */
	async acquire(signal?: AbortSignal): Promise<(outcome?: RequestOutcome) => void> {
		// A chain, so concurrent callers take slots one at a time and never both see the last one free.
		const turn = this.queue.then(async () => {
			await this.waitForSlot(signal);
			const taken = clock.now();
			this.inWindow.push(taken);
			this.nextAt = taken + this.windowMs / this.share;
			return taken;
		});
		this.queue = turn.then(
			() => undefined,
			() => undefined,
		);
		const slot = await turn;

		return (outcome?: RequestOutcome) => {
			const index = this.inWindow.indexOf(slot);
			if (index === -1) return;
			if (outcome === 'refused') this.inWindow.splice(index, 1);
			else {
				this.inWindow[index] = clock.now();
				this.inWindow.sort((a, b) => a - b);
			}
		};
	}

	/**
	 * Learns from the documented X-RateLimit-Limit / X-RateLimit-Remaining headers. A limit is
	 * believed only as a whole number within sane bounds: a stray 0.001 must not space requests
	 * hours apart, nor a huge one turn pacing off.
	 */
	observe(limit: number | undefined, remaining: number | undefined): void {
		if (limit !== undefined && Number.isInteger(limit) && limit >= MIN_LIMIT && limit <= MAX_LIMIT) {
			this.limit = limit;
			this.share = Math.min(this.share, limit);
		}
		if (remaining === undefined) return;
		const now = clock.now();
		this.forgetBefore(now - this.windowMs);
		this.neighbours.push([now, Math.max(0, this.limit - remaining - this.inWindow.length)]);
		const shared = this.isShared(now);
		if (remaining <= 0) this.exhausted(now);
		else this.exhaustedAt = undefined;

		if (!shared) this.share = this.limit;
		else if (remaining <= this.limit * FULL_SHARE) this.decrease(now, remaining);
		else if (now - this.lastIncreaseAt >= this.windowMs * INCREASE_EVERY) {
			this.share = Math.min(this.limit, this.share + this.limit * INCREASE);
			this.lastIncreaseAt = now;
		}
	}

	/** The server refused with 429: the key is used up from now; with neighbours, give way. */
	refused(): void {
		const now = clock.now();
		this.exhausted(now);
		if (this.isShared(now)) this.decrease(now, 0);
	}

	/** How long one request's share of the window lasts: the natural back-off step. */
	get spacingMs(): number {
		return this.windowMs / this.share;
	}

	/** Whether others use the key now, or did within the last few windows. */
	private isShared(now: number): boolean {
		let most = 0;
		for (const [, used] of this.neighbours) if (used > most) most = used;
		if (most > NEIGHBOUR_NOISE) this.lastCrowdedAt = now;
		return now - this.lastCrowdedAt < SHARED_MEMORY_WINDOWS * this.windowMs;
	}

	/** The key has nothing left. Alone: wait one slot. With neighbours: until the window has room (once, not ever later). */
	private exhausted(now: number): void {
		this.exhaustedAt = now;
		const oldest = this.neighbours.find(([at]) => at > now - this.windowMs);
		this.pauseUntil = this.isShared(now) && oldest ? oldest[0] + this.windowMs : undefined;
	}

	private decrease(now: number, remaining: number): void {
		if (now - this.lastDecreaseAt < this.windowMs * DECREASE_EVERY) return;
		const keyUse = Math.max(1, this.limit - remaining);
		const proportional = ((this.limit * this.inWindow.length) / keyUse) * TARGET_USE;
		this.share = Math.max(MIN_SHARE, Math.min(this.share, Math.max(this.share * MAX_DECREASE, proportional)));
		this.lastDecreaseAt = now;
		this.lastIncreaseAt = now;
	}

	private forgetBefore(time: number): void {
		dropUntil(this.inWindow, (at) => at, time);
		dropUntil(this.neighbours, ([at]) => at, time);
	}

	private async waitForSlot(signal?: AbortSignal): Promise<void> {
		for (;;) {
			const now = clock.now();
			this.forgetBefore(now - this.windowMs);

			let readyAt = Math.max(now, this.nextAt);
			if (this.inWindow.length >= this.limit) readyAt = Math.max(readyAt, this.inWindow[0] + this.windowMs);
			if (this.exhaustedAt !== undefined) {
				readyAt = Math.max(readyAt, this.exhaustedAt + this.windowMs / this.limit, this.pauseUntil ?? -Infinity);
			}
			if (readyAt <= now) {
				// The wait is served. (pauseUntil counts only while exhaustedAt is set, and exhausted() sets both.)
				this.exhaustedAt = undefined;
				return;
			}
			await clock.sleep(readyAt - now, signal);
		}
	}
}

/** Drops the entries at the start of `list` (in time order) whose time is no later than `time`. */
function dropUntil<T>(list: T[], timeOf: (entry: T) => number, time: number): void {
	while (list.length > 0 && timeOf(list[0]) <= time) list.shift();
}

const budgets = new Map<string, { budget: RequestBudget; usedAt: number }>();

/** A key unused for this long loses its budget: its window is long over, and keys come and go. */
const IDLE_BUDGET_MS = 60 * 60_000;

/** One budget per key for the whole n8n process, so every node and execution shares it. */
export function budgetFor(key: string, limit: number, windowMs: number): RequestBudget {
	const now = clock.now();
	for (const [other, entry] of budgets) if (now - entry.usedAt > Math.max(IDLE_BUDGET_MS, windowMs)) budgets.delete(other);
	const entry = budgets.get(key) ?? { budget: new RequestBudget(limit, windowMs), usedAt: now };
	entry.usedAt = now;
	budgets.set(key, entry);
	return entry.budget;
}

/** How many keys have a budget now (for tests). */
export function budgetCount(): number {
	return budgets.size;
}
