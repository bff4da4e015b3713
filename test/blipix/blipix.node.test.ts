import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { BlipixApi } from '../../credentials/BlipixApi.credentials';
import { Blipix } from '../../nodes/Blipix/Blipix.node';
import { loadOptions, runWorkflow, testCredential } from '../engine';
import type { RunWorkflowOptions } from '../engine';
import {
	BLIPIX_TYPE,
	blipixCredentials,
	credentialTypes,
	nodeTypes,
	singleNodeWorkflow,
} from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

// One simulated minute per real second: rate-limit windows and renders take seconds.
const TIME_SCALE = 60;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 7);
});

afterAll(async () => await stopScaledSimulator(sim));

async function run(
	parameters: INodeParameters,
	opts: { items?: IDataObject[]; apiKey?: string; continueOnFail?: boolean; extra?: Partial<RunWorkflowOptions> } = {},
) {
	const apiKey = opts.apiKey ?? sim.blipix.createAccount();
	const result = await runWorkflow({
		workflow: singleNodeWorkflow(BLIPIX_TYPE, parameters, opts.items, {
			...(opts.continueOnFail ? { onError: 'continueRegularOutput' } : {}),
		}),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		...opts.extra,
	});
	return { ...result, apiKey };
}

async function createReadyVideo(apiKey: string, prompt = 'Top 5 AI tools [render:30]') {
	const created = await run(
		{ resource: 'video', operation: 'create', prompt, voice: 'alloy' },
		{ apiKey },
	);
	const id = created.json('Node')[0].id as string;
	// 30 simulated seconds at 60x is half a real second.
	for (let i = 0; i < 100 && sim.blipix.video(id)?.status !== 'ready'; i++) {
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return id;
}

describe('Blipix credential', () => {
	it('answers OK for a valid key and a clear error for a bad one', async () => {
		const credentialType = new BlipixApi();
		const ok = await testCredential({
			credentialType,
			data: { baseUrl: sim.blipix.baseUrl, apiKey: sim.blipix.createAccount() },
		});
		expect(ok.status).toBe('OK');

		const bad = await testCredential({
			credentialType,
			data: { baseUrl: sim.blipix.baseUrl, apiKey: 'blx_not_a_real_key' },
		});
		expect(bad.status).toBe('Error');
		// n8n's own wording in the credential dialog for a 401.
		expect(bad.message).toBe('Authorization failed - please check your credentials');
	});
});

describe('Blipix dropdowns', () => {
	const load = async (method: string) =>
		await loadOptions({
			nodeType: new Blipix(),
			nodeTypeName: BLIPIX_TYPE,
			method,
			parameters: { resource: 'video', operation: 'create' },
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, sim.blipix.createAccount()),
		});

	it('lists voices as "Name (language, gender)" with the voiceId as value', async () => {
		const voices = await load('getVoices');
		expect(voices).toHaveLength(30);
		expect(voices).toContainEqual({ name: 'Alloy (en, female)', value: 'alloy' });
		expect(voices.map((v) => v.name)).toEqual([...voices.map((v) => v.name)].sort((a, b) => a.localeCompare(b)));
	});

	it('lists the styles by name', async () => {
		const styles = await load('getStyles');
		expect(styles).toHaveLength(25);
		expect(styles).toContainEqual({ name: 'Cinematic', value: 'Cinematic' });
		expect(styles).toContainEqual({ name: 'Anime', value: 'Anime' });
	});
});

describe('Blipix node operations', () => {
	it('Account → Get returns the account with its credits', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 120 });
		const { json } = await run({ resource: 'account', operation: 'get' }, { apiKey });
		expect(json('Node')).toHaveLength(1);
		expect(json('Node')[0].credits).toEqual({ used: 0, total: 120, remaining: 120 });
	});

	it('Style → Get Many returns one item per style', async () => {
		const { json } = await run({ resource: 'style', operation: 'getAll' });
		expect(json('Node')).toHaveLength(25);
		expect(json('Node')[0]).toHaveProperty('name');
	});

	it('Voice → Get Many returns one item per voice, filtered by language and gender', async () => {
		const all = await run({ resource: 'voice', operation: 'getAll' });
		expect(all.json('Node')).toHaveLength(30);

		const filtered = await run({
			resource: 'voice',
			operation: 'getAll',
			filters: { language: 'EN', gender: 'male' },
		});
		const voices = filtered.json('Node');
		expect(voices.length).toBeGreaterThan(0);
		expect(voices.length).toBeLessThan(30);
		for (const voice of voices) expect(voice).toMatchObject({ language: 'en', gender: 'male' });
	});

	it('Video → Create returns the documented fields and spends the documented credits', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 100 });
		const { json } = await run(
			{
				resource: 'video',
				operation: 'create',
				prompt: 'Top 5 AI Tools in 2026',
				voice: 'nova',
				style: 'Anime',
				duration: '90-120',
				aspectRatio: '16:9',
				language: 'fil',
			},
			{ apiKey },
		);
		const created = json('Node')[0];
		expect(created).toEqual({
			id: expect.any(String),
			status: 'processing',
			message: expect.any(String),
			creditsCost: 20,
		});
		expect(sim.blipix.video(created.id as string)).toMatchObject({ aspectRatio: '16:9' });
		expect(sim.blipix.stats(apiKey).creditsSpent).toBe(20);
	});

	it('Video → Get and Get Many return the video, with script and audioUrl on Get', async () => {
		const apiKey = sim.blipix.createAccount();
		const id = await createReadyVideo(apiKey);

		const got = (await run({ resource: 'video', operation: 'get', videoId: id }, { apiKey })).json('Node')[0];
		expect(got).toMatchObject({ id, status: 'ready', renderStatus: 'completed' });
		expect(got.script).toEqual(expect.any(String));
		expect(got.audioUrl).toEqual(expect.any(String));

		const many = await run(
			{ resource: 'video', operation: 'getAll', limit: 5, filters: { status: 'ready' } },
			{ apiKey },
		);
		expect(many.json('Node').map((v) => v.id)).toEqual([id]);
		const processing = await run(
			{ resource: 'video', operation: 'getAll', limit: 5, filters: { status: 'processing' } },
			{ apiKey },
		);
		expect(processing.json('Node')).toEqual([]);
	});

	it('Video → Download streams the MP4 (and thumbnail) into binary data; the CDN never sees the key', async () => {
		const apiKey = sim.blipix.createAccount();
		const id = await createReadyVideo(apiKey, 'Cats: a history/overview [render:20]');
		const cdnBefore = sim.cdnRequests.length;

		const video = await run(
			{ resource: 'video', operation: 'download', videoId: id, file: 'video', binaryPropertyName: 'movie' },
			{ apiKey },
		);
		const item = video.outputs('Node')[0][0];
		expect(item.json.id).toBe(id);
		expect(item.binary?.movie.mimeType).toBe('video/mp4');
		const title = sim.blipix.video(id)?.title as string;
		expect(item.binary?.movie.fileName).toBe(`${title.replace(/[\\/:*?"<>|]+/g, '-')}.mp4`);
		expect((await video.binary('Node', 0, 'movie')).equals(sim.blipix.videoFile(id))).toBe(true);

		const thumb = await run(
			{ resource: 'video', operation: 'download', videoId: id, file: 'thumbnail', binaryPropertyName: 'data' },
			{ apiKey },
		);
		expect((await thumb.binary('Node', 0, 'data')).equals(sim.blipix.thumbnailFile(id))).toBe(true);

		const cdnHits = sim.cdnRequests.slice(cdnBefore);
		expect(cdnHits.length).toBeGreaterThanOrEqual(2);
		for (const hit of cdnHits) expect(hit.authorization).toBeUndefined();
	});

	it('Video → Download of a video still rendering fails with a clear error', async () => {
		const apiKey = sim.blipix.createAccount();
		const created = await run(
			{ resource: 'video', operation: 'create', prompt: 'slow one [never]', voice: 'alloy' },
			{ apiKey },
		);
		const id = created.json('Node')[0].id as string;
		const { error } = await run({ resource: 'video', operation: 'download', videoId: id, file: 'video' }, { apiKey });
		expect(error?.message).toBe(`Video "${id}" is not ready yet`);
	});
});

describe('Blipix bad input fails before any request', () => {
	const base = { resource: 'video', operation: 'create', prompt: 'A prompt', voice: 'alloy' };
	it.each([
		[{ prompt: '   ' }, 'Prompt is empty'],
		// An empty field is refused by n8n itself; an expression that yields nothing reaches the node.
		[{ voice: '={{ $json.missing }}' }, 'Voice is empty'],
		[{ duration: '={{ "45-50" }}' }, 'Unknown duration "45-50"'],
		[{ aspectRatio: '={{ "4:3" }}' }, 'Unknown aspect ratio "4:3"'],
		[{ language: '={{ "xx" }}' }, 'Unknown language "xx"'],
	])('%j → %s', async (override, message) => {
		const { error, apiKey } = await run({ ...base, ...override });
		expect(error?.message).toBe(message);
		expect(sim.blipix.stats(apiKey).requests).toBe(0);
	});

	it('an out-of-range limit by expression fails before any request', async () => {
		const { error, apiKey } = await run({ resource: 'video', operation: 'getAll', limit: '={{ 500 }}' });
		expect(error?.message).toMatch(/Limit must be a whole number from 1 to 100/);
		expect(sim.blipix.stats(apiKey).requests).toBe(0);
	});
});

describe('Blipix credit pre-check', () => {
	it('fails the item naming both numbers and spends nothing', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 15 });
		const { error } = await run(
			{
				resource: 'video',
				operation: 'create',
				prompt: 'Too expensive',
				voice: 'alloy',
				duration: '90-120',
				options: { checkCreditsFirst: true },
			},
			{ apiKey },
		);
		expect(error?.message).toBe(
			'Not enough Blipix credits: this video costs 20 credits, but only 15 remain',
		);
		expect(sim.blipix.stats(apiKey)).toMatchObject({ creates: 0, creditsSpent: 0 });
	});

	it('lets the create through when the credits cover it', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 20 });
		const { json } = await run(
			{
				resource: 'video',
				operation: 'create',
				prompt: 'Just affordable',
				voice: 'alloy',
				duration: '90-120',
				options: { checkCreditsFirst: true },
			},
			{ apiKey },
		);
		expect(json('Node')[0].creditsCost).toBe(20);
		expect(sim.blipix.stats(apiKey).creditsSpent).toBe(20);
	});
});

describe('Blipix API errors', () => {
	it('Continue On Fail turns each failure into an item, with pairedItem on every output', async () => {
		const apiKey = sim.blipix.createAccount();
		const id = await createReadyVideo(apiKey);
		const { outputs, error } = await run(
			{ resource: 'video', operation: 'get', videoId: '={{ $json.videoId }}' },
			{ apiKey, continueOnFail: true, items: [{ videoId: id }, { videoId: 'nope' }, { videoId: id }] },
		);
		expect(error).toBeUndefined();
		const items = outputs('Node')[0];
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json.id).toBe(id);
		expect(items[1].json.error).toBe('No Blipix video with ID "nope"');
		expect(items[2].json.id).toBe(id);
	});

	it('a bad key is reported in plain words', async () => {
		const { error } = await run({ resource: 'account', operation: 'get' }, { apiKey: 'blx_revoked' });
		expect(error?.message).toBe('Blipix rejected the API key');
		expect((error as { description?: string }).description).toMatch(/starts with blx_/);
	});

	it('5xx blips on reads are retried; a create answered 5xx is not re-sent', async () => {
		const apiKey = sim.blipix.createAccount();
		sim.blipix.failNext(2, 503);
		const read = await run({ resource: 'account', operation: 'get' }, { apiKey });
		expect(read.error).toBeUndefined();

		sim.blipix.failNext(1, 502);
		const create = await run(
			{ resource: 'video', operation: 'create', prompt: 'x', voice: 'alloy', checkCredits: false },
			{ apiKey },
		);
		expect(create.error?.message).toBe(
			'Blipix did not confirm this create (it answered HTTP 502); it was not sent again, because a second create could pay twice',
		);
		expect(create.error?.description).toMatch(/^No new video appeared on your Blipix account since it was sent/);
		expect(sim.blipix.stats(apiKey)).toMatchObject({ creates: 0, creditsSpent: 0 });
		expect(sim.blipix.requestLog.filter((r) => r.apiKey === apiKey && r.method === 'POST')).toHaveLength(1);
	});

	it('a lasting 429 storm ends in a rate-limit error, not a hang', async () => {
		const apiKey = sim.blipix.createAccount();
		sim.blipix.failNext(10_000, 429);
		const { error } = await run({ resource: 'account', operation: 'get' }, { apiKey });
		sim.blipix.reset();
		expect(error?.message).toBe('Blipix rate limit reached');
	});
});

describe('Blipix pacing', () => {
	it('80 Get calls in one execution reach the user with zero 429s', async () => {
		const apiKey = sim.blipix.createAccount();
		const items = Array.from({ length: 80 }, () => ({}));
		const { json, error } = await run({ resource: 'account', operation: 'get' }, { apiKey, items });
		expect(error).toBeUndefined();
		expect(json('Node')).toHaveLength(80);
		const stats = sim.blipix.stats(apiKey);
		expect(stats.rateLimited).toBe(0);
		expect(stats.requests).toBe(80);
	});
});
