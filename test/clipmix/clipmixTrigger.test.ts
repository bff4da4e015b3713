import { createHmac } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import axios from 'axios';
import type { IDataObject } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { deliverWebhook } from '../engine';
import type { EngineWorkflow } from '../engine';
import { startWebhookReceiver } from '../helpers/webhookReceiver';
import { engineRoot } from '../engine/env';
import { clipMixCredentials, clipMixTriggerWorkflow, credentialTypes, nodeTypes } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

// One simulated hour per real second: the 0 s / 30 s / 5 min / 1 h redeliveries take about a second.
const TIME_SCALE = 3600;
const SECRET = 'whsec_test_secret';
const HOUR = 3_600_000;

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(TIME_SCALE, 9);
});

afterAll(async () => await stopScaledSimulator(sim));

const sign = (body: string | Buffer, secret = SECRET) =>
	`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A new connection for each post (see `post` below). */
const freshConnections = new http.Agent({ keepAlive: false });

/**
 * A receiver of the trigger workflow (test/helpers/webhookReceiver.ts), each its own workflow,
 * as each n8n workflow is; `post` sends a request to it over HTTP, `atOnce` hands several to it
 * at the same moment.
 */
async function startReceiver(
	opts: { workflow?: EngineWorkflow; secret?: string; apiKey?: string; failAnswers?: number; staticData?: IDataObject } = {},
) {
	const receiver = await startWebhookReceiver({
		workflow: opts.workflow ?? clipMixTriggerWorkflow(),
		triggerNode: 'ClipMix Trigger',
		staticData: opts.staticData,
		failAnswers: opts.failAnswers,
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, opts.apiKey ?? 'sk_live_x', opts.secret ?? SECRET),
	});
	// A new connection for each post: one kept alive across a slow stretch of a test could be closed by the
	// server (after its 5 s keep-alive timeout) just as the next post goes out on it.
	const post = async (body: string | Buffer, headers: Record<string, string>) =>
		await axios.post(receiver.url, body, {
			headers: { 'content-type': 'application/json', ...headers },
			validateStatus: () => true,
			transformRequest: (data) => data,
			httpAgent: freshConnections,
		});
	/**
	 * Requests that reach the webhook at the same moment: all are in flight, each with its own copy
	 * of static data, before any finishes. (Requests over local HTTP tend to be served one after
	 * the other; in n8n, database reads between loading static data and saving it keep them apart.)
	 */
	const atOnce = async (requests: Array<{ body: string; headers: Record<string, string> }>) =>
		await Promise.all(
			requests.map(async ({ body, headers }) => await receiver.handle({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, rawBody: Buffer.from(body) })),
		);
	return { ...receiver, post, atOnce };
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
			workflow: clipMixTriggerWorkflow({ events: ['job.completed', 'webhook.test'] }),
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
			workflow: clipMixTriggerWorkflow({ events: ['job.completed'], services: ['translation'] }),
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
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const shipped = require('../../examples/clipmix-webhook-to-file.json') as EngineWorkflow;
		// It writes to `/home/node/.n8n-files/<name>` (~/.n8n-files in n8n's Docker image); its sticky note
		// and the Write File node's notes tell everyone else to put their own ~/.n8n-files there. The
		// user does that here: the engine's temp folder plays the home (inside the allowed OS temp dir),
		// and the working directory stays where jest runs, as n8n's is wherever it was started.
		const folder = join(engineRoot, '.n8n-files');
		mkdirSync(folder, { recursive: true });
		const writer = shipped.nodes.find((n) => n.type === 'n8n-nodes-base.readWriteFile')!;
		expect(writer.parameters.fileName).toBe("={{ '/home/node/.n8n-files/' + $binary.data.fileName }}");
		const example: EngineWorkflow = {
			...shipped,
			nodes: shipped.nodes.map((n) =>
				n === writer ? { ...n, parameters: { ...n.parameters, fileName: String(n.parameters.fileName).replace('/home/node/.n8n-files/', `${folder}/`) } } : n,
			),
		};
		// The workflow downloads the file, and a download waits 60 API seconds for an answer: at this file's
		// 3600x that is 17 real ms, which a busy machine can miss. So this test runs on a simulator at 60x.
		const hourPerSecond = sim;
		sim = await startScaledSimulator(60, 19);
		const { liveKey } = sim.clipmix.createAccount();
		const receiver = await startReceiver({ apiKey: liveKey, workflow: example });
		try {
			sim.clipmix.setWebhook(liveKey, receiver.url, SECRET);
			const job = await createJob(liveKey, '/music', { prompt: 'to disk [render:10]' });
			await until(() => receiver.started().length === 1);
			const run = receiver.started()[0].run!;
			expect(run.error).toBeUndefined();
			const file = join(folder, `${String(job.id)}.m4a`);
			expect(run.json('Write File')[0].fileName).toBe(file);
			expect(readFileSync(file).equals(sim.clipmix.resultFile(job.id as string))).toBe(true);
			rmSync(file);
		} finally {
			await receiver.close();
			await stopScaledSimulator(sim);
			sim = hourPerSecond;
			clock.follow(TIME_SCALE, sim.simNow());
		}
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
		const body = freshEvent();
		const first = await receiver.post(body, { 'x-clipmix-signature': sign(body) });
		const replay = await receiver.post(body, { 'x-clipmix-signature': sign(body) });
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
		const receiver = await startReceiver({ workflow: clipMixTriggerWorkflow({ verifySignature: false, options: { includeHeaders: true } }) });
		const res = await receiver.post(freshEvent(), {});
		expect(res.status).toBe(200);
		expect(receiver.started()[0].run!.json('Received')[0].headers).toMatchObject({ 'content-type': 'application/json' });
		await receiver.close();
	});
});

/** A signed-able ClipMix event, stamped now on the package's clock (which follows the simulator). */
let events = 0;
function freshEvent(overrides: IDataObject = {}): string {
	const n = ++events;
	return JSON.stringify({
		id: `evt_fresh_${n}_${Math.random().toString(36).slice(2, 10)}`,
		type: 'job.completed',
		created_at: new Date(clock.now()).toISOString(),
		data: { id: `mus_fresh_${n}`, service: 'music', status: 'completed', result_url: `https://cdn.example.com/${n}.m4a` },
		...overrides,
	});
}

const signed = (body: string, extra: Record<string, string> = {}) => ({ 'x-clipmix-signature': sign(body), ...extra });

/**
 * The security review's findings, each as an attack through the whole trigger: none of these may
 * start a run the genuine event did not already start.
 */
describe('ClipMix Trigger: replays, races and leaks', () => {
	it.each<[string, IDataObject]>([
		['a job id in the body', { type: 'job.completed', created_at: '', data: { id: 'mus_hdr', service: 'music', status: 'completed' } }],
		['no id in the body at all', { type: 'job.completed', created_at: '', data: { service: 'music', status: 'completed' } }],
	])('header-id replay (%s): the same signed body with a new X-ClipMix-Event-Id → 200, no second run', async (_name, shape) => {
		const receiver = await startReceiver();
		const body = JSON.stringify({ ...shape, created_at: new Date(clock.now()).toISOString() });
		const first = await receiver.post(body, signed(body, { 'x-clipmix-event-id': 'evt_genuine' }));
		const replays = await Promise.all(
			['evt_replay_1', 'evt_replay_2', 'evt_replay_3'].map(async (id) => await receiver.post(body, signed(body, { 'x-clipmix-event-id': id }))),
		);
		expect([first, ...replays].map((r) => r.status)).toEqual([200, 200, 200, 200]);
		expect(receiver.started()).toHaveLength(1);
		// The output's eventId is the body's (none here), never the unsigned header's.
		expect(receiver.started()[0].run!.json('Received')[0].eventId).toBeNull();
		await receiver.close();
	});

	it.each<[string, (now: number) => IDataObject]>([
		['created_at 25 hours ago (ISO)', (now) => ({ created_at: new Date(now - 25 * HOUR).toISOString() })],
		['created 3 years ago (epoch seconds)', (now) => ({ created_at: undefined, created: Math.floor((now - 3 * 365 * 24 * HOUR) / 1000) })],
		['timestamp 2 days ago (epoch ms)', (now) => ({ created_at: undefined, timestamp: now - 48 * HOUR })],
		['only the job says when it completed, 30 hours ago', (now) => ({ created_at: undefined, data: { id: 'mus_old', service: 'music', completed_at: new Date(now - 30 * HOUR).toISOString() } })],
	])('an event signed long ago (%s) → 400, no run', async (_name, shape) => {
		const receiver = await startReceiver();
		const body = JSON.stringify(JSON.parse(freshEvent(shape(clock.now()))));
		const res = await receiver.post(body, signed(body));
		expect(res.status).toBe(400);
		expect(res.data.error).toMatch(/older than Max Event Age \(24 h\)/);
		expect(receiver.started()).toHaveLength(0);
		await receiver.close();
	});

	it('an event stamped an hour in the future → 400, no run', async () => {
		const receiver = await startReceiver();
		const body = freshEvent({ created_at: new Date(clock.now() + HOUR).toISOString() });
		const res = await receiver.post(body, signed(body));
		expect(res.status).toBe(400);
		expect(res.data.error).toMatch(/ahead of this server's clock/);
		expect(receiver.started()).toHaveLength(0);
		await receiver.close();
	});

	it('ClipMix\'s last retry (an event 1 h 10 min old) and a shorter Max Event Age', async () => {
		const receiver = await startReceiver();
		const late = freshEvent({ created_at: new Date(clock.now() - 70 * 60_000).toISOString() });
		expect((await receiver.post(late, signed(late))).status).toBe(200);
		expect(receiver.started()).toHaveLength(1);
		await receiver.close();

		const strict = await startReceiver({ workflow: clipMixTriggerWorkflow({ options: { maxEventAge: 2 } }) });
		const stale = freshEvent({ created_at: new Date(clock.now() - 3 * HOUR).toISOString() });
		const res = await strict.post(stale, signed(stale));
		expect(res.status).toBe(400);
		expect(res.data.error).toMatch(/older than Max Event Age \(2 h\)/);
		expect(strict.started()).toHaveLength(0);
		await strict.close();
	});

	it('10 identical deliveries at the same moment → one run', async () => {
		const receiver = await startReceiver();
		const body = freshEvent();
		const answers = await receiver.atOnce(Array.from({ length: 10 }, () => ({ body, headers: signed(body) })));
		expect(answers.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
		expect(receiver.started()).toHaveLength(1);
		// And over HTTP, all posted at once.
		const again = freshEvent();
		await Promise.all(Array.from({ length: 10 }, async () => await receiver.post(again, signed(again))));
		expect(receiver.started()).toHaveLength(2);
		await receiver.close();
	});

	it('10 different events at the same moment → 10 runs, and every one is remembered (in static data too)', async () => {
		const receiver = await startReceiver();
		const bodies = Array.from({ length: 10 }, () => freshEvent());
		await receiver.atOnce(bodies.map((body) => ({ body, headers: signed(body) })));
		expect(receiver.started()).toHaveLength(10);

		// The same workflow after a restart (or in a second process): only static data is shared.
		const restarted = await startReceiver({ staticData: receiver.staticData });
		for (const body of bodies) expect((await restarted.post(body, signed(body))).status).toBe(200);
		expect(restarted.started()).toHaveLength(0);
		await restarted.close();

		// Replays to the same process, at once and one by one.
		await receiver.atOnce(bodies.map((body) => ({ body, headers: signed(body) })));
		for (const body of bodies) await receiver.post(body, signed(body));
		expect(receiver.started()).toHaveLength(10);
		const saved = (receiver.staticData['node:ClipMix Trigger'] as IDataObject).deliveries as { seen: IDataObject };
		expect(Object.keys(saved.seen)).toHaveLength(10);
		await receiver.close();
	});

	it('a replay after 1,000+ other events → no run', async () => {
		// 1,006 deliveries take seconds, and at this file's 3600x a second is an hour: on a busy
		// machine the first event outlived Max Event Age (24 h) and was refused as old (400). The
		// rule here is about memory, not age, so the package clock runs at real speed for it.
		clock.follow(1, sim.simNow());
		try {
			const receiver = await startReceiver();
			const first = freshEvent();
			await receiver.post(first, signed(first));
			for (let i = 0; i < 1_005; i++) {
				const body = freshEvent();
				await deliverWebhook({
					workflow: receiver.workflow,
					triggerNode: 'ClipMix Trigger',
					staticData: receiver.staticData,
					startWorkflow: false,
					nodeTypes,
					credentialTypes,
					credentials: clipMixCredentials(sim.clipmix.baseUrl, 'sk_live_x', SECRET),
					request: { headers: signed(body), rawBody: Buffer.from(body) },
				});
			}
			const replay = await receiver.post(first, signed(first));
			expect(replay.status).toBe(200);
			expect(receiver.started()).toHaveLength(1);
			// And from static data alone, as after a restart.
			const restarted = await startReceiver({ staticData: receiver.staticData });
			await restarted.post(first, signed(first));
			expect(restarted.started()).toHaveLength(0);
			await receiver.close();
			await restarted.close();
		} finally {
			clock.follow(TIME_SCALE, sim.simNow());
		}
	});

	it('past 10,000 events within Max Event Age, an event older than those forgotten is refused, not run again', async () => {
		const base = clock.now() - 10 * HOUR;
		const seen: Record<string, number> = {};
		for (let i = 0; i < 10_000; i++) seen[`event:evt_seed_${i}`] = base + i * 1000;
		// Written by another process: this one learns the 10,000 keys, then must make room.
		const staticData: IDataObject = { 'node:ClipMix Trigger': { deliveries: { v: 1, seen, forgottenThrough: 0, writer: 'another-process', seq: 1 } } };
		const receiver = await startReceiver({ staticData });
		const seeded = (i: number) => freshEvent({ id: `evt_seed_${i}`, created_at: new Date(base + i * 1000).toISOString() });
		const fresh = freshEvent();
		expect((await receiver.post(fresh, signed(fresh))).status).toBe(200);
		expect(receiver.started()).toHaveLength(1);

		const forgotten = seeded(5);
		const res = await receiver.post(forgotten, signed(forgotten));
		expect(res.status).toBe(400);
		expect(res.data.error).toMatch(/older than the oldest delivery still remembered/);
		const remembered = seeded(9_999);
		expect((await receiver.post(remembered, signed(remembered))).status).toBe(200);
		expect(receiver.started()).toHaveLength(1);
		const store = (receiver.staticData['node:ClipMix Trigger'] as IDataObject).deliveries as { seen: object };
		expect(Object.keys(store.seen).length).toBeLessThanOrEqual(10_000);
		await receiver.close();
	});

	it.each([
		['a trailing newline', `${SECRET}\n`],
		['a trailing CRLF and spaces', `  ${SECRET} \r\n`],
		['a leading tab', `\t${SECRET}`],
	])('a credential secret pasted with %s → genuine deliveries accepted', async (_name, pasted) => {
		const receiver = await startReceiver({ secret: pasted });
		const body = freshEvent();
		const res = await receiver.post(body, signed(body));
		expect(res.status).toBe(200);
		expect(receiver.started()).toHaveLength(1);
		// Still only the real secret: one signed with the untrimmed text is refused.
		const other = freshEvent();
		expect((await receiver.post(other, { 'x-clipmix-signature': sign(other, pasted) })).status).toBe(401);
		await receiver.close();
	});

	it('Include Headers leaves out Authorization, Cookie and X-ClipMix-Signature', async () => {
		const receiver = await startReceiver({ workflow: clipMixTriggerWorkflow({ options: { includeHeaders: true } }) });
		const body = freshEvent();
		await receiver.post(body, signed(body, { authorization: 'Bearer sk_live_secret', cookie: 'n8n-auth=abc', 'x-clipmix-attempt': '1' }));
		const headers = receiver.started()[0].run!.json('Received')[0].headers as IDataObject;
		expect(headers).toMatchObject({ 'content-type': 'application/json', 'x-clipmix-attempt': '1' });
		expect(headers).not.toHaveProperty('authorization');
		expect(headers).not.toHaveProperty('cookie');
		expect(headers).not.toHaveProperty('x-clipmix-signature');
		await receiver.close();
	});

	it('keys remembered by the previous version (seenDeliveries) are still recognised', async () => {
		const body = freshEvent();
		const id = (JSON.parse(body) as IDataObject).id as string;
		const staticData: IDataObject = { 'node:ClipMix Trigger': { seenDeliveries: [`event:${id}`] } };
		const receiver = await startReceiver({ staticData });
		expect((await receiver.post(body, signed(body))).status).toBe(200);
		expect(receiver.started()).toHaveLength(0);
		expect(receiver.staticData['node:ClipMix Trigger']).not.toHaveProperty('seenDeliveries');
		await receiver.close();
	});

	it('static data keeps each key with the time it was first seen', async () => {
		const receiver = await startReceiver();
		const madeAt = clock.now();
		const body = freshEvent();
		await receiver.post(body, signed(body));
		const store = (receiver.staticData['node:ClipMix Trigger'] as IDataObject).deliveries as { seen: Record<string, number> };
		expect(Object.keys(store.seen)).toEqual([`event:${(JSON.parse(body) as IDataObject).id as string}`]);
		// Between the event's making and now, however long a busy machine took.
		const [seenAt] = Object.values(store.seen);
		expect(seenAt).toBeGreaterThanOrEqual(madeAt);
		expect(seenAt).toBeLessThanOrEqual(clock.now());
		await receiver.close();
	});
});
