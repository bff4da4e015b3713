/**
 * Nothing paid for is lost: every video or job the API created ends in an output item with its
 * id, or is named in a node-level error, whatever fails after it.
 */
import type { IDataObject, INode, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { Blipix } from '../../nodes/Blipix/Blipix.node';
import { clock } from '../../nodes/shared/clock';
import { runWorkflow } from '../engine';
import {
	BLIPIX_TYPE,
	CLIPMIX_TYPE,
	WAIT_TYPE,
	blipixCredentials,
	chainWorkflow,
	clipMixCredentials,
	credentialTypes,
	nodeTypes,
} from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

const TIME_SCALE = 300;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 31);
});

afterAll(async () => await stopScaledSimulator(sim));

type Chain = Parameters<typeof chainWorkflow>[1];

async function runBlipix(apiKey: string, items: IDataObject[], chain: Chain, onError?: INode['onError'], server = sim) {
	return await runWorkflow({
		workflow: chainWorkflow(items, onError ? chain.map((node) => ({ ...node, onError })) : chain),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(server.blipix.baseUrl, apiKey),
	});
}

async function runClipMix(apiKey: string, items: IDataObject[], chain: Chain) {
	return await runWorkflow({
		workflow: chainWorkflow(items, chain),
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey),
	});
}

const create = (extra: INodeParameters = {}) => ({
	name: 'Create',
	type: BLIPIX_TYPE,
	parameters: { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', ...extra },
});
const wait = (extra: INodeParameters = {}) => ({
	name: 'Wait',
	type: WAIT_TYPE,
	parameters: { pollInterval: 5, maxWait: 10, downloadVideo: false, ...extra },
});
const itemOf = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;
const createdIds = (apiKey: string) =>
	sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey && entry.route === 'POST /videos/create' && entry.status === 201).length;

describe('one item never sinks the batch', () => {
	it('Create + Wait for Render: an item that fails to create goes to "Failed or Timed Out"; the others are waited on', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const prompts = ['a [render:30]', 'b [render:30]', '', 'd [render:30]'].map((prompt) => ({ prompt }));
		const { outputs, error } = await runBlipix(apiKey, prompts, [create({ waitForRender: true, pollInterval: 5, downloadVideo: false })]);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('Create');
		expect(ready.map(itemOf)).toEqual([0, 1, 3]);
		expect(failed.map(itemOf)).toEqual([2]);
		expect(failed[0].json).toMatchObject({ waitResult: 'notWaited', reason: expect.stringContaining('Prompt is empty') });
		expect(createdIds(apiKey)).toBe(3);
	});

	it('Create without waiting: a node-level error names every video created before it', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { error, outputs } = await runBlipix(apiKey, [{ prompt: 'one' }, { prompt: 'two' }, { prompt: '' }], [create()]);
		expect(error?.message).toBe('Prompt is empty');
		const ids = sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey && entry.status === 201);
		expect(ids).toHaveLength(2);
		expect(outputs('Create')).toEqual([]);
		const listed = (await runBlipix(apiKey, [{}], [{ name: 'List', type: BLIPIX_TYPE, parameters: { resource: 'video', operation: 'getAll' } }]))
			.json('List')
			.map((video) => video.id as string);
		expect(listed).toHaveLength(2);
		for (const id of listed) expect(error?.description).toContain(id);
		expect(error?.description).toContain('2 videos were created and are paid for');
	});

	it('Blipix Wait for Render: an item with no Video ID goes to "Failed or Timed Out"; the others are still waited on', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const made = await runBlipix(apiKey, [{ prompt: 'y [render:30]' }], [create()]);
		// Item 0 is what Continue On Fail passes on from a failed create: no id.
		const { outputs, error } = await runBlipix(apiKey, [{ error: 'Prompt is empty' }, made.json('Create')[0]], [wait()]);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('Wait');
		expect(ready.map(itemOf)).toEqual([1]);
		expect(failed.map(itemOf)).toEqual([0]);
		expect(failed[0].json).toMatchObject({ waitResult: 'notWaited', reason: 'Video ID is empty' });
	});

	it('a wait whose download fails for one item sends that item to "Failed or Timed Out" with the job, and keeps the others', async () => {
		const apiKey = sim.clipmix.createAccount({ credits: 10_000 }).liveKey;
		const { outputs, error } = await runClipMix(apiKey, [{ n: 0 }, { n: 1 }, { n: 2 }], [
			{
				name: 'ClipMix',
				type: CLIPMIX_TYPE,
				parameters: {
					resource: 'translation',
					operation: 'create',
					videoUrl: `=${sim.cdnUrl}/missing-{{ $json.n }}.mp4?[render:30]`,
					targetLanguages: ['fr'],
					qualityTier: 'standard',
					waitForCompletion: true,
					pollInterval: 5,
					// Item 1 reads its file from a URL the CDN does not have.
					resultUrlField: '={{ $json.n === 1 ? "input.video_url" : "" }}',
				},
			},
		]);
		expect(error).toBeUndefined();
		const [ready, failed] = outputs('ClipMix');
		expect(ready.map(itemOf)).toEqual([0, 2]);
		expect(failed.map(itemOf)).toEqual([1]);
		expect(failed[0].json).toMatchObject({ status: 'completed', waitResult: 'fileFailed', id: expect.stringMatching(/^trn_/) });
		expect(String(failed[0].json.reason)).toMatch(/HTTP 404/);
	});
});

describe('parameters that differ per item are read per item', () => {
	it('each item puts its video into the binary field its own expression names', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 1000 });
		const { outputs, error } = await runBlipix(
			apiKey,
			[{ prompt: 'p [render:30]', field: 'first' }, { prompt: 'q [render:30]', field: 'second' }],
			[create(), wait({ downloadVideo: true, binaryPropertyName: '={{ $("Start").item.json.field }}' })],
		);
		expect(error).toBeUndefined();
		expect(outputs('Wait')[0].map((item) => Object.keys(item.binary ?? {}))).toEqual([['first'], ['second']]);
	});

	it('node-level wait settings take no expressions, and say why', () => {
		const properties = new Blipix().description.properties.filter((property) =>
			['pollInterval', 'maxWait', 'onFailure', 'waitForRender', 'checkCredits'].includes(property.name),
		);
		expect(properties.length).toBeGreaterThanOrEqual(5);
		for (const property of properties) expect(property.noDataExpression).toBe(true);
	});
});

describe('Check Credits First', () => {
	it('is a visible switch, on by default', () => {
		const property = new Blipix().description.properties.find((candidate) => candidate.name === 'checkCredits');
		expect(property).toMatchObject({ type: 'boolean', default: true });
	});

	it('checks the whole batch with one GET /me, in item order, and fails only the items that no longer fit', async () => {
		const apiKey = sim.blipix.createAccount({ credits: 25 });
		const { outputs, error } = await runBlipix(
			apiKey,
			[{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }],
			[create()],
			'continueRegularOutput',
		);
		expect(error).toBeUndefined();
		const [items] = outputs('Create');
		expect(items.map((item) => item.json.error ?? 'created')).toEqual([
			'created',
			'created',
			'Not enough Blipix credits: this video costs 10 credits, but only 5 remain',
		]);
		expect(sim.blipix.stats(apiKey).byRoute['GET /me']).toBe(1);
		expect(sim.blipix.stats(apiKey).creditsSpent).toBe(20);
	});
});

describe('an IP block after failed logins', () => {
	it('is told apart from the key’s rate limit and not retried for minutes', async () => {
		// Slower time here: the 3 minutes a 429 is retried for, and the block's 15, are many real seconds.
		const scale = 10;
		const blocked = await startSimulator({ timeScale: scale, seed: 32 });
		clock.follow(scale, blocked.simNow());
		try {
			blocked.blipix.blockIp();
			const apiKey = blocked.blipix.createAccount();
			const started = clock.now();
			const { error } = await runBlipix(apiKey, [{}], [{ name: 'Me', type: BLIPIX_TYPE, parameters: { resource: 'account', operation: 'get' } }], undefined, blocked);
			expect(error?.message).toBe('Blipix is refusing requests from this machine for now: too many failed sign-ins');
			expect(error?.description).toMatch(/20 requests with a wrong API key in 15 minutes/);
			// One request, answered at once: not retried, and not waited on, as a share of the block's 15 minutes.
			expect(blocked.blipix.requestLog.filter((entry) => entry.status === 429)).toHaveLength(1);
			expect((clock.now() - started) / (15 * 60_000)).toBeLessThan(0.1);
		} finally {
			clock.follow(TIME_SCALE, sim.simNow());
			await blocked.close();
		}
	});
});
