import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { runWorkflow } from '../engine';
import type { EngineWorkflow, RunWorkflowOptions } from '../engine';
import { STALL_TIMEOUT_MS } from '../../nodes/shared/download';
import {
	BLIPIX_TYPE,
	WAIT_TYPE,
	blipixCredentials,
	chainWorkflow,
	credentialTypes,
	nodeTypes,
} from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

// 300 simulated seconds per real second: a 5 s poll interval is 17 ms, a 10-minute render 2 s.
const TIME_SCALE = 300;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 11);
});

afterAll(async () => await stopScaledSimulator(sim));

const createNode = (extra: INodeParameters = {}) => ({
	name: 'Create',
	type: BLIPIX_TYPE,
	parameters: { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', ...extra },
});

const waitNode = (parameters: INodeParameters = {}) => ({
	name: 'Wait',
	type: WAIT_TYPE,
	parameters: { pollInterval: 5, maxWait: 30, ...parameters },
});

async function run(
	apiKey: string,
	items: IDataObject[],
	chain: Parameters<typeof chainWorkflow>[1],
	extra: { signal?: AbortSignal; onLog?: RunWorkflowOptions['onLog'] } = {},
) {
	const messages: string[] = [];
	const result = await runWorkflow({
		workflow: chainWorkflow(items, chain),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		onMessageToUI: (_node, message) => messages.push(String(message)),
		...extra,
	});
	return { ...result, messages };
}

const itemIndexes = (items: INodeExecutionData[]) => items.map((item) => (item.pairedItem as { item: number }).item);

describe('Blipix Wait for Render', () => {
	it('sorts 20 videos with mixed outcomes onto the right outputs, none lost or duplicated', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		// 12 ready at different times, 4 failing, 4 never finishing (and so timed out).
		const prompts = Array.from({ length: 20 }, (_, i) =>
			i < 12 ? `ready ${i} [render:${60 + i * 20}]` : i < 16 ? `broken ${i} [fail][render:90]` : `stuck ${i} [never]`,
		);
		const { outputs, error, messages } = await run(
			apiKey,
			prompts.map((prompt) => ({ prompt })),
			[createNode(), waitNode({ maxWait: 10, downloadVideo: false })],
		);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('Wait');

		expect(itemIndexes(ready).sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
		expect(itemIndexes(failed).sort((a, b) => a - b)).toEqual([...Array(8).keys()].map((i) => i + 12));
		for (const item of ready) {
			expect(item.json).toMatchObject({ status: 'ready', renderStatus: 'completed', videoUrl: expect.any(String) });
			expect(item.json.script).toEqual(expect.any(String)); // the full object from GET /videos/:id
		}
		for (const item of failed) {
			const index = (item.pairedItem as { item: number }).item;
			if (index < 16) {
				expect(item.json).toMatchObject({ status: 'failed', waitResult: 'failed' });
			} else {
				// Timed out: the last known video is kept, with the reason and the time waited.
				expect(item.json).toMatchObject({ status: 'processing', waitResult: 'timedOut', title: expect.any(String) });
				expect(item.json.reason).toMatch(/Still not finished after 10m00s/);
				expect(item.json.elapsedSeconds).toBeGreaterThanOrEqual(600);
			}
		}
		expect(messages.at(-1)).toMatch(/^12\/20 ready, 4 rendering, 4 failed, \d+m\d\ds elapsed$/);
	});

	it('notices a ready video within one poll interval, at one list request per cycle', async () => {
		const apiKey = sim.blipix.createAccount();
		const prompts = Array.from({ length: 10 }, (_, i) => `timed ${i} [render:${120 + i * 30}]`);
		const created = await run(apiKey, prompts.map((prompt) => ({ prompt })), [createNode()]);
		const ids = created.json('Create').map((video) => video.id as string);
		const before = sim.blipix.stats(apiKey);

		const pollInterval = 20;
		const { outputs, messages } = await run(apiKey, ids.map((id) => ({ id })), [waitNode({ pollInterval, downloadVideo: false })]);
		expect(outputs('Wait')[0]).toHaveLength(10);

		// Counted in poll cycles, not in time: each video was noticed by the first list request after it was
		// ready, in the same cycle (its details GET follows that list before the next one). `at` is when the
		// simulator answered, in whole ms: a list answered within 1 ms after readyAt may have been processed
		// just before it, so only lists answered later than that certainly saw the video ready.
		const log = sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey);
		const lists = log.filter((entry) => entry.route === 'GET /videos');
		for (const id of ids) {
			const readyAt = sim.blipix.video(id)!.readyAt!;
			const noticed = log.find((entry) => entry.path === `/videos/${id}` && entry.at >= readyAt);
			expect(noticed).toBeDefined();
			const surelyAfterReady = lists.filter((entry) => entry.at >= readyAt + 1 && entry.at <= noticed!.at);
			expect(surelyAfterReady.length).toBeLessThanOrEqual(1);
		}

		const after = sim.blipix.stats(apiKey);
		const details = after.byRoute['GET /videos/:id'] - (before.byRoute['GET /videos/:id'] ?? 0);
		expect(details).toBe(10); // one per finished video, for its full details
		// One list request per cycle (each cycle shows one progress line in a manual run)...
		expect(lists).toHaveLength(messages.length);
		expect(after.byRoute['GET /videos'] - (before.byRoute['GET /videos'] ?? 0)).toBe(messages.length);
		// ...and cycles one poll interval apart, on average (a slow cycle only lengthens its gap).
		const averageGapSeconds = ((lists[lists.length - 1].at - lists[0].at) * TIME_SCALE) / 1000 / (lists.length - 1);
		expect(averageGapSeconds / pollInterval).toBeGreaterThanOrEqual(0.9);
		expect(averageGapSeconds / pollInterval).toBeLessThanOrEqual(1.5);
		expect(after.rateLimited).toBe(0);
	});

	it('downloads the MP4 and thumbnail, with the simulator’s exact bytes', async () => {
		const apiKey = sim.blipix.createAccount();
		const { outputs, binary, error } = await run(apiKey, [{ prompt: 'download me [render:60]' }], [
			createNode(),
			waitNode({ downloadThumbnail: true, binaryPropertyName: 'video' }),
		]);
		expect(error).toBeUndefined();
		const item = outputs('Wait')[0][0];
		const id = item.json.id as string;
		expect(item.binary?.video.mimeType).toBe('video/mp4');
		expect((await binary('Wait', 0, 'video')).equals(sim.blipix.videoFile(id))).toBe(true);
		expect((await binary('Wait', 0, 'thumbnail')).equals(sim.blipix.thumbnailFile(id))).toBe(true);
	});

	it('finds a video older than the newest 100 with a direct GET', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 2000 });
		const old = await run(apiKey, [{ prompt: 'the old one [render:120]' }], [createNode()]);
		const oldId = old.json('Create')[0].id as string;
		await run(
			apiKey,
			Array.from({ length: 100 }, (_, i) => ({ prompt: `newer ${i} [never]` })),
			[createNode()],
		);

		const { outputs } = await run(apiKey, [{ id: oldId }], [waitNode({ downloadVideo: false })]);
		expect(outputs('Wait')[0].map((item) => item.json.id)).toEqual([oldId]);
		expect(sim.blipix.requestLog.some((entry) => entry.apiKey === apiKey && entry.path === `/videos/${oldId}`)).toBe(true);
	});

	it('rides out a 429 storm and 5xx blips without losing anything or showing an error', async () => {
		const apiKey = sim.blipix.createAccount();
		const prompts = Array.from({ length: 5 }, (_, i) => ({ prompt: `storm ${i} [render:${100 + i * 10}]` }));
		const created = await run(apiKey, prompts, [createNode()]);
		const ids = created.json('Create').map((video) => video.id as string);

		sim.blipix.failNext(25, 429);
		sim.blipix.failNext(3, 503);
		sim.blipix.failNext(10, 429);
		const { outputs, error } = await run(apiKey, ids.map((id) => ({ id })), [waitNode({ downloadVideo: false })]);
		expect(error).toBeUndefined();
		expect(outputs('Wait')[0].map((item) => item.json.id)).toEqual(ids);
		expect(outputs('Wait')[1]).toEqual([]);
		// The storm really hit this wait: every injected failure was answered to it.
		expect(sim.blipix.stats(apiKey).injectedFailures).toBe(38);
	});

	it('stops waiting at once when the execution is cancelled', async () => {
		const apiKey = sim.blipix.createAccount();
		const controller = new AbortController();
		const lists = () => sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey && entry.route === 'GET /videos');
		// Stopped while waiting, after its third cycle.
		let stoppedAt = Infinity;
		const watch = setInterval(() => {
			if (lists().length < 3) return;
			clearInterval(watch);
			stoppedAt = Date.now();
			controller.abort();
		}, 2);
		const { status } = await run(apiKey, [{ prompt: 'forever [never]' }], [createNode(), waitNode({ maxWait: 180 })], {
			signal: controller.signal,
		});
		clearInterval(watch);
		expect(status).toBe('canceled');
		// Counted in cycles: none after the stop (one may have been on its way), though 180 simulated minutes were left.
		expect(lists().filter((entry) => entry.at > stoppedAt).length).toBeLessThanOrEqual(1);
	});

	it('On Failure "Stop the Workflow" fails with what did not finish', async () => {
		const apiKey = sim.blipix.createAccount();
		const { error } = await run(apiKey, [{ prompt: 'ok [render:30]' }, { prompt: 'bad [fail][render:30]' }], [
			createNode(),
			waitNode({ onFailure: 'error', downloadVideo: false }),
		]);
		expect(error?.message).toMatch(/^1 of 2 videos could not be delivered: \S+ \(failed\)$/);
	});

	it('a file that would not download is named with its cause, never as a timeout, and its time counts', async () => {
		const logs: string[] = [];
		const stallingRun = async (onFailure: string) => {
			sim.cdnStallNext(1, 1000);
			return await run(sim.blipix.createAccount(), [{ prompt: 'renders fine [render:30]' }], [createNode(), waitNode({ onFailure })], {
				onLog: (entry) => logs.push(`${entry.level}: ${entry.message}`),
			});
		};
		const stalled = `stopped after 1000 bytes: nothing arrived for ${STALL_TIMEOUT_MS / 1000} seconds`;

		const stopped = await stallingRun('error');
		expect(stopped.error?.message).toMatch(/^1 of 1 videos could not be delivered: \S+ \(finished, but its file could not be downloaded\)$/);
		expect(stopped.error?.description).toContain(stalled);
		expect(stopped.error?.description).not.toMatch(/Waited up to/);
		expect(logs.filter((line) => line.startsWith('warn: ') && line.includes(stalled))).toHaveLength(1);

		const kept = await stallingRun('output');
		const [failed] = kept.outputs('Wait')[1];
		expect(failed.json).toMatchObject({ waitResult: 'fileFailed', reason: expect.stringContaining(stalled) });
		// 30 s of rendering, then a download that hung for the stall timeout: both are waiting time.
		expect(failed.json.elapsedSeconds).toBeGreaterThanOrEqual(30 + STALL_TIMEOUT_MS / 1000);
	});

	it('rejects a poll interval under 5 s before any request', async () => {
		const apiKey = sim.blipix.createAccount();
		const { error } = await run(apiKey, [{ id: 'abc' }], [waitNode({ pollInterval: 1 })]);
		expect(error?.message).toBe('Poll Interval must be at least 5 seconds, not 1');
		expect(error?.description).toBe('Checking more often would not make jobs finish faster, only spend the rate limit.');
		expect(sim.blipix.stats(apiKey).requests).toBe(0);
	});
});

describe('Blipix → Video → Create with "Wait for Render"', () => {
	it('gives the same result as Create followed by Blipix Wait for Render', async () => {
		const prompts = [
			{ prompt: 'same a [render:60]' },
			{ prompt: 'same b [fail][render:60]' },
			{ prompt: 'same c [render:90]' },
		];
		const wait = { pollInterval: 5, maxWait: 30, downloadVideo: true, binaryPropertyName: 'data' };
		const oneStep = await run(sim.blipix.createAccount(), prompts, [createNode({ waitForRender: true, ...wait })]);
		const twoSteps = await run(sim.blipix.createAccount(), prompts, [createNode(), waitNode(wait)]);
		expect(oneStep.error).toBeUndefined();
		expect(twoSteps.error).toBeUndefined();

		// Ids, timestamps and URLs differ between the two runs; everything else must match.
		const comparable = (items: INodeExecutionData[]) =>
			items.map((item) => ({
				pairedItem: item.pairedItem,
				keys: Object.keys(item.json).filter((key) => !['message', 'creditsCost'].includes(key)).sort(),
				status: item.json.status,
				waitResult: item.json.waitResult,
				title: item.json.title,
				binary: item.binary && Object.fromEntries(Object.entries(item.binary).map(([k, v]) => [k, v.mimeType])),
			}));
		const [oneReady, oneFailed] = oneStep.outputs('Create');
		const [twoReady, twoFailed] = twoSteps.outputs('Wait');
		expect(comparable(oneReady)).toEqual(comparable(twoReady));
		expect(comparable(oneFailed)).toEqual(comparable(twoFailed));
		expect(oneReady).toHaveLength(2);
		expect(oneFailed).toHaveLength(1);
	});
});

describe('examples/blipix-prompt-to-video.json', () => {
	it('runs: three prompts → Create → Wait for Render, with the three MP4s downloaded', async () => {
		const apiKey = sim.blipix.createAccount();
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const example = require('../../examples/blipix-prompt-to-video.json') as EngineWorkflow;
		const { outputs, binary, error } = await runWorkflow({
			workflow: example,
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		});
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('Wait for Render');
		expect(failed).toEqual([]);
		expect(ready.map((item) => item.json.title)).toEqual([
			'Top 5 AI Tools In 2026, Upbeat And Punchy',
			'Why Octopuses Are Smarter Than You Think',
			'Three Stoic Habits For A Calmer Morning',
		]);
		for (const [index, item] of ready.entries()) {
			expect((await binary('Wait for Render', index, 'data')).equals(sim.blipix.videoFile(item.json.id as string))).toBe(true);
		}
	});
});
