/**
 * The other plausible servers: where the docs are silent, the simulator plays another choice
 * than our first guess (its options, off by default), and every paid thing must still come out.
 */
import { createHmac } from 'node:crypto';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { deliverWebhook, runWorkflow } from '../engine';
import type { EngineCredentials } from '../engine';
import {
	BLIPIX_TYPE,
	CLIPMIX_TRIGGER_TYPE,
	CLIPMIX_TYPE,
	WAIT_TYPE,
	blipixCredentials,
	chainWorkflow,
	clipMixCredentials,
	credentialTypes,
	nodeTypes,
} from '../helpers/nodes';
import { startSimulator } from '../simulator';
import type { Simulator, SimulatorOptions } from '../simulator';

const TIME_SCALE = 300;

/** A simulator with one other choice, the package's clock following it, for one test. */
async function withServer(options: Omit<SimulatorOptions, 'timeScale'>, test: (sim: Simulator) => Promise<void>, timeScale = TIME_SCALE) {
	const sim = await startSimulator({ timeScale, seed: 41, ...options });
	clock.follow(timeScale, sim.simNow());
	try {
		await test(sim);
	} finally {
		clock.follow(1, Date.now());
		await sim.close();
	}
}

type Chain = Parameters<typeof chainWorkflow>[1];

/** The chain after a Manual Trigger with these items, with the credential of the API it calls. */
async function runChain(credentials: EngineCredentials, items: IDataObject[], chain: Chain) {
	return await runWorkflow({ workflow: chainWorkflow(items, chain), nodeTypes, credentialTypes, credentials });
}

const runBlipix = async (sim: Simulator, apiKey: string, items: IDataObject[], chain: Chain) =>
	await runChain(blipixCredentials(sim.blipix.baseUrl, apiKey), items, chain);
const runClipMix = async (sim: Simulator, apiKey: string, items: IDataObject[], chain: Chain) =>
	await runChain(clipMixCredentials(sim.clipmix.baseUrl, apiKey), items, chain);

const blipix = (parameters: INodeParameters) => ({ name: 'Blipix', type: BLIPIX_TYPE, parameters });
const clipMix = (parameters: INodeParameters) => ({ name: 'ClipMix', type: CLIPMIX_TYPE, parameters });
const createVideo = (extra: INodeParameters = {}) =>
	blipix({ resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', checkCredits: false, ...extra });
const music = (extra: INodeParameters = {}) =>
	clipMix({ resource: 'music', operation: 'create', prompt: 'Synthwave [render:30]', durationSeconds: 30, ...extra });
const itemOf = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;

describe('a Blipix create whose answer is lost after the video was made', () => {
	it.each([
		['a 502', 502],
		['a reset', 'drop'],
	] as const)('is found and adopted after %s, never sent twice', async (_, fault) => {
		await withServer({}, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			sim.blipix.failNext(1, fault, { afterCommit: true });
			const { json, error } = await runBlipix(sim, apiKey, [{ prompt: 'lost answer [render:30]' }], [createVideo()]);
			expect(error).toBeUndefined();
			const [video] = json('Blipix');
			expect(video).toMatchObject({ recovered: true, id: expect.any(String), creditsCost: 10 });
			expect(sim.blipix.video(video.id as string)?.prompt).toContain('lost answer');
			expect(sim.blipix.stats(apiKey)).toMatchObject({ creates: 1, creditsSpent: 10 });
			expect(sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey && entry.method === 'POST')).toHaveLength(1);
		});
	});

	it('is waited on like any other when the wait switch is on', async () => {
		await withServer({}, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			sim.blipix.failNext(1, 503, { afterCommit: true });
			const { outputs, error } = await runBlipix(sim, apiKey, [{ prompt: 'a [render:30]' }, { prompt: 'b [render:30]' }], [
				createVideo({ waitForRender: true, pollInterval: 5, downloadVideo: false }),
			]);
			expect(error).toBeUndefined();
			const [ready, failed] = outputs('Blipix');
			expect(ready.map(itemOf)).toEqual([0, 1]);
			expect(failed).toEqual([]);
			expect(ready[0].json.id).not.toBe(ready[1].json.id);
		});
	});

	it('is not adopted when two executions lose their answers at once: both fail and list the candidates', async () => {
		await withServer({}, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			sim.blipix.failNext(2, 'drop', { afterCommit: true });
			const [one, two] = await Promise.all([
				runBlipix(sim, apiKey, [{ prompt: 'first [render:30]' }], [createVideo({ aspectRatio: '16:9' })]),
				runBlipix(sim, apiKey, [{ prompt: 'second [render:30]' }], [createVideo({ aspectRatio: '16:9' })]),
			]);
			for (const run of [one, two]) {
				expect(run.error?.message).toMatch(/^Blipix did not confirm this create \(no answer came back\); it was not sent again/);
			}
			const made = sim.blipix.faultStats().lostCreates.map((lost) => lost.id);
			expect(made).toHaveLength(2);
			for (const id of made) {
				expect(one.error?.description).toContain(id);
				expect(two.error?.description).toContain(id);
			}
		});
	});
});

describe('a lost create whose lookups fail too', () => {
	it('Blipix: a failed look is a look not taken; the next one adopts the video', async () => {
		await withServer({}, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			sim.blipix.failNext(1, 'drop', { afterCommit: true });
			sim.blipix.failNext(4, 503);
			const { json, error } = await runBlipix(sim, apiKey, [{ prompt: 'looked twice [render:30]' }], [createVideo()]);
			expect(error).toBeUndefined();
			expect(json('Blipix')[0]).toMatchObject({ recovered: true, id: sim.blipix.faultStats().lostCreates[0].id });
		});
	});

	it('ClipMix: the error names the Idempotency-Key, which gets the job back without a second charge', async () => {
		await withServer({}, async (sim) => {
			const apiKey = sim.clipmix.createAccount().liveKey;
			sim.clipmix.failNext(1, 503, { afterCommit: true });
			sim.clipmix.failNext(3, 503);
			const lost = await runClipMix(sim, apiKey, [{}], [music()]);
			const key = /Idempotency-Key within 24 hours \((n8n-[0-9a-f]{40})/.exec(String(lost.error?.description))?.[1];
			expect(key).toBeDefined();
			const again = await runClipMix(sim, apiKey, [{}], [music({ options: { idempotencyKey: key } })]);
			expect(again.error).toBeUndefined();
			const charges = sim.clipmix.ledger.filter((charge) => charge.apiKey === apiKey);
			expect(charges).toHaveLength(1);
			expect(again.json('ClipMix')[0].id).toBe(charges[0].jobId);
		});
	});
});

describe('a Blipix server with other choices', () => {
	it('shows a validation error’s own words and field', async () => {
		await withServer({ blipix: { errorBody: 'detailed' } }, async (sim) => {
			const { error } = await runBlipix(sim, sim.blipix.apiKey, [{ prompt: 'x' }], [createVideo({ voice: 'not-a-voice' })]);
			expect(error?.message).toMatch(/^Blipix rejected the request: Invalid voice "not-a-voice"\. Use a voiceId from GET \/voices/);
			expect(error?.message).not.toMatch(/Validation failed/);
		});
	});

	it('waits for renderStatus completed and a videoUrl, not for status ready', async () => {
		await withServer({ blipix: { readyBeforeRender: true } }, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			const { outputs, error } = await runBlipix(sim, apiKey, [{ prompt: 'r [render:120]' }], [
				createVideo(),
				{ name: 'Wait', type: WAIT_TYPE, parameters: { pollInterval: 5, maxWait: 10, downloadVideo: true } },
			]);
			expect(error).toBeUndefined();
			const [[video]] = outputs('Wait');
			expect(video.json).toMatchObject({ renderStatus: 'completed', videoUrl: expect.any(String) });
			expect(video.binary?.data.fileSize).toBeDefined();
		});
	});
});

describe('a Blipix server that shows videoUrl before the render is completed', () => {
	it('Wait for Render delivers the video once renderStatus is completed, with its file', async () => {
		await withServer({ blipix: { videoUrlBeforeRender: true } }, async (sim) => {
			const apiKey = sim.blipix.createAccount({ credits: 100 });
			const { outputs, error } = await runBlipix(sim, apiKey, [{ prompt: 'u [render:120]' }], [
				createVideo(),
				{ name: 'Wait', type: WAIT_TYPE, parameters: { pollInterval: 5, maxWait: 10, downloadVideo: true } },
			]);
			expect(error).toBeUndefined();
			const [ready, failed] = outputs('Wait');
			expect(failed.map((item) => item.json.reason)).toEqual([]);
			expect(ready[0].json).toMatchObject({ renderStatus: 'completed', videoUrl: expect.any(String) });
			expect(ready[0].binary?.data.fileSize).toBeDefined();
		});
	});
});

describe('a ClipMix server with other choices', () => {
	it.each(['output', 'resultUrl', 'output_url', 'result', 'outputs'] as const)(
		'finds the result file under %s, in a wait with download',
		async (resultShape) => {
			// A download gives up after 60 API seconds without an answer: 600 real ms at 100x. At this file's
			// 300x that is 200 ms, which a loaded machine once missed.
			await withServer({ clipmix: { resultShape } }, async (sim) => {
				const { outputs, error, binary } = await runClipMix(sim, sim.clipmix.liveKey, [{}], [
					music({ waitForCompletion: true, pollInterval: 5, prompt: 'Synthwave [render:10]' }),
				]);
				expect(error).toBeUndefined();
				const [[ready], failed] = outputs('ClipMix');
				expect(failed.map((item) => item.json.reason)).toEqual([]);
				expect((await binary('ClipMix', 0, 'data')).equals(sim.clipmix.resultFile(ready.json.id as string))).toBe(true);
			}, 100);
		},
	);

	it('sends a completed job that names no file to "Failed or Timed Out", saying where it looked', async () => {
		await withServer({ clipmix: { resultShape: 'none' } }, async (sim) => {
			const { outputs, error } = await runClipMix(sim, sim.clipmix.liveKey, [{}, {}], [music({ waitForCompletion: true, pollInterval: 5 })]);
			expect(error).toBeUndefined();
			const [ready, failed] = outputs('ClipMix');
			expect(ready).toEqual([]);
			expect(failed.map(itemOf)).toEqual([0, 1]);
			expect(failed[0].json).toMatchObject({ status: 'completed', waitResult: 'fileFailed', id: expect.stringMatching(/^mus_/) });
			expect(String(failed[0].json.reason)).toMatch(/names no result file.*Looked in result_url, resultUrl, .*output\.files, .*output\.url/);
		});
	});

	it('reads flat error bodies: a purchase needed, too few credits with the numbers', async () => {
		await withServer({ clipmix: { errorBody: 'flat', purchaseErrorCode: 'purchase_required' } }, async (sim) => {
			const noPurchase = sim.clipmix.createAccount({ purchased: false }).liveKey;
			const denied = await runClipMix(sim, noPurchase, [{}], [music()]);
			expect(denied.error?.message).toBe('This live ClipMix key cannot be used yet');

			const poor = sim.clipmix.createAccount({ credits: 12 }).liveKey;
			const broke = await runClipMix(sim, poor, [{}], [music()]);
			expect(broke.error?.message).toMatch(/^Not enough ClipMix credits: .*30.*12/);
		});
	});

	it('reads a 422 as key reuse only when its code says so', async () => {
		await withServer({ clipmix: { validationStatus: 422, errorBody: 'code' } }, async (sim) => {
			const invalid = await runClipMix(sim, sim.clipmix.liveKey, [{}], [music({ additionalFields: '{"duration_seconds": -5}' })]);
			expect(invalid.error?.message).toMatch(/^ClipMix rejected the request: /);
			expect(invalid.error?.message).not.toMatch(/Idempotency/);
		});
	});
});

describe('ClipMix Trigger', () => {
	it('reads the result URL with the same reader as the nodes', async () => {
		const secret = 'whsec_shapes';
		const body = JSON.stringify({
			type: 'job.completed',
			id: 'evt_shape_1',
			data: { id: 'mus_1', service: 'music', status: 'completed', output: { url: 'https://cdn.example.com/mus_1.m4a', format: 'm4a' } },
		});
		const delivery = await deliverWebhook({
			workflow: {
				nodes: [
					{
						id: 't',
						name: 'ClipMix Trigger',
						type: CLIPMIX_TRIGGER_TYPE,
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
						credentials: { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } },
					},
				],
				connections: {},
			},
			triggerNode: 'ClipMix Trigger',
			staticData: {},
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials('http://127.0.0.1:9', 'sk_live_x', secret),
			request: {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'x-clipmix-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
				rawBody: Buffer.from(body),
			},
		});
		expect(delivery.started).toBe(true);
		expect(delivery.run?.json('ClipMix Trigger')[0].resultUrl).toBe('https://cdn.example.com/mus_1.m4a');
	});
});
