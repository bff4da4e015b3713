/**
 * The naive per-process budget, for the queue-mode bench (bench/queueSection.ts): the package's
 * RequestBudget as it was before it learned to share a key with unseen neighbours (git show
 * HEAD:nodes/shared/transport/requestBudget.ts, before "shares the key"). It keeps a sliding
 * window of this process's own requests, lets them go in bursts up to the limit, and only waits
 * one slot's time when the server says Remaining is 0 or answers 429.
 *
 * It is a copy of that code with one change: the clock is passed in (the dist/ clock of the
 * worker process, which follows the simulator's time), because this file is compiled into
 * .build/ and must not load a second copy of nodes/shared/clock.
 *
 * How it is swapped in: bench/queueWorker.ts copies this class's methods (acquire, observe,
 * refused, waitForSlot and the spacingMs getter) onto dist/'s RequestBudget.prototype before any
 * node runs. The fields these methods use (limit, windowMs, inWindow, exhaustedAt, queue) are set
 * by the current constructor too, and budgetFor() keeps creating one budget per key through it,
 * so every Blipix request of that worker is paced the old way and nothing else changes.
 */
export interface BenchClock {
	now(): number;
	sleep(apiMs: number, signal?: AbortSignal): Promise<void>;
}

const MIN_LIMIT = 1;
const MAX_LIMIT = 10_000;

export function naiveBudgetClass(clock: BenchClock) {
	return class NaiveRequestBudget {
		private readonly inWindow: number[] = [];

		private exhaustedAt: number | undefined;

		private queue: Promise<void> = Promise.resolve();

		constructor(
			public limit: number,
			public readonly windowMs: number,
		) {}

		// The transport now says how a request ended ('answered' | 'refused'); the old budget did not care.
		async acquire(signal?: AbortSignal): Promise<(outcome?: string) => void> {
			let slot = -1;
			const turn = this.queue.then(async () => {
				await this.waitForSlot(signal);
				slot = clock.now();
				this.inWindow.push(slot);
			});
			this.queue = turn.catch(() => undefined);
			await turn;

			return () => {
				const index = this.inWindow.indexOf(slot);
				if (index !== -1) this.inWindow[index] = clock.now();
				this.inWindow.sort((a, b) => a - b);
			};
		}

		observe(limit: number | undefined, remaining: number | undefined): void {
			if (limit !== undefined && Number.isInteger(limit) && limit >= MIN_LIMIT && limit <= MAX_LIMIT) this.limit = limit;
			if (remaining !== undefined) this.exhaustedAt = remaining <= 0 ? clock.now() : undefined;
		}

		refused(): void {
			this.exhaustedAt = clock.now();
		}

		get spacingMs(): number {
			return this.windowMs / this.limit;
		}

		async waitForSlot(signal?: AbortSignal): Promise<void> {
			for (;;) {
				const now = clock.now();
				while (this.inWindow.length > 0 && this.inWindow[0] <= now - this.windowMs) this.inWindow.shift();

				let readyAt = now;
				if (this.inWindow.length >= this.limit) readyAt = this.inWindow[0] + this.windowMs;
				if (this.exhaustedAt !== undefined) readyAt = Math.max(readyAt, this.exhaustedAt + this.spacingMs);
				if (readyAt <= now) {
					this.exhaustedAt = undefined;
					return;
				}
				await clock.sleep(readyAt - now, signal);
			}
		}
	};
}

/** Puts the naive methods on `target` (dist/'s RequestBudget.prototype). */
export function installNaiveBudget(target: object, clock: BenchClock): void {
	const source = naiveBudgetClass(clock).prototype;
	for (const name of ['acquire', 'observe', 'refused', 'waitForSlot', 'spacingMs']) {
		Object.defineProperty(target, name, Object.getOwnPropertyDescriptor(source, name)!);
	}
}
