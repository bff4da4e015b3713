import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { ClipMixApi } from '../../credentials/ClipMixApi.credentials';
import { runWorkflow, testCredential } from '../engine';
import type { EngineWorkflow } from '../engine';
import { CLIPMIX_TYPE, chainWorkflow, clipMixCredentials, credentialTypes, nodeTypes } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

// 300 simulated seconds per real second: a 2-minute song takes 0.4 s.
const TIME_SCALE = 300;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 5);
});

afterAll(async () => await stopScaledSimulator(sim));

type NodeSpec = Parameters<typeof chainWorkflow>[1][number];

const clipMix = (parameters: INodeParameters, extra: Partial<NodeSpec> = {}): NodeSpec => ({
	name: 'ClipMix',
	type: CLIPMIX_TYPE,
	parameters,
	...extra,
});

async function run(apiKey: string, chain: NodeSpec[], items: IDataObject[] = [{}]) {
	const result = await runWorkflow({
		workflow: chainWorkflow(items, chain),
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey),
	});
	return result;
}

const liveKey = () => sim.clipmix.createAccount({ credits: 10_000 }).liveKey;
const requestsOf = (apiKey: string) => sim.clipmix.requestLog.filter((entry) => entry.apiKey === apiKey);
const chargesOf = (apiKey: string) => sim.clipmix.ledger.filter((entry) => entry.apiKey === apiKey);

const music = (extra: INodeParameters = {}): INodeParameters => ({
	resource: 'music',
	operation: 'create',
	prompt: 'Uplifting synthwave with female vocals',
	lyrics: '[verse]\nRunning through neon lights',
	durationSeconds: 60,
	...extra,
});

describe('ClipMix credential', () => {
	const check = async (apiKey: string) =>
		await testCredential({ credentialType: new ClipMixApi(), data: { baseUrl: sim.clipmix.baseUrl, apiKey } });

	it('accepts live and sandbox keys', async () => {
		const { liveKey: live, testKey } = sim.clipmix.createAccount();
		expect(await check(live)).toMatchObject({ status: 'OK' });
		expect(await check(testKey)).toMatchObject({ status: 'OK' });
	});

	it('refuses a key with neither prefix in its own words, and sends it nowhere', async () => {
		const before = sim.clipmix.requestLog.length;
		const result = await check('pk_live_looksLikeAnotherServicesKey');
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/^This is not a ClipMix API key: ClipMix keys start with sk_live_/) });
		expect(sim.clipmix.requestLog.length).toBe(before);
	});

	it('refuses a bad key and a live key without a purchase, in words', async () => {
		const bad = await check('sk_live_not_a_key');
		expect(bad.status).toBe('Error');
		const unpaid = await check(sim.clipmix.createAccount({ purchased: false }).liveKey);
		expect(unpaid.status).toBe('Error');
		expect(unpaid.message).toMatch(/credit purchase|Forbidden/i);
	});
});

describe('Custom API Call: the HTTP Request node with the ClipMix credential', () => {
	const httpRequest = (url: string) => ({
		name: 'HTTP Request',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: { method: 'GET', url, authentication: 'predefinedCredentialType', nodeCredentialType: 'clipMixApi', options: {} },
		credentials: { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } },
	});

	it('sends a ClipMix key as the credential says', async () => {
		const apiKey = liveKey();
		const id = (await run(apiKey, [clipMix(music())])).json('ClipMix')[0].id as string;
		const { json, error } = await run(apiKey, [httpRequest(`${sim.clipmix.baseUrl}/music/${id}`)]);
		expect(error).toBeUndefined();
		expect(json('HTTP Request')[0]).toMatchObject({ id, service: 'music' });
	});

	it('refuses a key with neither prefix in our words, before any request', async () => {
		const before = sim.clipmix.requestLog.length;
		const { error } = await run('pk_live_looksLikeAnotherServicesKey', [httpRequest(`${sim.clipmix.baseUrl}/music/mus_anything`)]);
		expect(`${error?.message} ${error?.description}`).toMatch(/This is not a ClipMix API key: ClipMix keys start with sk_live_/);
		expect(sim.clipmix.requestLog.length).toBe(before);
	});
});

describe('ClipMix creates and gets, for every service', () => {
	const cases: Array<[string, INodeParameters, IDataObject, number]> = [
		['music', music(), { prompt: 'Uplifting synthwave with female vocals', lyrics: '[verse]\nRunning through neon lights', duration_seconds: 60 }, 60],
		[
			'translation',
			{ resource: 'translation', operation: 'create', videoUrl: 'https://cdn.example.com/ep12.mp4', targetLanguages: ['es', 'de'], voiceCloning: true, qualityTier: 'premium' },
			{ video_url: 'https://cdn.example.com/ep12.mp4', target_languages: ['es', 'de'], voice_cloning: true, tier: 'premium' },
			380,
		],
		[
			'memoryVideo',
			{ resource: 'memoryVideo', operation: 'create', mode: 'story', photoUrls: 'https://p.example.com/1.jpg\nhttps://p.example.com/2.jpg, https://p.example.com/3.jpg', title: 'Grandma at 90' },
			{ mode: 'story', photo_urls: ['https://p.example.com/1.jpg', 'https://p.example.com/2.jpg', 'https://p.example.com/3.jpg'], title: 'Grandma at 90' },
			100,
		],
		[
			'avatar',
			{ resource: 'avatar', operation: 'create', faceImageUrl: 'https://p.example.com/face.jpg', avatarInput: 'script', script: 'Hello there', durationSeconds: 30, qualityTier: 'balanced' },
			{ face_image_url: 'https://p.example.com/face.jpg', script: 'Hello there', duration_seconds: 30, tier: 'balanced' },
			450,
		],
	];

	it.each(cases)('%s: Create sends the mapped fields and an Idempotency-Key; Get reads the job', async (resource, parameters, body, credits) => {
		const apiKey = liveKey();
		const created = await run(apiKey, [clipMix(parameters)]);
		expect(created.error).toBeUndefined();
		const job = created.json('ClipMix')[0];
		expect(job).toMatchObject({ status: 'processing', test: false, service: resource });
		expect(sim.clipmix.job(job.id as string)?.input).toMatchObject(body);
		expect(chargesOf(apiKey).map((charge) => charge.credits)).toEqual([credits]);
		expect(requestsOf(apiKey)[0].idempotencyKey).toMatch(/^n8n-[0-9a-f]{40}$/);

		const got = await run(apiKey, [clipMix({ resource, operation: 'get', jobId: job.id as string })]);
		expect(got.json('ClipMix')[0]).toMatchObject({ id: job.id, service: resource });
	});

	it('passes Additional Fields (JSON) through to the body', async () => {
		const apiKey = liveKey();
		const created = await run(apiKey, [
			clipMix({ resource: 'avatar', operation: 'create', faceImageUrl: 'https://p.example.com/f.jpg', avatarInput: 'faceswap', targetVideoUrl: 'https://v.example.com/t.mp4', qualityTier: 'fast', additionalFields: '{"duration_seconds": 12}' }),
		]);
		expect(created.error).toBeUndefined();
		expect(sim.clipmix.job(created.json('ClipMix')[0].id as string)?.input).toMatchObject({
			target_video_url: 'https://v.example.com/t.mp4',
			duration_seconds: 12,
		});
	});
});

describe('ClipMix idempotency', () => {
	it('a create whose answer is lost is retried with the same key and charged once', async () => {
		const apiKey = liveKey();
		sim.clipmix.failNext(1, 'drop');
		const { json, error } = await run(apiKey, [clipMix(music())]);
		expect(error).toBeUndefined();
		const posts = requestsOf(apiKey).filter((entry) => entry.method === 'POST');
		expect(posts).toHaveLength(2);
		expect(posts[1].idempotencyKey).toBe(posts[0].idempotencyKey);
		expect(posts[1].replayed).toBe(true);
		expect(chargesOf(apiKey)).toHaveLength(1);
		expect(json('ClipMix')[0].id).toBe(chargesOf(apiKey)[0].jobId);
	});

	it("n8n's Retry On Fail reuses the key too, so it never pays twice", async () => {
		const apiKey = liveKey();
		// Four lost answers: more than the node's own retries, so the node fails and n8n retries it.
		sim.clipmix.failNext(4, 'drop');
		const { json, error } = await run(apiKey, [
			clipMix(music(), { retryOnFail: true, maxTries: 2, waitBetweenTries: 0 }),
		]);
		expect(error).toBeUndefined();
		const keys = new Set(requestsOf(apiKey).map((entry) => entry.idempotencyKey));
		expect(requestsOf(apiKey).length).toBe(5);
		expect(keys.size).toBe(1);
		expect(chargesOf(apiKey)).toHaveLength(1);
		expect(json('ClipMix')[0].id).toBe(chargesOf(apiKey)[0].jobId);
	});

	it('different items and runs get different keys', async () => {
		const apiKey = liveKey();
		await run(apiKey, [clipMix(music({ prompt: '={{ $json.p }}' }))], [{ p: 'one' }, { p: 'two' }]);
		await run(apiKey, [clipMix(music({ prompt: '={{ $json.p }}' }))], [{ p: 'one' }]);
		const keys = requestsOf(apiKey).map((entry) => entry.idempotencyKey);
		expect(new Set(keys).size).toBe(3);
		expect(chargesOf(apiKey)).toHaveLength(3);
	});

	it('a custom key reused with a different body is a clear error, and nothing is charged', async () => {
		const apiKey = liveKey();
		const first = await run(apiKey, [clipMix(music({ options: { idempotencyKey: 'order-42' } }))]);
		expect(first.error).toBeUndefined();
		const again = await run(apiKey, [clipMix(music({ prompt: 'Something else', options: { idempotencyKey: 'order-42' } }))]);
		expect(again.error?.message).toBe('This Idempotency-Key was already used with a different request');
		expect(again.error?.description).toMatch(/order-42/);
		expect(chargesOf(apiKey)).toHaveLength(1);
	});
});

describe('ClipMix sandbox', () => {
	it('an sk_test_ key charges nothing, keeps test: true, and says so', async () => {
		const { testKey } = sim.clipmix.createAccount();
		const { json, run: execution } = await run(testKey, [clipMix(music())]);
		expect(json('ClipMix')[0]).toMatchObject({ test: true, status: 'completed' });
		expect(chargesOf(testKey)).toHaveLength(0);
		const hints = execution.data.resultData.runData.ClipMix[0].hints ?? [];
		expect(hints.map((hint) => hint.message)).toContain(
			'Sandbox mode (sk_test_ key): nothing was charged, and the results are synthetic.',
		);
	});
});

describe('ClipMix waiting and downloading', () => {
	const waitNode = (parameters: INodeParameters = {}) =>
		clipMix({ resource: 'job', operation: 'waitForCompletion', service: 'music', pollInterval: 5, maxWait: 10, ...parameters }, { name: 'Wait' });

	it('Job → Wait for Completion: completed on Ready with the file, failed and stuck on Failed or Timed Out', async () => {
		const apiKey = liveKey();
		const prompts = [{ p: 'ok [render:60]' }, { p: 'broken [fail][render:30]' }, { p: 'stuck [never]' }, { p: 'ok too [render:120]' }];
		const { outputs, error, binary } = await run(
			apiKey,
			[clipMix(music({ prompt: '={{ $json.p }}' })), waitNode({ binaryPropertyName: 'song' })],
			prompts,
		);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('Wait');
		const indexes = (items: INodeExecutionData[]) => items.map((item) => (item.pairedItem as { item: number }).item);
		expect(indexes(ready)).toEqual([0, 3]);
		expect(indexes(failed)).toEqual([1, 2]);
		expect(failed.map((item) => item.json.waitResult)).toEqual(['failed', 'timedOut']);
		expect(failed[0].json.reason).toMatch(/ClipMix reports the job as failed/);
		expect(ready[0].binary?.song.mimeType).toBe('audio/mp4');
		expect((await binary('Wait', 0, 'song')).equals(sim.clipmix.resultFile(ready[0].json.id as string))).toBe(true);
	});

	it('Create with "Wait for Completion" gives the same outputs in one step', async () => {
		const apiKey = liveKey();
		const { outputs, error } = await run(
			apiKey,
			[clipMix(music({ prompt: '={{ $json.p }}', waitForCompletion: true, pollInterval: 5, maxWait: 10, downloadResult: false }))],
			[{ p: 'fine [render:60]' }, { p: 'nope [fail][render:60]' }],
		);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('ClipMix');
		expect(ready.map((item) => item.json.status)).toEqual(['completed']);
		expect(failed.map((item) => item.json.waitResult)).toEqual(['failed']);
	});

	it('Job → Download Result streams the exact file; an unfinished job is a clear error', async () => {
		const apiKey = liveKey();
		const created = await run(apiKey, [clipMix({ resource: 'translation', operation: 'create', videoUrl: 'https://v.example.com/a.mp4?x=[render:30]', targetLanguages: ['fr'], qualityTier: 'standard' })]);
		const id = created.json('ClipMix')[0].id as string;
		const early = await run(apiKey, [clipMix({ resource: 'job', operation: 'downloadResult', service: 'translation', jobId: id })]);
		expect(early.error?.message).toBe(`Job "${id}" is not completed yet`);

		await new Promise((resolve) => setTimeout(resolve, (30_000 / TIME_SCALE) + 100));
		const done = await run(apiKey, [clipMix({ resource: 'job', operation: 'downloadResult', service: 'translation', jobId: id })]);
		expect(done.error).toBeUndefined();
		expect((await done.binary('ClipMix', 0, 'data')).equals(sim.clipmix.resultFile(id))).toBe(true);
	});

	it('examples/clipmix-music.json runs: create a song, wait, download', async () => {
		const apiKey = liveKey();
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const example = require('../../examples/clipmix-music.json') as EngineWorkflow;
		const fast = structuredClone(example);
		for (const node of fast.nodes) if (node.parameters.pollInterval) node.parameters.pollInterval = 5;
		const { outputs, error, binary } = await runWorkflow({
			workflow: fast,
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey),
		});
		expect(error).toBeUndefined();
		const [ready] = outputs('Wait and Download');
		expect(ready).toHaveLength(1);
		expect((await binary('Wait and Download', 0, 'song')).equals(sim.clipmix.resultFile(ready[0].json.id as string))).toBe(true);
	});
});

describe('ClipMix bad input fails before any request', () => {
	it.each<[string, INodeParameters, string]>([
		['empty prompt', music({ prompt: '  ' }), 'Prompt is empty'],
		['fractional duration', music({ durationSeconds: 12.5 }), 'Duration Seconds must be a whole number at least 1, not 12.5'],
		['invalid JSON', music({ additionalFields: '{"a":' }), 'Additional Fields (JSON) is not valid JSON'],
		['JSON array', music({ additionalFields: '[1]' }), 'Additional Fields (JSON) must be a JSON object, like {"field": "value"}'],
		['bad video URL', { resource: 'translation', operation: 'create', videoUrl: 'file:///etc/passwd', targetLanguages: ['es'], qualityTier: 'standard' }, 'Video URL is not a web address: "file:///etc/passwd"'],
		// An empty required field is refused by n8n itself; an expression that yields nothing reaches the node.
		['no languages', { resource: 'translation', operation: 'create', videoUrl: 'https://v.example.com/a.mp4', targetLanguages: '={{ [] }}', qualityTier: 'standard' }, 'Target Languages is empty'],
		['unknown tier', { resource: 'translation', operation: 'create', videoUrl: 'https://v.example.com/a.mp4', targetLanguages: ['es'], qualityTier: '={{ "ultra" }}' }, 'Unknown quality tier "ultra"'],
		['unknown mode', { resource: 'memoryVideo', operation: 'create', mode: '={{ "saga" }}', photoUrls: 'https://p.example.com/1.jpg' }, 'Unknown mode "saga"'],
		['a bad photo URL', { resource: 'memoryVideo', operation: 'create', mode: 'album', photoUrls: 'https://p.example.com/1.jpg\nnot a url' }, 'Photo URLs has an entry that is not a web address: "not a url"'],
		['no script', { resource: 'avatar', operation: 'create', faceImageUrl: 'https://p.example.com/f.jpg', avatarInput: 'script', script: '={{ "" }}', qualityTier: 'fast' }, 'Script is empty'],
	])('%s', async (_case, parameters, message) => {
		const apiKey = liveKey();
		const { error } = await run(apiKey, [clipMix(parameters)]);
		expect(error?.message).toBe(message);
		expect(requestsOf(apiKey)).toHaveLength(0);
	});

	it('a key with neither prefix gets a hint, and no request', async () => {
		const before = sim.clipmix.requestLog.length;
		const { error } = await run('pk_live_oops', [clipMix(music())]);
		expect(error?.message).toBe('This does not look like a ClipMix API key');
		expect(error?.description).toMatch(/sk_live_ .* or sk_test_/);
		expect(sim.clipmix.requestLog.length).toBe(before);
	});
});

describe('ClipMix API errors', () => {
	it('Continue On Fail: each failure becomes an item, with pairedItem on every output', async () => {
		const apiKey = liveKey();
		const created = await run(apiKey, [clipMix(music())]);
		const id = created.json('ClipMix')[0].id as string;
		const { outputs, error } = await run(
			apiKey,
			[clipMix({ resource: 'music', operation: 'get', jobId: '={{ $json.id }}' }, { onError: 'continueRegularOutput' })],
			[{ id }, { id: 'mus_missing' }],
		);
		expect(error).toBeUndefined();
		const items = outputs('ClipMix')[0];
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items[0].json.id).toBe(id);
		expect(items[1].json.error).toBe('No ClipMix music job with ID "mus_missing"');
	});

	it('too few credits and a live key without a purchase are explained', async () => {
		const poor = sim.clipmix.createAccount({ credits: 10 }).liveKey;
		expect((await run(poor, [clipMix(music())])).error?.message).toMatch(/^Not enough ClipMix credits/);
		const unpaid = sim.clipmix.createAccount({ purchased: false }).liveKey;
		expect((await run(unpaid, [clipMix(music())])).error?.message).toBe('This live ClipMix key cannot be used yet');
	});
});
