/**
 * The pacing budget on its own: alone it keeps the whole limit, evenly spaced; with neighbours it
 * gives way and waits for room; it never sends more than the limit in a window.
 *
 * API time is the package's clock, which here moves only when the budget waits (or a test moves it):
 * every time is exact, and nothing waits in real time.
 */
import { WaitCancelledError, clock } from '../../nodes/shared/clock';
import type { RequestOutcome } from '../../nodes/shared/transport/requestBudget';
import { RequestBudget, budgetFor } from '../../nodes/shared/transport/requestBudget';

const WINDOW = 60_000;
const HOUR = 60 * 60_000;
/** A wait for ever (NaN, Infinity, or no progress) fails the test after this many waits instead of hanging it. */
const MAX_WAITS = 1000;

let apiNow = 0;
let waits = 0;

beforeEach(() => {
	apiNow = 0;
	waits = 0;
	jest.spyOn(clock, 'now').mockImplementation(() => apiNow);
	jest.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) throw new WaitCancelledError();
		if (!Number.isFinite(ms) || ++waits > MAX_WAITS) throw new Error(`waits for ever (${ms} ms)`);
		apiNow += Math.max(0, ms);
	});
});

afterEach(() => jest.restoreAllMocks());

/** What an answer says: how it ended, and the key's X-RateLimit-Remaining (and -Limit) if it says so. */
interface Answer {
	outcome?: RequestOutcome;
	remaining?: number;
	limit?: number;
}

/** Takes a slot and answers it at once as `answer` says; returns the API time it was sent at. */
async function send(budget: RequestBudget, answer: Answer = {}): Promise<number> {
	const answered = await budget.acquire();
	const sentAt = clock.now();
	answered(answer.outcome);
	if (answer.remaining !== undefined || answer.limit !== undefined) budget.observe(answer.limit ?? budget.limit, answer.remaining);
	return sentAt;
}

/** Sends n requests one after another; `remaining(i)` is what the i-th answer says is left of the key. */
async function sendAll(budget: RequestBudget, n: number, remaining?: (i: number) => number): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < n; i++) times.push(await send(budget, { remaining: remaining?.(i) }));
	return times;
}

/** A slot taken and not answered yet: `answer` says when, and how, its answer arrived. */
async function inFlight(budget: RequestBudget) {
	const answered = await budget.acquire();
	const sentAt = clock.now();
	return { sentAt, answer: (outcome?: RequestOutcome) => answered(outcome) };
}

/** Whether the budget gives way to neighbours now: with them, a 429 halves its share; alone it keeps the whole limit. */
function givesWay(budget: RequestBudget): boolean {
	budget.refused();
	return budget.share < budget.limit;
}

describe('RequestBudget alone on its key', () => {
	it('keeps the whole limit and spaces requests exactly window/limit apart instead of bursting', async () => {
		const budget = new RequestBudget(60, WINDOW);
		// Each answer says the key's use is exactly this process's own: nobody else.
		const times = await sendAll(budget, 10, (i) => 59 - i);
		expect(times).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i * 1000));
		expect(budget.share).toBe(60);
		expect(budget.spacingMs).toBe(1000);
	});

	it('lets concurrent callers take slots one at a time, still evenly spaced', async () => {
		const budget = new RequestBudget(60, WINDOW);
		await Promise.all([1, 2, 3].map(async () => await budget.acquire()));
		// The third was given 2 s, so the next caller's turn is at 3 s (at once, all three would have taken 0 s).
		expect(clock.now()).toBe(2000);
		expect(await send(budget)).toBe(3000);
	});

	it('a cancelled wait gives up its turn without blocking the callers after it', async () => {
		const budget = new RequestBudget(60, WINDOW);
		await send(budget);
		const cancelled = new AbortController();
		cancelled.abort();
		await expect(budget.acquire(cancelled.signal)).rejects.toThrow(WaitCancelledError);
		expect(await send(budget)).toBe(1000);
	});

	it('never lets more than the limit of its own requests into one window, even when the limit turns out lower', async () => {
		const budget = new RequestBudget(60, WINDOW);
		expect(await sendAll(budget, 5)).toEqual([0, 1000, 2000, 3000, 4000]);
		budget.observe(5, undefined);
		expect(budget.share).toBe(5);
		// The sixth waits until the first has left the window, not one spacing.
		expect(await send(budget)).toBe(WINDOW);
	});

	it('does not count a refused request (429) against the window: the server did not', async () => {
		const budget = new RequestBudget(60, WINDOW);
		await sendAll(budget, 4);
		await send(budget, { outcome: 'refused' });
		budget.observe(5, undefined);
		expect(await send(budget)).toBe(5000);
	});

	it('counts a request from when its answer arrives, however late', async () => {
		const budget = new RequestBudget(2, WINDOW);
		const first = await inFlight(budget);
		const second = await inFlight(budget);
		expect([first.sentAt, second.sentAt]).toEqual([0, 30_000]);
		apiNow = 90_000;
		second.answer();
		apiNow = 100_000;
		first.answer();
		// Room again once the earlier answer (90 s) has left the window; as sent (0 s, 30 s) it would be at 100 s.
		expect(await send(budget)).toBe(90_000 + WINDOW);
	});

	it('an answer that arrives after its request left the window changes nothing', async () => {
		const budget = new RequestBudget(3, WINDOW);
		const lost = await inFlight(budget);
		expect(await sendAll(budget, 3)).toEqual([20_000, 40_000, 60_000]);
		lost.answer('refused');
		budget.observe(2, undefined);
		// Its own requests at 40 s and 60 s are still in the window at 80 s: the next waits for 40 s to leave it.
		expect(await send(budget)).toBe(100_000);
	});

	it.each<[string, number | undefined, number]>([
		['an answer without X-RateLimit-Remaining does not end it', undefined, 1500],
		['an answer showing room ends it', 58, 1000],
	])('after a 429 waits one slot from the refusal; %s', async (_, remaining, nextAt) => {
		const budget = new RequestBudget(60, WINDOW);
		await send(budget, { remaining: 59 });
		apiNow = 500;
		budget.refused();
		budget.observe(60, remaining);
		expect(await send(budget)).toBe(nextAt);
		expect(budget.share).toBe(60);
	});

	it('after a 429 waits one slot only once: a lower limit learned afterwards does not stretch that wait', async () => {
		const budget = new RequestBudget(60, WINDOW);
		await send(budget, { remaining: 59 });
		apiNow = 500;
		budget.refused();
		expect(await send(budget, { outcome: 'refused', limit: 1 })).toBe(1500);
		// Room again when its request at 0 s leaves the window; the refusal at 0.5 s, long served, does not count again.
		expect(await send(budget)).toBe(WINDOW);
	});

	it.each([1, 10_000])('believes an X-RateLimit-Limit of %d', (limit) => {
		const budget = new RequestBudget(60, WINDOW);
		budget.observe(limit, undefined);
		expect(budget.limit).toBe(limit);
	});

	it.each([0, 10_001, 2.5])('does not believe an X-RateLimit-Limit of %d', (limit) => {
		const budget = new RequestBudget(60, WINDOW);
		budget.observe(limit, undefined);
		expect([budget.limit, budget.share]).toEqual([60, 60]);
	});
});

describe('RequestBudget with neighbours on its key', () => {
	it.each<[number, number, boolean]>([
		[0, 58, false],
		[0, 57, true],
		[2, 56, false],
		[2, 55, true],
	])('after %d requests of its own and Remaining %d, counts the key as shared: %s (more than 2 others is not noise)', async (own, remaining, shared) => {
		const budget = new RequestBudget(60, WINDOW);
		await sendAll(budget, own);
		budget.observe(60, remaining);
		expect(givesWay(budget)).toBe(shared);
	});

	/** Readings at these times, each with (true) or without (false) 10 requests of others on the key. */
	it.each<[Array<[number, boolean]>, number, boolean]>([
		[[[0, true]], 3 * WINDOW - 1, true],
		[[[0, true]], 3 * WINDOW, false],
		// A reading counts for the whole window after it: neighbours were still seen at half a window...
		[[[0, true], [WINDOW / 2, false]], 3.5 * WINDOW - 1, true],
		// ...but not any more a whole window later.
		[[[0, true], [WINDOW, false]], 3 * WINDOW, false],
	])('counts the key as shared for three windows after neighbours were last seen: readings %j, at %d: %s', (readings, at, shared) => {
		const budget = new RequestBudget(60, WINDOW);
		for (const [time, others] of readings) {
			apiNow = time;
			budget.observe(60, others ? 50 : 60);
		}
		apiNow = at;
		budget.observe(60, 60);
		expect(givesWay(budget)).toBe(shared);
	});

	it.each<[number, number, number]>([
		// 5 of the key's 8 are its own: 10 * 5/8 * 90% = 5.625, more than half of its share of 10.
		[5, 2, 5.625],
		// 4 of 8: 4.5 would be less than half of 10, so half.
		[4, 2, 5],
		// 2 of the key's 10 left is not nearly full: no shrinking.
		[1, 3, 10],
	])('on a nearly full key shrinks towards its proportional part of 90%%, by at most half: %d own, Remaining %d', async (own, remaining, share) => {
		const budget = new RequestBudget(10, WINDOW);
		await sendAll(budget, own);
		budget.observe(10, remaining);
		expect(budget.share).toBeCloseTo(share, 9);
	});

	it.each<[string, number, number, number]>([
		['no more than a fifth of the limit left is nearly full: half', 60, 12, 30],
		['more than a fifth left is not', 60, 13, 60],
		['a higher X-RateLimit-Limit alone is taken all at once', 10, 60, 60],
		['a higher X-RateLimit-Limit with neighbours is grown towards, by a sixtieth', 10, 50, 11],
	])('one reading of a 60-limit key: %s (share of %d, Remaining %d → %d)', (_, share, remaining, after) => {
		const budget = new RequestBudget(share, WINDOW);
		budget.observe(60, remaining);
		expect(budget.share).toBe(after);
	});

	it('shrinks at most once every tenth of a window, and never below one request a window', () => {
		const budget = new RequestBudget(10, WINDOW);
		budget.observe(10, 5);
		const shares = [0, 5999, 6000, 12_000, 18_000, 24_000].map((time) => {
			apiNow = time;
			budget.refused();
			return budget.share;
		});
		expect(shares).toEqual([5, 5, 2.5, 1.25, 1, 1]);
	});

	it('grows by a sixtieth of the limit every third of a window after its last change, never beyond the limit', () => {
		const budget = new RequestBudget(60, WINDOW);
		budget.observe(60, 50);
		expect(budget.share).toBe(60);
		apiNow = 10_000;
		budget.refused();
		const shares = [29_999, 30_000, 49_999, 50_000].map((time) => {
			apiNow = time;
			budget.observe(60, 50);
			return budget.share;
		});
		expect(shares).toEqual([30, 31, 31, 32]);
	});

	it.each<[string, Answer]>([
		['a 429', { outcome: 'refused' }],
		['Remaining 0', { remaining: 0 }],
	])('when the key runs out (%s), waits until the window has room instead of retrying into it', async (_, exhausted) => {
		const budget = new RequestBudget(60, WINDOW);
		await send(budget, { remaining: 30 });
		apiNow = 30_000;
		await send(budget, { remaining: 30 });
		apiNow = 59_000;
		const last = await inFlight(budget);
		apiNow = WINDOW;
		last.answer(exhausted.outcome);
		if (exhausted.outcome === 'refused') budget.refused();
		else budget.observe(60, exhausted.remaining);
		// The reading at 0 s has just left the window; the key has room once the one at 30 s has too.
		expect(await send(budget)).toBe(30_000 + WINDOW);
		expect(budget.share).toBe(30);
	});

	it('with neighbours seen but no reading of the key in the last window, a 429 waits one slot', async () => {
		const budget = new RequestBudget(60, WINDOW);
		budget.observe(60, 50);
		apiNow = 2 * WINDOW;
		budget.refused();
		expect(budget.share).toBe(30);
		expect(await send(budget)).toBe(2 * WINDOW + 1000);
	});

	it('after a 429, an answer showing room again ends the wait, and requests are spaced by the smaller share', async () => {
		const budget = new RequestBudget(60, WINDOW);
		await sendAll(budget, 2, () => 30);
		budget.refused();
		expect(budget.spacingMs).toBe(2000);
		budget.observe(60, 20);
		expect(await sendAll(budget, 2)).toEqual([2000, 4000]);
	});
});

describe('budgetFor', () => {
	it('gives every caller on one key the same budget, and another key its own', () => {
		const budget = budgetFor('shared-key', 60, WINDOW);
		expect(budgetFor('shared-key', 60, WINDOW)).toBe(budget);
		expect(budgetFor('other-key', 10, WINDOW)).not.toBe(budget);
		expect(budgetFor('other-key', 10, WINDOW).limit).toBe(10);
	});

	it.each([
		[WINDOW, HOUR],
		[2 * HOUR, 2 * HOUR],
	])('with a window of %d ms, forgets a key only when unused for more than %d ms', (windowMs, idle) => {
		const key = `idle-${windowMs}`;
		const budget = budgetFor(key, 60, windowMs);
		const at = (time: number) => {
			apiNow = time;
			return budgetFor(key, 60, windowMs);
		};
		expect(at(idle)).toBe(budget);
		expect(at(2 * idle)).toBe(budget);
		expect(at(3 * idle + 1)).not.toBe(budget);
	});
});
