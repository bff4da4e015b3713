/**
 * The right video for the right item. Blipix has no idempotency key, so a create whose answer was lost is
 * never sent again; the node looks for the video it may have made and adopts one only when it is certain:
 * exactly one video appeared on the key since the create was sent (a minute of clock difference allowed),
 * with the same aspect ratio, not claimed by a create of this process, not listed by an earlier recovery,
 * while no other create of this process on the key was unconfirmed (nodes/shared/blipix/create.ts).
 *
 * The videos that could be mistaken for the lost one are made outside the process, as another client on
 * the same key would (the Blipix app, another n8n): a plain HTTP create to the simulator.
 */
import type { INodeParameters } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { runWorkflow } from '../engine';
import { BLIPIX_TYPE, blipixCredentials, credentialTypes, nodeTypes, singleNodeWorkflow } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

const TIME_SCALE = 300;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 61);
});

afterAll(async () => await stopScaledSimulator(sim));

afterEach(() => clock.follow(TIME_SCALE, sim.simNow()));

/** A video made on the key by another client: a raw create, not through n8n. */
async function createdElsewhere(apiKey: string, prompt: string, aspectRatio = '9:16'): Promise<string> {
	const response = await fetch(`${sim.blipix.baseUrl}/videos/create`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ prompt, voice: 'alloy', aspectRatio }),
	});
	expect(response.status).toBe(201);
	return ((await response.json()) as { id: string }).id;
}

/** One Create through n8n whose answer is lost after Blipix made the video; returns the run and that video's id. */
async function lostCreate(apiKey: string, prompt: string, parameters: INodeParameters = {}) {
	const lostBefore = sim.blipix.faultStats().lostCreates.length;
	const createsBefore = createsSent(apiKey);
	sim.blipix.failNext(1, 'drop', { afterCommit: true });
	const run = await runWorkflow({
		workflow: singleNodeWorkflow(BLIPIX_TYPE, { resource: 'video', operation: 'create', prompt, voice: 'alloy', checkCredits: false, ...parameters }),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
	});
	const lost = sim.blipix.faultStats().lostCreates.slice(lostBefore);
	expect(lost).toHaveLength(1);
	// Never sent twice: a second create could pay twice.
	expect(createsSent(apiKey) - createsBefore).toBe(1);
	return { run, made: lost[0].id };
}

const createsSent = (apiKey: string) =>
	sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey && entry.route === 'POST /videos/create').length;

/**
 * n8n's clock runs half an hour behind Blipix's: from the node's point of view, every video made on this
 * fresh key in the last half hour appeared "since the send". The time the test takes between the other
 * client's create and the node's cannot then move a video out of the window; only the rule under test
 * sets the candidates apart.
 */
function n8nClockBehind(): void {
	clock.follow(TIME_SCALE, sim.simNow() - 30 * 60_000);
}

const notAdopted = /^Blipix did not confirm this create \(no answer came back\); it was not sent again/;

describe('a lost Blipix create adopts a video only when it is certain', () => {
	it('not when two videos appeared since the send, though no other create of this process was unconfirmed', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 100 });
		n8nClockBehind();
		const other = await createdElsewhere(apiKey, 'the other client’s video');
		const { run, made } = await lostCreate(apiKey, 'mine [render:30]');
		expect(run.error?.message).toMatch(notAdopted);
		expect(run.error?.description).toMatch(/^2 video\(s\) appeared on your account since it was sent, and none can be told apart/);
		for (const id of [other, made]) expect(run.error?.description).toContain(id);
	});

	it('not a video made before the send: one older than the minute of clock difference is not a candidate', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 100 });
		await createdElsewhere(apiKey, 'made earlier');
		await clock.sleep(70_000); // more than the minute of clock difference allowed
		const { run, made } = await lostCreate(apiKey, 'mine [render:30]');
		expect(run.error).toBeUndefined();
		expect(run.json('Node')[0]).toMatchObject({ id: made, recovered: true });
	});

	it('not a video of another aspect ratio: its own, made in the same minute as another client’s 16:9 one', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 100 });
		n8nClockBehind();
		await createdElsewhere(apiKey, 'wide, elsewhere', '16:9');
		const { run, made } = await lostCreate(apiKey, 'mine, tall [render:30]', { aspectRatio: '9:16' });
		expect(run.error).toBeUndefined();
		expect(run.json('Node')[0]).toMatchObject({ id: made, recovered: true, aspectRatio: '9:16' });
	});

	it('not a video an earlier recovery had listed: the next lost create adopts its own', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 100 });
		n8nClockBehind();
		const other = await createdElsewhere(apiKey, 'the other client’s video');
		const first = await lostCreate(apiKey, 'first [render:30]');
		// Two candidates: the first recovery adopts neither, and has listed both.
		expect(first.run.error?.description).toContain(other);
		expect(first.run.error?.description).toContain(first.made);
		const second = await lostCreate(apiKey, 'second [render:30]');
		expect(second.run.error).toBeUndefined();
		expect(second.run.json('Node')[0]).toMatchObject({ id: second.made, recovered: true });
	});
});
