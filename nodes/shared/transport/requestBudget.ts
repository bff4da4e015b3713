import { clock } from '../clock';

/** The limits believed from X-RateLimit-Limit, per window. */
const MIN_LIMIT = 1;
const MAX_LIMIT = 10_000;

/**
 * Client-side pacing for one API key: never more than `limit` requests in any
 * `windowMs` span, whoever in this n8n process sends them.
 *
 * A request counts from when it is sent until its answer arrives, and from then on at
 * its arrival time: the server saw it somewhere in between, so measuring a window from
 * the answer can never undercount, whatever the latency.
 */
export class RequestBudget {
	private readonly inWindow: number[] = [];

	/** Time the server last told us it had nothing left for this key. */
	private exhaustedAt: number | undefined;

	private queue: Promise<void> = Promise.resolve();

	constructor(
		public limit: number,
		public readonly windowMs: number,
	) {}

	/** Waits for a free slot and takes it. Returns a function that marks the request answered. */
	async acquire(signal?: AbortSignal): Promise<(answeredAt?: number) => void> {
		let slot = -1;
		// A chain, so concurrent callers take slots one at a time and never both see the last one free.
		const turn = this.queue.then(async () => {
			await this.waitForSlot(signal);
			slot = clock.now();
			this.inWindow.push(slot);
		});
		this.queue = turn.catch(() => undefined);
		await turn;

		return (answeredAt = clock.now()) => {
			const index = this.inWindow.indexOf(slot);
			if (index !== -1) this.inWindow[index] = answeredAt;
			this.inWindow.sort((a, b) => a - b);
		};
	}

	/**
	 * Learns from the documented X-RateLimit-Limit / X-RateLimit-Remaining headers. A limit is
	 * believed only as a whole number within sane bounds: a stray 0.001 must not space requests
	 * hours apart, nor a huge one turn pacing off.
	 */
	observe(limit: number | undefined, remaining: number | undefined): void {
		if (limit !== undefined && Number.isInteger(limit) && limit >= MIN_LIMIT && limit <= MAX_LIMIT) this.limit = limit;
		if (remaining !== undefined) this.exhaustedAt = remaining <= 0 ? clock.now() : undefined;
	}

	/** The server refused with 429: treat the key as used up from now. */
	refused(): void {
		this.exhaustedAt = clock.now();
	}

	/** How long one request's share of the window lasts: the natural back-off step. */
	get spacingMs(): number {
		return this.windowMs / this.limit;
	}

	private async waitForSlot(signal?: AbortSignal): Promise<void> {
		for (;;) {
			const now = clock.now();
			while (this.inWindow.length > 0 && this.inWindow[0] <= now - this.windowMs) this.inWindow.shift();

			let readyAt = now;
			if (this.inWindow.length >= this.limit) readyAt = this.inWindow[0] + this.windowMs;
			// Someone else (another app on the same key) used the budget up: give it one slot's time.
			if (this.exhaustedAt !== undefined) readyAt = Math.max(readyAt, this.exhaustedAt + this.spacingMs);
			if (readyAt <= now) {
				this.exhaustedAt = undefined;
				return;
			}
			await clock.sleep(readyAt - now, signal);
		}
	}
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
