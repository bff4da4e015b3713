import { createHmac } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import axios from 'axios';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { deliverWebhook } from '../engine';
import type { EngineWorkflow, WebhookDelivery } from '../engine';
import { CLIPMIX_TRIGGER_TYPE, clipMixCredentials, credentialTypes, nodeTypes } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

// One simulated hour per real second: the 0 s / 30 s / 5 min / 1 h redeliveries take about a second.
const TIME_SCALE = 3600;
const SECRET = 'whsec_test_secret';

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 9);
});

afterAll(async () => await stopScaledSimulator(sim));

const sign = (body: string | Buffer, secret = SECRET) =>
	`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function triggerWorkflow(parameters: INodeParameters = {}): EngineWorkflow {
	return {
		nodes: [
			{
				id: 'trigger',
				name: 'ClipMix Trigger',
				type: CLIPMIX_TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters,
				credentials: { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } },
			},
			{ id: 'noop', name: 'Received', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
		],
		connections: { 'ClipMix Trigger': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
	};
}

/**
 * A local n8n stand-in: a real HTTP server whose requests go, raw bytes and all, through the
 * trigger in n8n-core's WebhookContext. `ackAfter` lets a test lose n8n's answers after the
 * workflow started, the way a proxy timeout would, to provoke ClipMix's redeliveries.
 */
async function startReceiver(opts: { workflow?: EngineWorkflow; secret?: string; apiKey?: string; failAnswers?: number } = {}) {
	const staticData: IDataObject = {};
	const deliveries: WebhookDelivery[] = [];
	let failAnswers = opts.failAnswers ?? 0;
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const delivery = await deliverWebhook({
				workflow: opts.workflow ?? triggerWorkflow(),
				triggerNode: 'ClipMix Trigger',
				staticData,
				nodeTypes,
				credentialTypes,
				credentials: clipMixCredentials(sim.clipmix.baseUrl, opts.apiKey ?? 'sk_live_x', opts.secret ?? SECRET),
				request: { method: req.method, headers: req.headers, rawBody: Buffer.concat(chunks) },
			}).catch((error: Error) => ({ statusCode: 599, body: { engineError: error.message }, started: false }) as WebhookDelivery);
			deliveries.push(delivery);
			const status = failAnswers-- > 0 ? 500 : delivery.statusCode;
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(delivery.body ?? {}));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/clipmix`;
	const post = async (body: string | Buffer, headers: Record<string, string>) =>
		await axios.post(url, body, { headers: { 'content-type': 'application/json', ...headers }, validateStatus: () => true, transformRequest: (data) => data });
	const close = async () => {
		// Keep-alive sockets from the simulator's sender would otherwise hold close() open.
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	};
	return { url, staticData, deliveries, post, close, started: () => deliveries.filter((d) => d.started) };
}

const until = async (condition: () => boolean, timeoutMs = 5000) => {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('timed out waiting');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
};

async function createJob(apiKey: string, path: string, body: IDataObject) {
	const res = await axios.post(`${sim.clipmix.baseUrl}${path}`, body, {
		headers: { Authorization: `Bearer ${apiKey}`, 'Idempotency-Key': `k-${Math.random()}` },
	});
	return res.data as IDataObject;
}

describe('ClipMix Trigger: signed events from the simulator', () => {
	it('job.completed and job.failed start the workflow with flattened fields', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const receiver = await startReceiver({ apiKey: liveKey });
		sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);

		const ok = await createJob(liveKey, '/music', { prompt: 'done soon [render:60]' });
		const bad = await createJob(liveKey, '/music', { prompt: 'broken [fail][render:60]' });
		await until(() => receiver.started().length === 2);
		const items = receiver.started().map((d) => d.run!.json('Received')[0]);
		const completed = items.find((item) => item.event === 'job.completed')!;
		expect(completed).toMatchObject({
			jobId: ok.id,
			service: 'music',
			status: 'completed',
			resultUrl: expect.stringMatching(/^http/),
			test: false,
			eventId: expect.stringMatching(/^evt_/),
		});
		expect(new Date(completed.receivedAt as string).toString()).not.toBe('Invalid Date');
		expect((completed.payload as IDataObject).type).toBe('job.completed');
		expect(completed.headers).toBeUndefined();
		expect(items.find((item) => item.event === 'job.failed')).toMatchObject({ jobId: bad.id, status: 'failed' });
		await receiver.close();
	});

	it('redeliveries after lost answers start the workflow exactly once per event', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		// The first two answers are lost: ClipMix retries at 30 s and 5 min, and the third is acknowledged.
		const receiver = await startReceiver({ apiKey: liveKey, failAnswers: 2 });
		sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);
		await createJob(liveKey, '/music', { prompt: 'once [render:30]' });
		await until(() => sim.clipmix.deliveries(liveKey).filter((d) => d.ok).length === 1);
		expect(sim.clipmix.deliveries(liveKey).map((d) => d.attempt)).toEqual([1, 2, 3]);
		expect(receiver.deliveries).toHaveLength(3);
		expect(receiver.started()).toHaveLength(1);
		await receiver.close();
	});

	it('all four attempts failing still start it only once', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const receiver = await startReceiver({ apiKey: liveKey, failAnswers: 99 });
		sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);
		await createJob(liveKey, '/music', { prompt: 'never acked [render:30]' });
		await until(() => sim.clipmix.deliveries(liveKey).length === 4, 8000);
		expect(receiver.started()).toHaveLength(1);
		await receiver.close();
	});

	it('webhook.test from "Fire test" is acknowledged, and starts the workflow only when chosen', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const ignoring = await startReceiver({ apiKey: liveKey });
		sim.clipmix.setWebhook(liveKey, ignoring.url, SECRET);
		await sim.clipmix.fireTest(liveKey);
		await until(() => ignoring.deliveries.length === 1);
		expect(ignoring.deliveries[0]).toMatchObject({ statusCode: 200, started: false });
		await ignoring.close();

		const listening = await startReceiver({
			apiKey: liveKey,
			workflow: triggerWorkflow({ events: ['job.completed', 'webhook.test'] }),
		});
		sim.clipmix.setWebhook(liveKey, listening.url, SECRET);
		await sim.clipmix.fireTest(liveKey);
		await until(() => listening.started().length === 1);
		expect(listening.started()[0].run!.json('Received')[0]).toMatchObject({ event: 'webhook.test', test: true });
		await listening.close();
	});

	it('the Services and Events filters acknowledge without starting', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		const receiver = await startReceiver({
			apiKey: liveKey,
			workflow: triggerWorkflow({ events: ['job.completed'], services: ['translation'] }),
		});
		sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);
		await createJob(liveKey, '/music', { prompt: 'filtered out [render:30]' });
		const translation = await createJob(liveKey, '/translations', { video_url: 'https://v.example.com/a.mp4?[render:40]', target_languages: ['es'] });
		await createJob(liveKey, '/translations', { video_url: 'https://v.example.com/b.mp4?[fail][render:40]', target_languages: ['es'] });
		await until(() => receiver.deliveries.length === 3);
		expect(receiver.deliveries.map((d) => d.statusCode)).toEqual([200, 200, 200]);
		expect(receiver.started().map((d) => d.run!.json('Received')[0].jobId)).toEqual([translation.id]);
		await receiver.close();
	});

	it('examples/clipmix-webhook-to-file.json writes the finished file', async () => {
		const { liveKey } = sim.clipmix.createAccount();
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const example = require('../../examples/clipmix-webhook-to-file.json') as EngineWorkflow;
		const receiver = await startReceiver({ apiKey: liveKey, workflow: example });
		sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);
		const job = await createJob(liveKey, '/music', { prompt: 'to disk [render:30]' });
		await until(() => receiver.started().length === 1);
		const run = receiver.started()[0].run!;
		expect(run.error).toBeUndefined();
		const file = `/tmp/${String(job.id)}.m4a`;
		expect(run.json('Write File')[0].fileName).toBe(file);
		expect(readFileSync(file).equals(sim.clipmix.resultFile(job.id as string))).toBe(true);
		rmSync(file);
		await receiver.close();
	});
});

describe('ClipMix Trigger: forged and malformed deliveries', () => {
	const payload = JSON.stringify({ id: 'evt_forgery_check', type: 'job.completed', created_at: '2026-05-01T00:00:00Z', data: { id: 'mus_1', service: 'music', status: 'completed', test: false } }, null, 2);
	const validHex = sign(payload).slice('sha256='.length);

	// Every row names the receiver's secret: jest reads a shorter row as a `done` callback.
	it.each<[string, string | Buffer, Record<string, string>, string]>([
		['missing header', payload, {}, SECRET],
		['wrong prefix', payload, { 'x-clipmix-signature': `sha1=${validHex}` }, SECRET],
		['uppercase prefix', payload, { 'x-clipmix-signature': `SHA256=${validHex}` }, SECRET],
		['wrong secret', payload, { 'x-clipmix-signature': sign(payload, 'not-the-secret') }, SECRET],
		['tampered body', payload.replace('mus_1', 'mus_2'), { 'x-clipmix-signature': sign(payload) }, SECRET],
		['truncated hex', payload, { 'x-clipmix-signature': `sha256=${validHex.slice(0, 62)}` }, SECRET],
		['odd-length hex', payload, { 'x-clipmix-signature': `sha256=${validHex}0` }, SECRET],
		['bad hex characters', payload, { 'x-clipmix-signature': `sha256=${'z'.repeat(64)}` }, SECRET],
		['signature over re-serialised JSON', payload, { 'x-clipmix-signature': sign(JSON.stringify(JSON.parse(payload))) }, SECRET],
		['an empty secret on our side', payload, { 'x-clipmix-signature': sign(payload, '') }, ''],
		['unsigned body that is not JSON', 'not json at all', {}, SECRET],
	])('%s → 401, no workflow', async (_name, body, headers, secret) => {
		const receiver = await startReceiver({ secret });
		const res = await receiver.post(body, headers);
		expect(res.status).toBe(401);
		expect(receiver.started()).toHaveLength(0);
		await receiver.close();
	});

	it('a replayed event → 200, but no second workflow', async () => {
		const receiver = await startReceiver();
		const first = await receiver.post(payload, { 'x-clipmix-signature': sign(payload) });
		const replay = await receiver.post(payload, { 'x-clipmix-signature': sign(payload) });
		expect([first.status, replay.status]).toEqual([200, 200]);
		expect(receiver.started()).toHaveLength(1);
		await receiver.close();
	});

	it('the same job and event under a new event id is still recognised when no id is sent', async () => {
		const receiver = await startReceiver();
		const noId = JSON.stringify({ event: 'job.completed', job: { id: 'mus_77', service: 'music', status: 'completed' } });
		await receiver.post(noId, { 'x-clipmix-signature': sign(noId) });
		await receiver.post(noId, { 'x-clipmix-signature': sign(noId) });
		expect(receiver.started()).toHaveLength(1);
		expect(receiver.started()[0].run!.json('Received')[0]).toMatchObject({ event: 'job.completed', jobId: 'mus_77' });
		await receiver.close();
	});

	it('a signed body that is not JSON → 400 with a clear message', async () => {
		const receiver = await startReceiver();
		const res = await receiver.post('oops', { 'x-clipmix-signature': sign('oops'), 'content-type': 'text/plain' });
		expect(res.status).toBe(400);
		expect(res.data.error).toBe('The body is not JSON: ClipMix sends events as JSON');
		expect(receiver.started()).toHaveLength(0);
		await receiver.close();
	});

	it('with verification off, unsigned events start the workflow (and headers can be included)', async () => {
		const receiver = await startReceiver({ workflow: triggerWorkflow({ verifySignature: false, options: { includeHeaders: true } }) });
		const res = await receiver.post(payload, {});
		expect(res.status).toBe(200);
		expect(receiver.started()[0].run!.json('Received')[0].headers).toMatchObject({ 'content-type': 'application/json' });
		await receiver.close();
	});

	it('remembers at most the last 1,000 deliveries', async () => {
		const receiver = await startReceiver();
		for (let i = 0; i < 1005; i++) {
			const body = JSON.stringify({ id: `evt_${i}`, type: 'job.completed', data: { id: `mus_${i}`, service: 'music' } });
			await deliverWebhook({
				workflow: triggerWorkflow(),
				triggerNode: 'ClipMix Trigger',
				staticData: receiver.staticData,
				nodeTypes,
				credentialTypes,
				credentials: clipMixCredentials(sim.clipmix.baseUrl, 'sk_live_x', SECRET),
				request: { headers: { 'x-clipmix-signature': sign(body) }, rawBody: Buffer.from(body) },
			});
		}
		const seen = (receiver.staticData['node:ClipMix Trigger'] as IDataObject).seenDeliveries as string[];
		expect(seen).toHaveLength(1000);
		expect(seen[0]).toBe('event:evt_5');
		await receiver.close();
	});
});
