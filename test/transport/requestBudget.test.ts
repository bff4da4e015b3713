/**
 * The pacing budget on its own: alone it keeps the whole limit, evenly spaced; with neighbours it
 * gives way and waits for room; it never sends more than the limit in a window.
 */
import { clock } from '../../nodes/shared/clock';
import { RequestBudget } from '../../nodes/shared/transport/requestBudget';

// 1,000 API ms per real ms: a 60-second window is 60 real ms.
const SCALE = 1000;
const WINDOW = 60_000;

beforeEach(() => clock.follow(SCALE, Date.now()));
afterAll(() => clock.follow(1, Date.now()));

/** Takes n slots one after another, answering each at once; returns the API times they were given. */
async function take(budget: RequestBudget, n: number, remaining?: (i: number) => number): Promise<number[]> {
	const times: number[] = [];
	for (let i = 0; i < n; i++) {
		const answered = await budget.acquire();
		times.push(clock.now());
		answered();
		if (remaining) budget.observe(60, remaining(i));
	}
	return times;
}

describe('RequestBudget', () => {
	it('alone, keeps the whole limit and spaces requests evenly instead of bursting', async () => {
		const budget = new RequestBudget(60, WINDOW);
		const times = await take(budget, 10, (i) => 59 - i);
		expect(budget.share).toBe(60);
		// One request a second: ten take nine seconds (a burst would take none). Measured over the
		// whole run, since a busy machine can delay the test's own reading of one slot; in API time, as a
		// share of the nominal nine seconds (a busy machine only lengthens it).
		expect((times[9] - times[0]) / (9 * (WINDOW / 60))).toBeGreaterThanOrEqual(8 / 9);
	});

	it('never lets more than the limit of its own requests into one window', async () => {
		const budget = new RequestBudget(5, WINDOW);
		const times = await take(budget, 7);
		// The sixth waits until the first has left the window (in API time; a busy machine only adds to it).
		expect((times[5] - times[0]) / WINDOW).toBeGreaterThanOrEqual(1);
	});

	it('gives way when the key fills up with requests that are not its own', async () => {
		const budget = new RequestBudget(60, WINDOW);
		// Each answer says far more of the key is used than this process sent: neighbours.
		await take(budget, 6, () => 5);
		expect(budget.share).toBeLessThan(60);
		expect(budget.share).toBeGreaterThanOrEqual(1);
	});

	it('with neighbours and an exhausted key, waits until the window has room instead of retrying into it', async () => {
		const budget = new RequestBudget(60, WINDOW);
		const [first] = await take(budget, 2, () => 30);
		budget.refused();
		const [next] = await take(budget, 1);
		// The window has room once the first reading of the neighbours has left it: a whole window after
		// that first request (retrying into the key would come one slot, 1/60 of it, after the refusal).
		// Measured from the first request, so however late a busy machine gets to the refusal, it is the same.
		expect((next - first) / WINDOW).toBeGreaterThanOrEqual(1);
	});
});
