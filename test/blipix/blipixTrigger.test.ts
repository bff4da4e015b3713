import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { pollTrigger, runWorkflow } from '../engine';
import type { EngineWorkflow, PollTriggerOptions } from '../engine';
import { BLIPIX_TRIGGER_TYPE, BLIPIX_TYPE, blipixCredentials, credentialTypes, nodeTypes, singleNodeWorkflow } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

// 300 simulated seconds per real second: a 2-minute render is 0.4 s. A poll's own budgets are in API
// time too (it starts no item 45 s after it began; a download gives up after 60 s without an answer):
// 150 and 200 real ms here, which a loaded machine can still exceed now and then, so a test that only
// needs every video emitted polls until they are, and counts what that cost.
const TIME_SCALE = 300;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 71);
});

afterAll(async () => await stopScaledSimulator(sim));

function triggerWorkflow(parameters: INodeParameters = {}): EngineWorkflow {
	return {
		nodes: [
			{
				id: 'trigger-node',
				name: 'Blipix Trigger',
				type: BLIPIX_TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: { events: ['video.ready', 'video.failed'], ...parameters },
				credentials: { blipixApi: { id: 'blipixApi', name: 'Blipix account' } },
			},
		],
		connections: {},
	};
}

/** One account and one active trigger on it, polled as n8n would, with its static data kept between polls. */
function trigger(apiKey: string, parameters: INodeParameters = {}, server = sim) {
	const staticData: IDataObject = {};
	const workflow = triggerWorkflow(parameters);
	const poll = async (extra: Partial<Pick<PollTriggerOptions, 'mode' | 'activating' | 'onEmit' | 'onLog'>> = {}) =>
		await pollTrigger({
			workflow,
			triggerNode: 'Blipix Trigger',
			staticData,
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(server.blipix.baseUrl, apiKey),
			...extra,
		});
	return { staticData, poll, activate: async () => await poll({ activating: true }) };
}

async function createVideos(apiKey: string, prompts: string[], parameters: INodeParameters = {}, server = sim): Promise<string[]> {
	const { json, error } = await runWorkflow({
		workflow: singleNodeWorkflow(
			BLIPIX_TYPE,
			{ resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', checkCredits: false, ...parameters },
			prompts.map((prompt) => ({ prompt })),
		),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(server.blipix.baseUrl, apiKey),
	});
	expect(error).toBeUndefined();
	return json('Node').map((video) => video.id as string);
}

/** Polls (at most `maxPolls` times) until `count` videos were emitted in all; what they emitted, in how many polls. */
async function pollUntilEmitted(poll: () => Promise<{ emitted: INodeExecutionData[][][] }>, count: number, maxPolls = 5) {
	const ids: string[] = [];
	let polls = 0;
	while (ids.length < count && polls < maxPolls) {
		polls++;
		ids.push(...emittedIds((await poll()).emitted).flat());
	}
	return { ids, polls };
}

const sleepSim = async (simSeconds: number) => await new Promise((resolve) => setTimeout(resolve, (simSeconds * 1000) / TIME_SCALE));
const emittedIds = (emitted: INodeExecutionData[][][]) => emitted.map((run) => run[0].map((item) => item.json.id as string));
const listRequests = (apiKey: string) => sim.blipix.stats(apiKey).byRoute['GET /videos'] ?? 0;

describe('Blipix Trigger', () => {
	it('records what exists on activation and emits nothing then', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		await createVideos(apiKey, ['old one [render:30]', 'old two [render:30]']);
		await sleepSim(60);
		const { activate, staticData } = trigger(apiKey);
		const first = await activate();
		expect(first.emitted).toEqual([]);
		expect(first.returned).toBeNull();
		expect(staticData.cursor).toMatchObject({ baselineAt: expect.any(Number) });
	});

	it('emits each ready and each failed video once, in its own execution, across many polls', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey);
		await activate();
		const ids = await createVideos(apiKey, ['a [render:60]', 'b [render:120]', 'c [fail][render:90]', 'd [never]']);
		const seen: string[][] = [];
		for (let i = 0; i < 12; i++) {
			await sleepSim(20);
			seen.push(...emittedIds((await poll()).emitted));
		}
		expect(seen.every((run) => run.length === 1)).toBe(true);
		expect(seen.flat().sort()).toEqual(ids.slice(0, 3).sort());
		const last = await poll();
		expect(last.emitted).toEqual([]);
	});

	it('emits a video as ready only once renderStatus is completed, also where videoUrl shows before that', async () => {
		const early = await startSimulator({ timeScale: TIME_SCALE, seed: 72, blipix: { videoUrlBeforeRender: true } });
		clock.follow(TIME_SCALE, early.simNow());
		try {
			const apiKey = early.blipix.createAccount({ credits: 1000 });
			const { activate, poll } = trigger(apiKey, {}, early);
			await activate();
			// Rendering, with the URL shown, from 90 to 150 simulated seconds: 200 real ms, many polls.
			const [id] = await createVideos(apiKey, ['url first [render:150]'], {}, early);
			const emitted: INodeExecutionData[] = [];
			let sawUrlBeforeCompleted = false;
			for (let i = 0; i < 40 && emitted.length === 0; i++) {
				await sleepSim(10);
				const video = early.blipix.video(id)!;
				sawUrlBeforeCompleted ||= video.renderStatus !== 'completed' && typeof video.json.videoUrl === 'string';
				emitted.push(...(await poll()).emitted.flatMap((run) => run[0]));
			}
			// The simulator did show the URL early, and the trigger still waited for the render.
			expect(sawUrlBeforeCompleted).toBe(true);
			expect(emitted.map((item) => [item.json.id, item.json.event, item.json.renderStatus])).toEqual([[id, 'video.ready', 'completed']]);
		} finally {
			clock.follow(TIME_SCALE, sim.simNow());
			await early.close();
		}
	});

	it('puts the event, the full video and when it was detected on each item', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey, { options: { downloadVideo: true } });
		await activate();
		const [ready, failed] = await createVideos(apiKey, ['ok [render:30]', 'bad [fail][render:30]']);
		await sleepSim(60);
		const result = await poll();
		const items = result.emitted.map((run) => run[0][0]);
		const byId = Object.fromEntries(items.map((item) => [item.json.id, item]));
		expect(byId[ready].json).toMatchObject({ event: 'video.ready', renderStatus: 'completed', script: expect.any(String), detectedAt: expect.any(String) });
		expect(byId[failed].json).toMatchObject({ event: 'video.failed', status: 'failed' });
		expect(byId[ready].binary?.data.mimeType).toBe('video/mp4');
		expect(byId[failed].binary).toBeUndefined();
	});

	it('downloads the exact MP4 bytes the simulator serves', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const staticData: IDataObject = {};
		const workflow = triggerWorkflow({ options: { downloadVideo: true } });
		const options = { workflow, triggerNode: 'Blipix Trigger', staticData, nodeTypes, credentialTypes, credentials: blipixCredentials(sim.blipix.baseUrl, apiKey) };
		await pollTrigger({ ...options, activating: true });
		const [id] = await createVideos(apiKey, ['bytes [render:30]']);
		await sleepSim(60);
		const { runs } = await pollTrigger({ ...options, startWorkflow: true });
		expect(runs).toHaveLength(1);
		expect((await runs[0].binary('Blipix Trigger', 0, 'data')).equals(sim.blipix.videoFile(id))).toBe(true);
	});

	it('in manual mode returns the newest finished video and leaves the cursor alone', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll, staticData } = trigger(apiKey);
		await activate();
		const before = JSON.stringify(staticData);
		const [older, newer] = await createVideos(apiKey, ['first [render:30]', 'second [render:30]']);
		await sleepSim(60);
		const manual = await poll({ mode: 'manual' });
		expect(manual.returned?.[0].map((item) => item.json.id)).toEqual([newer]);
		expect(JSON.stringify(staticData)).toBe(before);
		const production = await poll();
		expect(emittedIds(production.emitted).flat().sort()).toEqual([older, newer].sort());
	});

	it('emits nothing twice when polls overlap or repeat', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey);
		await activate();
		const ids = await createVideos(apiKey, Array.from({ length: 6 }, (_, i) => `o${i} [render:30]`));
		await sleepSim(60);
		const together = (await Promise.all([poll(), poll(), poll()])).flatMap((result) => emittedIds(result.emitted).flat());
		const again = await pollUntilEmitted(poll, ids.length - together.length);
		expect([...together, ...again.ids].sort()).toEqual([...ids].sort());
		expect(emittedIds((await poll()).emitted)).toEqual([]);
	});

	it('fetches each video once when polls overlap: one list request per poll, one details request and one download per video', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey, { options: { downloadVideo: true } });
		await activate();
		const ids = await createVideos(apiKey, Array.from({ length: 6 }, (_, i) => `twice ${i} [render:30]`));
		await sleepSim(60);
		const requests = (route: string) => sim.blipix.stats(apiKey).byRoute[route] ?? 0;
		const [listsBefore, detailsBefore] = [requests('GET /videos'), requests('GET /videos/:id')];
		const together = (await Promise.all([poll(), poll()])).flatMap((result) => emittedIds(result.emitted).flat());
		// On a slow machine the overlapping pair may leave some to later polls (see TIME_SCALE).
		const later = await pollUntilEmitted(poll, ids.length - together.length);
		expect([...together, ...later.ids].sort()).toEqual([...ids].sort());
		expect(requests('GET /videos') - listsBefore).toBe(2 + later.polls);
		expect(requests('GET /videos/:id') - detailsBefore).toBe(ids.length);
		const downloads = sim.cdnRequests.filter(({ path }) => path.startsWith('/videos/') && ids.some((id) => path.includes(id)));
		expect(downloads).toHaveLength(ids.length);
	});

	it('a file that keeps failing holds up only itself: the others are emitted at once, it comes with its error on the third poll', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey, { options: { downloadVideo: true } });
		await activate();
		const [hung, ...fine] = await createVideos(apiKey, ['hangs [render:30]', 'fine one [render:30]', 'fine two [render:30]']);
		await sleepSim(60);
		sim.cdnStallNext(3, 1000, hung);

		// In order of happening: each emission, and the moment the poll gave up on the hung file.
		const events: string[] = [];
		const first = await poll({
			onEmit: (items) => events.push(String(items[0][0].json.id)),
			onLog: ({ message }) => {
				if (message.includes(`video ${hung} will be emitted next poll`)) events.push('gave up on the hung file');
			},
		});
		expect(emittedIds(first.emitted).flat().sort()).toEqual([...fine].sort());
		// Each was emitted as soon as its file was in, not when the hung download gave up a stall timeout later.
		expect(events.slice(0, 2).sort()).toEqual([...fine].sort());
		expect(events.slice(2)).toEqual(['gave up on the hung file']);

		expect(emittedIds((await poll()).emitted).flat()).toEqual([]);
		const third = await poll();
		expect(emittedIds(third.emitted).flat()).toEqual([hung]);
		expect(third.emitted[0][0][0].json.error).toMatch(/stopped after 1000 bytes: nothing arrived for 60 seconds/);
		expect(emittedIds((await poll()).emitted).flat()).toEqual([]);
	});

	it('still emits a video that left the newest 100 before it finished, by looking it up', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 5000 });
		const { activate, poll } = trigger(apiKey);
		await activate();
		const [slow] = await createVideos(apiKey, ['slow one [render:120]']);
		await poll();
		// 110 newer videos push it out of the newest 100 (they take at least 110 simulated seconds at 60 a minute).
		await createVideos(apiKey, Array.from({ length: 110 }, (_, i) => `filler ${i} [never]`));
		await sleepSim(30);
		const before = sim.blipix.stats(apiKey).byRoute['GET /videos/:id'] ?? 0;
		const { ids, polls } = await pollUntilEmitted(poll, 1);
		expect(ids).toEqual([slow]);
		// One lookup by id per poll, which also serves as its details.
		expect((sim.blipix.stats(apiKey).byRoute['GET /videos/:id'] ?? 0) - before).toBe(polls);
	});

	it('keeps watching a video that left the newest 100 when its lookup fails for a while, and emits it later', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 5000 });
		const { activate, poll, staticData } = trigger(apiKey);
		await activate();
		const [slow] = await createVideos(apiKey, ['slow two [render:120]']);
		await poll();
		// 110 newer videos push it out of the newest 100 (they take at least 110 simulated seconds at 60 a minute).
		await createVideos(apiKey, Array.from({ length: 110 }, (_, i) => `filler two ${i} [never]`));
		await sleepSim(30);
		// Every attempt of its lookup (the transport retries a read 3 times) answers 503; the list is not touched.
		sim.blipix.failNext(4, 503, { matching: `GET /videos/${slow}` });
		const failing = await poll();
		expect(emittedIds(failing.emitted).flat()).toEqual([]);
		expect(sim.blipix.stats(apiKey).injectedFailures).toBe(4);
		expect((staticData.cursor as { watched: IDataObject }).watched).toHaveProperty(slow);
		expect((await pollUntilEmitted(poll, 1)).ids).toEqual([slow]);
	});

	it('costs one list request per poll, whatever the number of videos', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 5000 });
		const { activate, poll } = trigger(apiKey, { options: { fetchDetails: false } });
		await activate();
		await createVideos(apiKey, Array.from({ length: 40 }, (_, i) => `many ${i} [render:${30 + i}]`));
		const before = sim.blipix.stats(apiKey).requests;
		for (let i = 0; i < 5; i++) await poll();
		expect(listRequests(apiKey)).toBeGreaterThanOrEqual(6);
		expect(sim.blipix.stats(apiKey).requests - before).toBe(5);
	});

	it('loses nothing through a 429 storm or 5xx blips: a failed poll keeps the cursor, the next catches up', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll, staticData } = trigger(apiKey);
		await activate();
		const ids = await createVideos(apiKey, ['storm a [render:30]', 'storm b [render:30]']);
		await sleepSim(60);
		const cursor = JSON.stringify(staticData.cursor);
		sim.blipix.failNext(500, 429);
		const stormy = await poll();
		expect(stormy.emitted).toEqual([]);
		expect(stormy.emittedErrors).toEqual([]);
		expect(JSON.stringify(staticData.cursor)).toBe(cursor);
		sim.blipix.reset();
		sim.blipix.failNext(3, 503);
		const after = await poll();
		expect(emittedIds(after.emitted).flat().sort()).toEqual([...ids].sort());
	});

	it('stops watching a video once emitted, even when an overlapping poll saved an older cursor', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll, staticData } = trigger(apiKey);
		await activate();
		const [id] = await createVideos(apiKey, ['watched [render:90]']);
		await poll();
		expect(staticData.cursor).toMatchObject({ watched: { [id]: expect.any(Object) } });
		const loadedByTheOverlappingPoll = structuredClone(staticData);
		await sleepSim(120);
		expect(emittedIds((await poll()).emitted).flat()).toEqual([id]);
		const overlapping = await pollTrigger({
			workflow: triggerWorkflow(),
			triggerNode: 'Blipix Trigger',
			staticData: loadedByTheOverlappingPoll,
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		});
		expect(overlapping.emitted).toEqual([]);
		expect((loadedByTheOverlappingPoll.cursor as IDataObject).watched).toEqual({});
	});

	it('emits a quick video created right after activation even when n8n’s clock runs ahead of Blipix’s', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey);
		clock.follow(TIME_SCALE, sim.simNow() + 120_000);
		try {
			await activate();
			const [id] = await createVideos(apiKey, ['quick [fail][render:20]']);
			await sleepSim(40);
			expect(emittedIds((await poll()).emitted).flat()).toEqual([id]);
		} finally {
			clock.follow(TIME_SCALE, sim.simNow());
		}
	});

	it('applies the events and filters', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { activate, poll } = trigger(apiKey, { events: ['video.ready'], filters: { aspectRatios: ['16:9'], titleContains: 'promo' } });
		await activate();
		const [wide] = await createVideos(apiKey, ['Spring PROMO [render:30]'], { aspectRatio: '16:9' });
		await createVideos(apiKey, ['Spring promo [render:30]'], { aspectRatio: '9:16' });
		await createVideos(apiKey, ['Other [render:30]', 'promo broken [fail][render:30]'], { aspectRatio: '16:9' });
		await sleepSim(60);
		expect(emittedIds((await poll()).emitted).flat()).toEqual([wide]);
	});

	it('fails activation with a bad key, and reports a key refused later as a failed execution', async () => {
		const { activate } = trigger('blx_not_a_real_key_00000000000000000000000');
		await expect(activate()).rejects.toThrow('Blipix rejected the API key');

		const apiKey = sim.blipix.createAccount();
		const { activate: activateGood, poll } = trigger(apiKey);
		await activateGood();
		sim.blipix.failNext(1, 401);
		const refused = await poll();
		expect(refused.emittedErrors.map((error) => error.message)).toEqual(['Blipix rejected the API key']);
	});
});

describe('examples/scheduled-posting-*.json', () => {
	it('workflow 1 creates the day’s videos and ends; workflow 2 starts once per video as each is ready', async () => {
		/* eslint-disable @typescript-eslint/no-require-imports */
		const create = require('../../examples/scheduled-posting-1-create.json') as EngineWorkflow;
		const post = require('../../examples/scheduled-posting-2-post.json') as EngineWorkflow;
		/* eslint-enable @typescript-eslint/no-require-imports */
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const engine = { nodeTypes, credentialTypes, credentials: blipixCredentials(sim.blipix.baseUrl, apiKey) };
		const staticData: IDataObject = {};
		const poll = async (activating = false) =>
			await pollTrigger({ ...engine, workflow: post, triggerNode: 'When a Video Is Ready', staticData, activating, startWorkflow: true });

		await poll(true);
		const created = await runWorkflow({ ...engine, workflow: create });
		expect(created.error).toBeUndefined();
		const ids = created.json('Create Video').map((video) => video.id as string);
		expect(ids).toHaveLength(2);

		const runs = [];
		for (let minute = 0; minute < 20 && runs.length < ids.length; minute++) {
			await sleepSim(60);
			runs.push(...(await poll()).runs);
		}
		expect(runs.map((run) => run.json('When a Video Is Ready').map((video) => video.id))).toEqual(
			expect.arrayContaining(ids.map((id) => [id])),
		);
		for (const run of runs) {
			expect(run.error).toBeUndefined();
			const id = run.json('When a Video Is Ready')[0].id as string;
			// The disabled YouTube node passes the item on, MP4 and all.
			expect((await run.binary('Upload to YouTube', 0, 'data')).equals(sim.blipix.videoFile(id))).toBe(true);
		}
	});
});
