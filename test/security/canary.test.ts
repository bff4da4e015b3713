/**
 * No secret ever lands in execution data. Every node runs through every failure path we can
 * cause, with a unique key and signing secret; the whole run data, errors included and every
 * property of every error expanded, must contain neither.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INode, INodeParameters } from 'n8n-workflow';

import { deliverWebhook, runWorkflow } from '../engine';
import type { WorkflowRunResult } from '../engine';
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
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

const SECRET = 'whsec_CANARY_secret_7f3a9c';

let sim: Simulator;
let slow: { url: string; close(): Promise<void> };

/** An API origin whose file never finishes: for a cancel in the middle of a download that carries the key. */
async function slowFileServer() {
	const server = http.createServer((req, res) => {
		if (req.url?.startsWith('/api/v1/videos/')) {
			const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.mp4`;
			res.writeHead(200, { 'content-type': 'application/json' });
			return res.end(JSON.stringify({ id: 'v1', title: 'Slow', status: 'ready', renderStatus: 'completed', videoUrl: url, thumbnailUrl: null }));
		}
		res.writeHead(200, { 'content-type': 'video/mp4' });
		return res.write(Buffer.alloc(4096));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: async () => {
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

beforeAll(async () => {
	sim = await startScaledSimulator(300, 61);
	slow = await slowFileServer();
});

afterAll(async () => {
	await slow.close();
	await stopScaledSimulator(sim);
});

/** Execution data as n8n would store it, but harsher: every own property of every Error, recursively. */
function serialize(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, function (_key, inner: unknown) {
		if (inner && typeof inner === 'object') {
			if (seen.has(inner)) return '[circular]';
			seen.add(inner);
			if (inner instanceof Error) {
				return Object.fromEntries(Object.getOwnPropertyNames(inner).map((name) => [name, (inner as unknown as Record<string, unknown>)[name]]));
			}
		}
		return typeof inner === 'bigint' ? String(inner) : inner;
	});
}

const cancelAfter = (ms: number) => {
	const controller = new AbortController();
	setTimeout(() => controller.abort(), ms);
	return controller.signal;
};

type Scenario = [string, () => Promise<{ result: WorkflowRunResult | { run?: unknown }; secrets: string[] }>];

async function blipix(apiKey: string, parameters: INodeParameters, extra: { onError?: INode['onError']; signal?: AbortSignal; baseUrl?: string; wait?: boolean } = {}) {
	const chain: Parameters<typeof chainWorkflow>[1] = [{ name: 'Blipix', type: BLIPIX_TYPE, parameters, ...(extra.onError ? { onError: extra.onError } : {}) }];
	if (extra.wait) chain.push({ name: 'Wait', type: WAIT_TYPE, parameters: { pollInterval: 5, maxWait: 30 } });
	const result = await runWorkflow({
		workflow: chainWorkflow([{ prompt: 'canary [render:600]' }], chain),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(extra.baseUrl ?? sim.blipix.baseUrl, apiKey),
		signal: extra.signal,
	});
	return { result, secrets: [apiKey] };
}

async function clipMix(apiKey: string, parameters: INodeParameters, extra: { onError?: INode['onError']; signal?: AbortSignal } = {}) {
	const result = await runWorkflow({
		workflow: chainWorkflow([{}], [{ name: 'ClipMix', type: CLIPMIX_TYPE, parameters, ...(extra.onError ? { onError: extra.onError } : {}) }]),
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey, SECRET),
		signal: extra.signal,
	});
	return { result, secrets: [apiKey, SECRET] };
}

const me = { resource: 'account', operation: 'get' };
const create = { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy', checkCredits: false };
const song = { resource: 'music', operation: 'create', prompt: 'canary [render:600]', durationSeconds: 30 };

const scenarios: Scenario[] = [];
for (const onError of [undefined, 'continueRegularOutput'] as const) {
	const label = onError ? 'Continue On Fail' : 'stop on fail';
	scenarios.push(
		[`Blipix 401 (${label})`, async () => await blipix('blx_CANARY_wrong_key_0000000000000000000000', me, { onError })],
		[`Blipix 429 storm (${label})`, async () => {
			sim.blipix.failNext(400, 429);
			const run = await blipix(sim.blipix.createAccount(), me, { onError });
			sim.blipix.reset();
			return run;
		}],
		[`Blipix 5xx (${label})`, async () => {
			sim.blipix.failNext(10, 503);
			return await blipix(sim.blipix.createAccount(), me, { onError });
		}],
		[`Blipix reset on create (${label})`, async () => {
			sim.blipix.failNext(1, 'drop');
			return await blipix(sim.blipix.createAccount(), create, { onError });
		}],
		[`Blipix 5xx after the create was made (${label})`, async () => {
			sim.blipix.failNext(1, 502, { afterCommit: true });
			return await blipix(sim.blipix.createAccount(), create, { onError });
		}],
		[`ClipMix 401 (${label})`, async () => await clipMix('sk_live_CANARYwrongkey000000000000000000', song, { onError })],
		[`ClipMix 403, no purchase (${label})`, async () => await clipMix(sim.clipmix.createAccount({ purchased: false }).liveKey, song, { onError })],
		[`ClipMix resets and 5xx (${label})`, async () => {
			sim.clipmix.failNext(1, 'drop');
			sim.clipmix.failNext(5, 503);
			return await clipMix(sim.clipmix.createAccount().liveKey, song, { onError });
		}],
		[`ClipMix key with no prefix (${label})`, async () => await clipMix('CANARY_noprefix_key_123456', song, { onError })],
	);
}
scenarios.push(
	['cancel before anything runs', async () => {
		const controller = new AbortController();
		controller.abort();
		return await blipix(sim.blipix.createAccount(), me, { signal: controller.signal });
	}],
	['cancel during an API call', async () => {
		sim.blipix.failNext(1, 'drop');
		return await blipix(sim.blipix.createAccount(), me, { signal: cancelAfter(5) });
	}],
	['cancel during a wait', async () => await blipix(sim.blipix.createAccount(), create, { signal: cancelAfter(150), wait: true })],
	['cancel after a create, during Create + Wait for Render', async () =>
		await blipix(sim.blipix.createAccount(), { ...create, waitForRender: true, pollInterval: 5 }, { signal: cancelAfter(150) })],
	['cancel during a download from the API’s own origin', async () =>
		await blipix('blx_CANARY_download_key_00000000000000000000', { resource: 'video', operation: 'download', videoId: 'v1' }, { baseUrl: `${slow.url}/api/v1`, signal: cancelAfter(300) })],
	['a download that stalls on the API’s own origin', async () =>
		await blipix('blx_CANARY_stall_key_000000000000000000000000', { resource: 'video', operation: 'download', videoId: 'v1' }, { baseUrl: `${slow.url}/api/v1` })],
	['cancel during a ClipMix wait', async () =>
		await clipMix(sim.clipmix.createAccount().liveKey, { ...song, waitForCompletion: true, pollInterval: 5 }, { signal: cancelAfter(150) })],
	['a ClipMix webhook with a bad signature, and a good one with Include Headers', async () => {
		const body = JSON.stringify({ type: 'job.completed', id: 'evt_canary', data: { id: 'mus_canary', service: 'music', status: 'completed' } });
		const workflow = {
			nodes: [
				{
					id: 't',
					name: 'ClipMix Trigger',
					type: CLIPMIX_TRIGGER_TYPE,
					typeVersion: 1,
					position: [0, 0] as [number, number],
					parameters: { options: { includeHeaders: true } },
					credentials: { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } },
				},
			],
			connections: {},
		};
		const deliver = async (signature: string) =>
			await deliverWebhook({
				workflow,
				triggerNode: 'ClipMix Trigger',
				staticData: {},
				nodeTypes,
				credentialTypes,
				credentials: clipMixCredentials(sim.clipmix.baseUrl, sim.clipmix.liveKey, SECRET),
				request: {
					method: 'POST',
					headers: { 'content-type': 'application/json', 'x-clipmix-signature': signature, authorization: `Bearer ${SECRET}`, cookie: `session=${SECRET}` },
					rawBody: Buffer.from(body),
				},
			});
		const forged = await deliver(`sha256=${'0'.repeat(64)}`);
		const genuine = await deliver(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
		expect(genuine.started).toBe(true);
		return { result: { run: [forged, genuine] }, secrets: [SECRET, sim.clipmix.liveKey] };
	}],
);

describe('no secret in execution data', () => {
	it.each(scenarios)('%s', async (_, scenario) => {
		const { result, secrets } = await scenario();
		const stored = serialize('status' in result ? { run: result.run, error: result.error } : result.run);
		expect(stored.length).toBeGreaterThan(100);
		for (const secret of secrets) expect(stored).not.toContain(secret);
	});
});
