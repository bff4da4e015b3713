/**
 * Pacing through node runs: the transport hands what each Blipix answer says to the key's budget, and
 * the budget keeps this process's requests within the key's limit, spaced evenly, giving way to the key's
 * other users. Judged by the simulator's own counts (its sliding window refuses with 429 whatever goes
 * over) and by the spacing of requests in API time, averaged over many.
 *
 * Blipix allows 10 requests a minute here instead of 60: the budget learns the limit from
 * X-RateLimit-Limit, and its spacing (6 API seconds) is then many real milliseconds even at a high time
 * scale, so a busy machine cannot hide a wrong spacing behind its own slowness.
 */
import type { IDataObject } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { runWorkflow } from '../engine';
import { BLIPIX_TYPE, blipixCredentials, credentialTypes, nodeTypes, singleNodeWorkflow } from '../helpers/nodes';
import { stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

const WINDOW_MS = 60_000;
const LIMIT = 10;

let sim: Simulator | undefined;

afterEach(async () => {
	if (sim) await stopScaledSimulator(sim);
	sim = undefined;
});

/** The simulator at `timeScale`, Blipix allowing LIMIT requests a minute per key, the package's clock following it. */
async function startPaced(timeScale: number, seed: number): Promise<Simulator> {
	const server = await startSimulator({ timeScale, seed, blipix: { rateLimit: { limit: LIMIT, windowMs: WINDOW_MS } } });
	clock.follow(timeScale, server.simNow());
	return server;
}

/**
 * Executions at once on one key, one per entry of `items`, each reading the account once per item (one
 * GET /me each). Several at once keep a request always waiting for the budget, so the budget alone sets
 * the pace, however slowly a busy machine runs each one.
 */
async function readAccount(server: Simulator, apiKey: string, items: number[]) {
	const runs = await Promise.all(
		items.map(async (count) =>
			await runWorkflow({
				workflow: singleNodeWorkflow(BLIPIX_TYPE, { resource: 'account', operation: 'get' }, Array.from({ length: count }, (): IDataObject => ({}))),
				nodeTypes,
				credentialTypes,
				credentials: blipixCredentials(server.blipix.baseUrl, apiKey),
			}),
		),
	);
	for (const run of runs) expect(run.error).toBeUndefined();
}

describe('pacing through the transport', () => {
	it('gives way to the key’s other users, whom only X-RateLimit-Remaining shows', async () => {
		sim = await startPaced(300, 81);
		const apiKey = sim.blipix.createAccount();
		// Another client uses 6 of the key's 10 a minute: 4 are left for this process. One execution: each
		// request goes out after the answer before it, so it always knows what the key has left.
		sim.blipix.occupy(apiKey, 6);
		await readAccount(sim, apiKey, [12]);
		// Never refused: it never took more of a window than the other client left.
		expect(sim.blipix.stats(apiKey)).toMatchObject({ requests: 12, rateLimited: 0 });
	});

	it('never sends more than the limit in a window, even when an answer comes late', async () => {
		// 60x, not more: the budget sends the next request the moment the window has room, and at 200x
		// a few real milliseconds between the package's clock and the simulator's are a whole API second
		// at that edge (one 429 in a run at load 9.5). At 60x they are a tenth of that.
		sim = await startPaced(60, 82);
		const apiKey = sim.blipix.createAccount();
		// The first request is processed 30 API seconds after it was sent: it counts from then on.
		sim.blipix.delayNext(1, 30_000);
		await readAccount(sim, apiKey, [6, 6, 6]);
		expect(sim.blipix.stats(apiKey)).toMatchObject({ requests: 18, rateLimited: 0 });
	});

	it('spaces its requests a whole share of the window apart instead of bursting, on average over many', async () => {
		sim = await startPaced(60, 83);
		const apiKey = sim.blipix.createAccount();
		// As many requests as the limit, so the limit itself never holds them back: only the spacing does.
		await readAccount(sim, apiKey, [4, 3, 3]);
		const log = sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey);
		expect(log).toHaveLength(LIMIT);
		// The first request goes out with the whole limit (60 a minute) assumed and learns 10 from its answer: judged from the second on.
		const averageGap = ((log[log.length - 1].at - log[1].at) * sim.timeScale) / (log.length - 2);
		// 1 when evenly spaced (a slow answer can only lengthen a gap), 0.5 with half the spacing.
		expect(averageGap / (WINDOW_MS / LIMIT)).toBeGreaterThanOrEqual(0.75);
		expect(sim.blipix.stats(apiKey).rateLimited).toBe(0);
	});
});
