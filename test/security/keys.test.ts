/**
 * Keys and limits: idempotency keys that never collide across n8n instances or workflows, a
 * custom key that items may not share with different requests, API keys trimmed and never
 * echoed, and a rate-limit budget that believes only sane headers and forgets idle keys.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { idempotencyKeyFor } from '../../nodes/shared/clipmix/jobs';
import { RequestBudget, budgetCount, budgetFor } from '../../nodes/shared/transport/requestBudget';
import { runWorkflow } from '../engine';
import { startFileServer } from '../helpers/downloadProbe';
import { BLIPIX_TYPE, CLIPMIX_TYPE, blipixCredentials, clipMixCredentials, credentialTypes, nodeTypes, singleNodeWorkflow } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(300, 51);
});

afterAll(async () => await stopScaledSimulator(sim));

describe('derived Idempotency-Keys', () => {
	const context = (instanceId: string, workflowId: string) =>
		({
			getInstanceId: () => instanceId,
			getWorkflow: () => ({ id: workflowId, active: false }),
			getExecutionId: () => '1',
			getNode: () => ({ name: 'ClipMix' }),
			evaluateExpression: () => 0,
		}) as unknown as IExecuteFunctions;

	it('differ between n8n instances and workflows whose execution ids coincide', () => {
		const production = idempotencyKeyFor(context('instance-a', 'wf1'), 0, '');
		expect(idempotencyKeyFor(context('instance-b', 'wf1'), 0, '')).not.toBe(production);
		expect(idempotencyKeyFor(context('instance-a', 'wf2'), 0, '')).not.toBe(production);
		expect(idempotencyKeyFor(context('instance-a', 'wf1'), 1, '')).not.toBe(production);
		expect(idempotencyKeyFor(context('instance-a', 'wf1'), 0, '')).toBe(production);
	});
});

describe('derived Idempotency-Keys, through the engine', () => {
	it('differ between two runs of one node in one execution: identical input makes two jobs, each charged', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const credentials = { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } };
		const noOp = (name: string, y: number) => ({ id: name, name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, y] as [number, number], parameters: {} });
		// Two branches into one ClipMix node: in n8n's v1 execution order it runs once per branch (run 0, run 1).
		const { run, error, executedNodes } = await runWorkflow({
			workflow: {
				nodes: [
					{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					noOp('Morning', 0),
					noOp('Evening', 200),
					{
						id: 'clipmix',
						name: 'ClipMix',
						type: CLIPMIX_TYPE,
						typeVersion: 1,
						position: [400, 0],
						parameters: { resource: 'music', operation: 'create', prompt: 'The same song', durationSeconds: 30 },
						credentials,
					},
				],
				connections: {
					Start: { main: [[{ node: 'Morning', type: 'main', index: 0 }, { node: 'Evening', type: 'main', index: 0 }]] },
					Morning: { main: [[{ node: 'ClipMix', type: 'main', index: 0 }]] },
					Evening: { main: [[{ node: 'ClipMix', type: 'main', index: 0 }]] },
				},
				pinData: { Start: [{ json: {} }] },
				settings: { executionOrder: 'v1' },
			},
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, liveKey),
		});
		expect(error).toBeUndefined();
		expect(executedNodes.filter((name) => name === 'ClipMix')).toHaveLength(2);
		const keys = sim.clipmix.requestLog.filter((entry) => entry.apiKey === liveKey).map((entry) => entry.idempotencyKey);
		expect(keys).toHaveLength(2);
		expect(new Set(keys).size).toBe(2);
		const jobs = run.data.resultData.runData.ClipMix.map((task) => task.data?.main[0]?.[0].json.id);
		expect(new Set(jobs).size).toBe(2);
		expect(sim.clipmix.ledger.filter((charge) => charge.apiKey === liveKey).map((charge) => charge.jobId).sort()).toEqual([...jobs].sort());
	});
});

describe('a custom Idempotency Key', () => {
	const music = (prompt: string) => ({ prompt });
	const create = { resource: 'music', operation: 'create', prompt: '={{ $json.prompt }}', durationSeconds: 30, options: { idempotencyKey: 'order-42' } };

	it('shared by items with different requests fails those items before anything is sent', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const { error } = await runWorkflow({
			workflow: singleNodeWorkflow(CLIPMIX_TYPE, create, [music('one'), music('two')]),
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, liveKey),
		});
		expect(error?.message).toBe('The Idempotency Key "order-42" is shared by items with different requests');
		expect(sim.clipmix.requestLog.filter((entry) => entry.apiKey === liveKey)).toHaveLength(0);
	});

	it('shared by items with the same request is one job, charged once', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const { json, error } = await runWorkflow({
			workflow: singleNodeWorkflow(CLIPMIX_TYPE, create, [music('same'), music('same')]),
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, liveKey),
		});
		expect(error).toBeUndefined();
		expect(new Set(json('Node').map((job) => job.id)).size).toBe(1);
		expect(sim.clipmix.ledger.filter((charge) => charge.apiKey === liveKey)).toHaveLength(1);
	});
});

describe('API keys', () => {
	it('are trimmed in the Authorization header, as in the prefix check', async () => {
		const apiKey = sim.blipix.createAccount();
		const { error } = await runWorkflow({
			workflow: singleNodeWorkflow(BLIPIX_TYPE, { resource: 'account', operation: 'get' }),
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, `  ${apiKey}\n`),
		});
		expect(error).toBeUndefined();
	});

	it.each([
		['Blipix', 'Account → Get'],
		['ClipMix', 'Music → Get'],
	])('%s: never go to another origin the API redirects a request to (%s)', async (api) => {
		const elsewhere = await startFileServer();
		try {
			const blipix = api === 'Blipix';
			const apiKey = blipix ? sim.blipix.createAccount() : sim.clipmix.createAccount().liveKey;
			if (blipix) sim.blipix.redirectNext(1, elsewhere.url);
			else sim.clipmix.redirectNext(1, elsewhere.url);
			await runWorkflow({
				workflow: blipix
					? singleNodeWorkflow(BLIPIX_TYPE, { resource: 'account', operation: 'get' })
					: singleNodeWorkflow(CLIPMIX_TYPE, { resource: 'music', operation: 'get', jobId: 'mus_anything' }),
				nodeTypes,
				credentialTypes,
				credentials: blipix ? blipixCredentials(sim.blipix.baseUrl, apiKey) : clipMixCredentials(sim.clipmix.baseUrl, apiKey),
			});
			// The redirect was followed, to the same path on the other origin, without the key.
			expect(elsewhere.seen.map((seen) => seen.path)).toEqual([blipix ? '/blipix/api/v1/me' : '/clipmix/api/v1/music/mus_anything']);
			expect(elsewhere.seen.map((seen) => seen.authorization)).toEqual([undefined]);
		} finally {
			await elsewhere.close();
		}
	});

	it('are never echoed in an error, not even in part', async () => {
		const { error } = await runWorkflow({
			workflow: singleNodeWorkflow(CLIPMIX_TYPE, { resource: 'music', operation: 'get', jobId: 'mus_1' }),
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, 'pk_SECRETVALUE123'),
		});
		expect(error?.message).toBe('This does not look like a ClipMix API key');
		expect(JSON.stringify({ message: error?.message, description: error?.description })).not.toMatch(/pk_S|SECRET/);
	});
});

describe('the rate-limit budget', () => {
	it('believes X-RateLimit-Limit only within sane bounds', () => {
		const budget = new RequestBudget(60, 60_000);
		for (const nonsense of [0.001, 0, -5, 1e9, 12.5]) budget.observe(nonsense, undefined);
		expect(budget.limit).toBe(60);
		budget.observe(120, undefined);
		expect(budget.limit).toBe(120);
	});

	it('forgets keys unused for an hour', () => {
		clock.follow(1, Date.now());
		budgetFor('key-in-use', 60, 60_000);
		budgetFor('key-left-idle', 60, 60_000);
		const before = budgetCount();
		const start = Date.now();
		clock.follow(1, start + 61 * 60_000);
		budgetFor('key-in-use', 60, 60_000);
		expect(budgetCount()).toBeLessThan(before);
		clock.follow(300, sim.simNow());
	});
});
