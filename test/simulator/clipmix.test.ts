import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIPMIX_SERVICES, type ClipMixService } from './clipmix';
import { type Simulator, startSimulator } from './index';
import { type ApiResponse, callApi } from './testClient';

async function call(
	sim: Simulator,
	path: string,
	opts: { method?: string; key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string>; idem?: string } = {},
): Promise<ApiResponse> {
	const headers = opts.idem === undefined ? opts.headers : { ...opts.headers, 'Idempotency-Key': opts.idem };
	return await callApi(sim.clipmix.baseUrl + path, {
		...opts,
		headers,
		key: opts.key === undefined ? sim.clipmix.liveKey : opts.key,
	});
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectError(r: ApiResponse, status: number, code: string, message?: RegExp): void {
	expect([r.status, r.json?.error?.code]).toEqual([status, code]);
	expect(Object.keys(r.json)).toEqual(['error']);
	expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message']);
	expect(typeof r.json.error.message).toBe('string');
	if (message) expect(r.json.error.message).toMatch(message);
}

const JOB_KEYS = ['created_at', 'credits_cost', 'error', 'id', 'input', 'result_url', 'service', 'status', 'test', 'updated_at'];

/** A valid minimal body per service. */
const BODIES: Record<ClipMixService, Record<string, unknown>> = {
	music: { prompt: 'Uplifting synthwave with female vocals', lyrics: '[verse]\nRunning through neon lights...' },
	translation: { video_url: 'https://example.com/v.mp4', target_languages: ['es'] },
	memoryVideo: { mode: 'moment', photo_urls: ['https://example.com/1.jpg'] },
	avatar: { face_image_url: 'https://example.com/face.jpg', script: 'Hello there!' },
};
const PATHS: Record<ClipMixService, string> = {
	music: '/music',
	translation: '/translations',
	memoryVideo: '/family-videos',
	avatar: '/avatars',
};

async function waitUntil<T>(fn: () => T | Promise<T>, timeoutMs = 5000, everyMs = 5): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error('waitUntil: timed out');
		await sleep(everyMs);
	}
}

// ---------------------------------------------------------------------------------------------
// A local webhook receiver
// ---------------------------------------------------------------------------------------------

interface Received {
	at: number;
	headers: http.IncomingHttpHeaders;
	raw: Buffer;
	json: any;
}

interface Receiver {
	url: string;
	got: Received[];
	close(): Promise<void>;
}

/** `respond(n)` gives the status for the n-th request (1-based), or 'hang' to never answer. */
async function receiver(respond: (n: number) => number | 'hang' = () => 200): Promise<Receiver> {
	const got: Received[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			got.push({ at: Date.now(), headers: req.headers, raw, json: JSON.parse(raw.toString('utf8')) });
			const status = respond(got.length);
			if (status === 'hang') return;
			res.writeHead(status, { 'Content-Type': 'text/plain' });
			res.end(status < 300 ? 'ok' : 'nope');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/clipmix`;
	return {
		url,
		got,
		close: () =>
			new Promise<void>((r) => {
				server.close(() => r());
				server.closeAllConnections();
			}),
	};
}

/**
 * Offsets (simulated s) of the attempts from the first send, as the sender logged their start (`at`,
 * real ms) and as the receiver saw them arrive: each attempt is sent in its own slot of the schedule,
 * never before it is due (1 ms of clock granularity allowed) and before the next one is due (the last
 * one before twice its offset), however late a busy machine runs timers; each arrives after it was
 * sent, in order. (Arrivals are measured from the first send, not the first arrival: a first delivery
 * slowed in transit must not make the later ones look early.)
 */
function expectSchedule(sent: Array<{ at: number }>, received: Received[], scale: number, expected: number[]): void {
	const from = sent[0]?.at ?? 0;
	const off = (xs: number[]) => xs.map((x) => ((x - from) * scale) / 1000);
	const s = off(sent.map((d) => d.at));
	const r = off(received.map((d) => d.at));
	expect(s).toHaveLength(expected.length);
	expect(r).toHaveLength(expected.length);
	for (let i = 1; i < expected.length; i++) {
		const slotEnd = i + 1 < expected.length ? expected[i + 1] : 2 * expected[i];
		expect(s[i]).toBeGreaterThanOrEqual(expected[i] - scale / 1000);
		expect(s[i]).toBeLessThan(slotEnd);
		expect(r[i]).toBeGreaterThanOrEqual(s[i] - scale / 1000);
		expect(r[i]).toBeGreaterThan(r[i - 1]);
	}
}

function hmac(secret: string, raw: Buffer): string {
	return 'sha256=' + crypto.createHmac('sha256', secret).update(raw).digest('hex');
}

// ---------------------------------------------------------------------------------------------

describe('ClipMix simulator: API', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: 1000 }); // 1 simulated second per real ms
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.clipmix.reset());

	test('auth: missing, malformed and unknown keys get 401 invalid_api_key', async () => {
		expect(sim.clipmix.liveKey).toMatch(/^sk_live_[A-Za-z0-9]{32}$/);
		expect(sim.clipmix.testKey).toMatch(/^sk_test_[A-Za-z0-9]{32}$/);
		expect(sim.clipmix.baseUrl).toBe(`${sim.url}/clipmix/api/v1`);
		for (const r of [
			await call(sim, '/music', { key: null, body: BODIES.music }),
			await call(sim, '/music', { key: 'sk_live_nope', body: BODIES.music }),
			await call(sim, '/music/mus_x', { key: null, headers: { Authorization: 'Token abc' } }),
			await call(sim, '/nowhere', { key: 'sk_test_nope' }),
		]) {
			expectError(r, 401, 'invalid_api_key');
		}
		expect(sim.clipmix.ledger).toHaveLength(0);
		expect(sim.clipmix.requestLog.map((e) => e.status)).toEqual([401, 401, 401, 401]);
		expect(sim.clipmix.requestLog.some((e) => e.apiKey !== undefined)).toBe(false);
	});

	test('create + get for all four services: processing -> completed, result bytes served by the CDN', async () => {
		const ids: Partial<Record<ClipMixService, string>> = {};
		for (const service of Object.keys(PATHS) as ClipMixService[]) {
			const r = await call(sim, PATHS[service], { body: BODIES[service], idem: `lifecycle-${service}` });
			expect([service, r.status]).toEqual([service, 201]);
			expect(Object.keys(r.json).sort()).toEqual(JOB_KEYS);
			expect(r.json).toMatchObject({ service, status: 'processing', test: false, result_url: null, error: null });
			expect(r.json.id.startsWith(CLIPMIX_SERVICES[service].idPrefix)).toBe(true);
			expect(r.json.updated_at).toBe(r.json.created_at);
			expect(new Date(r.json.created_at).toISOString()).toBe(r.json.created_at);
			ids[service] = r.json.id;
			expect((await fetch(`${sim.cdnUrl}/clipmix/results/${r.json.id}.${CLIPMIX_SERVICES[service].result.ext}`)).status).toBe(404);
		}
		// Defaults are filled into `input`.
		expect(sim.clipmix.job(ids.music!)!.input).toEqual({ ...BODIES.music, duration_seconds: 60 });
		expect(sim.clipmix.job(ids.translation!)!.input).toEqual({ ...BODIES.translation, voice_cloning: false, tier: 'standard' });
		expect(sim.clipmix.job(ids.memoryVideo!)!.input).toEqual({ ...BODIES.memoryVideo, song_url: null, music_prompt: null, title: null });
		expect(sim.clipmix.job(ids.avatar!)!.input).toEqual({
			...BODIES.avatar,
			audio_url: null,
			target_video_url: null,
			tier: 'balanced',
			duration_seconds: 30,
		});

		const bytes: Buffer[] = [];
		for (const service of Object.keys(PATHS) as ClipMixService[]) {
			const id = ids[service]!;
			const sj = sim.clipmix.job(id)!;
			// Default simulated durations from the table.
			const range = CLIPMIX_SERVICES[service].jobSeconds;
			expect(sj.totalSimMs! / 1000).toBeGreaterThanOrEqual(range.min);
			expect(sj.totalSimMs! / 1000).toBeLessThanOrEqual(range.max);
			const seen: string[] = [];
			let done: any;
			for (;;) {
				const g = await call(sim, `${PATHS[service]}/${id}`);
				expect(g.status).toBe(200);
				if (seen[seen.length - 1] !== g.json.status) seen.push(g.json.status);
				if (g.json.status !== 'processing') {
					done = g.json;
					break;
				}
				expect(g.json.result_url).toBeNull();
				await sleep(10);
			}
			expect(Date.now()).toBeGreaterThanOrEqual(sj.settleAt! - 2);
			expect(seen[seen.length - 1]).toBe('completed');
			expect(done.updated_at).toBe(new Date(sj.settleAtSim!).toISOString());
			expect(done.result_url).toBe(`${sim.cdnUrl}/clipmix/results/${id}.${CLIPMIX_SERVICES[service].result.ext}`);
			const f = await fetch(done.result_url);
			expect(f.status).toBe(200);
			expect(f.headers.get('content-type')).toBe(service === 'music' ? 'audio/mp4' : 'video/mp4');
			const b = Buffer.from(await f.arrayBuffer());
			expect(b.equals(sim.clipmix.resultFile(id))).toBe(true);
			expect(b.subarray(4, 8).toString('latin1')).toBe('ftyp');
			bytes.push(b);
		}
		// Every job has distinct bytes.
		for (let i = 0; i < bytes.length; i++) for (let j = i + 1; j < bytes.length; j++) expect(bytes[i].equals(bytes[j])).toBe(false);
		expect(sim.cdnRequests.filter((r) => r.path.startsWith('/clipmix/')).every((r) => r.authorization === undefined)).toBe(true);
	});

	test('404: unknown id, another key\'s job, another service\'s path, unknown routes', async () => {
		const other = sim.clipmix.createAccount();
		const id = (await call(sim, '/music', { body: BODIES.music })).json.id;
		expect((await call(sim, `/music/${id}`)).status).toBe(200);
		expect((await call(sim, `/music/${id}/`)).status).toBe(200); // trailing slash tolerated
		expectError(await call(sim, `/music/${id}`, { key: other.liveKey }), 404, 'not_found');
		expectError(await call(sim, `/music/${id}`, { key: sim.clipmix.testKey }), 404, 'not_found'); // same account, other key
		expectError(await call(sim, `/avatars/${id}`), 404, 'not_found');
		expectError(await call(sim, '/music/mus_doesnotexist'), 404, 'not_found');
		expectError(await call(sim, '/music'), 404, 'not_found'); // no list endpoint
		expectError(await call(sim, '/me'), 404, 'not_found');
		expectError(await call(sim, `/music/${id}`, { method: 'DELETE' }), 404, 'not_found');
		const outside = await fetch(`${sim.url}/clipmix/api/v2/music`);
		expect(outside.status).toBe(404);
		expect(((await outside.json()) as any).error.code).toBe('not_found');
	});

	test('validation: 400 invalid_request naming the field, per service; nothing charged', async () => {
		const url = 'https://example.com/a.jpg';
		const cases: Array<[ClipMixService, Record<string, unknown>, RegExp]> = [
			['music', {}, /prompt/],
			['music', { prompt: '  ' }, /prompt/],
			['music', { prompt: 5 }, /prompt/],
			['music', { prompt: 'x', lyrics: 3 }, /lyrics/],
			['music', { prompt: 'x', duration_seconds: 9 }, /duration_seconds/],
			['music', { prompt: 'x', duration_seconds: 241 }, /duration_seconds/],
			['music', { prompt: 'x', duration_seconds: 30.5 }, /duration_seconds/],
			['music', { prompt: 'x', duration_seconds: '60' }, /duration_seconds/],
			['translation', { target_languages: ['es'] }, /video_url/],
			['translation', { video_url: 'ftp://x/y.mp4', target_languages: ['es'] }, /video_url/],
			['translation', { video_url: 'not a url', target_languages: ['es'] }, /video_url/],
			['translation', { video_url: url }, /target_languages/],
			['translation', { video_url: url, target_languages: [] }, /target_languages/],
			['translation', { video_url: url, target_languages: 'es' }, /target_languages/],
			['translation', { video_url: url, target_languages: ['es', 'Spanish!'] }, /target_languages\[1\]/],
			['translation', { video_url: url, target_languages: ['es', 'es'] }, /target_languages/],
			['translation', { video_url: url, target_languages: ['es'], voice_cloning: 'yes' }, /voice_cloning/],
			['translation', { video_url: url, target_languages: ['es'], tier: 'ultra' }, /tier/],
			['memoryVideo', { photo_urls: [url] }, /mode/],
			['memoryVideo', { mode: 'saga', photo_urls: [url] }, /mode/],
			['memoryVideo', { mode: 'story' }, /photo_urls/],
			['memoryVideo', { mode: 'story', photo_urls: [] }, /photo_urls/],
			['memoryVideo', { mode: 'story', photo_urls: Array(101).fill(url) }, /photo_urls/],
			['memoryVideo', { mode: 'story', photo_urls: [url, 'x.jpg'] }, /photo_urls\[1\]/],
			['memoryVideo', { mode: 'story', photo_urls: [url], song_url: 'song.mp3' }, /song_url/],
			['memoryVideo', { mode: 'story', photo_urls: [url], music_prompt: 1 }, /music_prompt/],
			['memoryVideo', { mode: 'story', photo_urls: [url], title: {} }, /title/],
			['avatar', { script: 'hi' }, /face_image_url/],
			['avatar', { face_image_url: 'face.jpg', script: 'hi' }, /face_image_url/],
			['avatar', { face_image_url: url }, /script or audio_url/],
			['avatar', { face_image_url: url, script: 'hi', audio_url: url }, /script.*audio_url/],
			['avatar', { face_image_url: url, audio_url: 'nope' }, /audio_url/],
			['avatar', { face_image_url: url, target_video_url: 'nope' }, /target_video_url/],
			['avatar', { face_image_url: url, script: '' }, /script/],
			['avatar', { face_image_url: url, script: 'hi', tier: 'ultra' }, /tier/],
			['avatar', { face_image_url: url, script: 'hi', duration_seconds: 4 }, /duration_seconds/],
			['avatar', { face_image_url: url, script: 'hi', duration_seconds: 301 }, /duration_seconds/],
		];
		const before = sim.clipmix.balance(sim.clipmix.liveKey);
		for (const [service, body, re] of cases) {
			const r = await call(sim, PATHS[service], { body });
			expect([service, JSON.stringify(body).slice(0, 80), r.status]).toEqual([service, JSON.stringify(body).slice(0, 80), 400]);
			expectError(r, 400, 'invalid_request', re);
		}
		expectError(await call(sim, '/music', { body: [1, 2] }), 400, 'invalid_request', /JSON object/);
		expectError(
			await call(sim, '/music', { rawBody: '{"prompt": ', method: 'POST', headers: { 'Content-Type': 'application/json' } }),
			400,
			'invalid_request',
			/JSON/,
		);
		// Sandbox keys are validated the same way.
		expectError(await call(sim, '/avatars', { body: { face_image_url: url }, key: sim.clipmix.testKey }), 400, 'invalid_request');
		expect(sim.clipmix.ledger).toHaveLength(0);
		expect(sim.clipmix.balance(sim.clipmix.liveKey)).toBe(before);

		// Faceswap: target_video_url alone is enough; null optionals take their defaults.
		const fs = await call(sim, '/avatars', { body: { face_image_url: url, target_video_url: 'https://example.com/t.mp4', tier: null } });
		expect(fs.status).toBe(201);
		expect(fs.json.input).toMatchObject({ script: null, audio_url: null, tier: 'balanced', duration_seconds: 30 });
		const ok = await call(sim, '/translations', { body: { video_url: url, target_languages: ['pt-BR', 'zh-Hans', 'es'], voice_cloning: true } });
		expect(ok.status).toBe(201);
	});

	test('credits are charged per the table, into the ledger, once per job', async () => {
		const { liveKey, testKey } = sim.clipmix.createAccount({ credits: 5000 });
		const url = 'https://example.com/x';
		const cases: Array<[ClipMixService, Record<string, unknown>, number]> = [
			['music', { prompt: 'x' }, 60],
			['music', { prompt: 'x', duration_seconds: 10 }, 10],
			['music', { prompt: 'x', duration_seconds: 240 }, 240],
			['translation', { video_url: url, target_languages: ['es'] }, 95],
			['translation', { video_url: url, target_languages: ['es', 'fr'], tier: 'premium' }, 380],
			['memoryVideo', { mode: 'moment', photo_urls: [url] }, 50],
			['memoryVideo', { mode: 'story', photo_urls: [url] }, 100],
			['memoryVideo', { mode: 'album', photo_urls: [url] }, 150],
			['memoryVideo', { mode: 'chronicle', photo_urls: Array(100).fill(url) }, 300],
			['avatar', { face_image_url: url, script: 'hi' }, 450],
			['avatar', { face_image_url: url, audio_url: url, tier: 'fast', duration_seconds: 10 }, 80],
			['avatar', { face_image_url: url, script: 'hi', tier: 'premium', duration_seconds: 5 }, 125],
		];
		let expected = 5000;
		for (const [service, body, cost] of cases) {
			const r = await call(sim, PATHS[service], { body, key: liveKey });
			expect([service, r.status, r.json.credits_cost]).toEqual([service, 201, cost]);
			expected -= cost;
			expect(sim.clipmix.balance(liveKey)).toBe(expected);
			expect(sim.clipmix.balance(testKey)).toBe(expected); // one wallet
			expect(sim.clipmix.ledger[sim.clipmix.ledger.length - 1]).toEqual({ apiKey: liveKey, jobId: r.json.id, credits: cost, at: expect.any(Number) });
		}
		expect(sim.clipmix.ledger).toHaveLength(cases.length);
		expect(sim.clipmix.ledger.reduce((s, c) => s + c.credits, 0)).toBe(5000 - expected);
	});

	test('402 insufficient_credits names cost and balance; 403 live key before any purchase', async () => {
		const poor = sim.clipmix.createAccount({ credits: 70 });
		expect((await call(sim, '/music', { body: { prompt: 'x' }, key: poor.liveKey })).status).toBe(201);
		const r = await call(sim, '/music', { body: { prompt: 'x', duration_seconds: 11 }, key: poor.liveKey });
		expectError(r, 402, 'insufficient_credits', /11 credits.*balance is 10/);
		expect(sim.clipmix.balance(poor.liveKey)).toBe(10);
		expect((await call(sim, '/music', { body: { prompt: 'x', duration_seconds: 10 }, key: poor.liveKey })).status).toBe(201);
		expect(sim.clipmix.balance(poor.liveKey)).toBe(0);
		// The sandbox key still works with an empty wallet.
		expect((await call(sim, '/music', { body: { prompt: 'x' }, key: poor.testKey })).status).toBe(201);

		const free = sim.clipmix.createAccount({ purchased: false });
		expectError(await call(sim, '/music', { body: { prompt: 'x' }, key: free.liveKey }), 403, 'live_key_requires_purchase', /purchase/);
		expectError(await call(sim, '/music/mus_x', { key: free.liveKey }), 403, 'live_key_requires_purchase');
		const sandbox = await call(sim, '/music', { body: { prompt: 'x' }, key: free.testKey });
		expect(sandbox.status).toBe(201);
		expect(sim.clipmix.ledger.map((c) => c.apiKey)).toEqual([poor.liveKey, poor.liveKey]);
	});

	test('sandbox keys: already completed, test: true, no charge, file served at once', async () => {
		const before = sim.clipmix.balance(sim.clipmix.testKey);
		for (const service of Object.keys(PATHS) as ClipMixService[]) {
			const body = { ...BODIES[service], title: service === 'memoryVideo' ? 'x [fail]' : undefined };
			const r = await call(sim, PATHS[service], { body, key: sim.clipmix.testKey });
			expect(r.status).toBe(201);
			expect(r.json).toMatchObject({ service, status: 'completed', test: true, error: null, credits_cost: 0 });
			expect(r.json.updated_at).toBe(r.json.created_at);
			const f = await fetch(r.json.result_url);
			expect(f.status).toBe(200);
			expect(Buffer.from(await f.arrayBuffer()).equals(sim.clipmix.resultFile(r.json.id))).toBe(true);
			const g = await call(sim, `${PATHS[service]}/${r.json.id}`, { key: sim.clipmix.testKey });
			expect(g.json).toEqual(r.json);
			expect(sim.clipmix.job(r.json.id)).toMatchObject({ test: true, outcome: 'completed', creditsCost: 0, settled: true });
		}
		expect(sim.clipmix.balance(sim.clipmix.testKey)).toBe(before);
		expect(sim.clipmix.ledger).toHaveLength(0);
	});

	test('directives in any string field or URL query: [fail], [never], [render:NNN]', async () => {
		const url = 'https://example.com/a.jpg';
		const fail = await call(sim, '/family-videos', { body: { mode: 'story', photo_urls: [url], title: 'Grandma [fail] [render:20]' } });
		const failQ = await call(sim, '/translations', { body: { video_url: 'https://example.com/v.mp4?x=%5Bfail%5D&y=[render:20]', target_languages: ['de'] } });
		const never = await call(sim, '/avatars', { body: { face_image_url: url, script: 'Hi [never]' } });
		const render = await call(sim, '/family-videos', { body: { mode: 'moment', photo_urls: [url], music_prompt: 'calm piano [render:400]' } });
		expect(sim.clipmix.job(render.json.id)!.totalSimMs).toBe(400_000);
		expect(sim.clipmix.job(never.json.id)).toMatchObject({ outcome: 'never', totalSimMs: null });
		expect(sim.clipmix.job(never.json.id)!.settleAt).toBeUndefined();
		await sleep(25); // 25 simulated s
		for (const r of [fail, failQ]) {
			const g = await call(sim, `${r.json.service === 'translation' ? '/translations' : '/family-videos'}/${r.json.id}`);
			expect(g.json).toMatchObject({ status: 'failed', result_url: null, error: { code: 'generation_failed', message: expect.any(String) } });
			expect(g.json.credits_cost).toBeGreaterThan(0); // no refund
		}
		const settleAt = sim.clipmix.job(render.json.id)!.settleAt!;
		const t = Date.now();
		const mid = (await call(sim, `/family-videos/${render.json.id}`)).json.status;
		if (t < settleAt - 5) expect(mid).toBe('processing');
		await sleep(Math.max(0, settleAt - Date.now() + 2));
		expect((await call(sim, `/family-videos/${render.json.id}`)).json.status).toBe('completed');
		expect((await call(sim, `/avatars/${never.json.id}`)).json.status).toBe('processing');
		expect((await fetch(`${sim.cdnUrl}/clipmix/results/${fail.json.id}.mp4`)).status).toBe(404);
	});
});

describe('ClipMix simulator: idempotency and dropped responses', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: 1000 });
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.clipmix.reset());

	test('same key + same body: the original status and body, Idempotent-Replayed, one charge', async () => {
		const body = { prompt: 'Game theme [render:5]', lyrics: 'la la', duration_seconds: 30 };
		const a = await call(sim, '/music', { body, idem: 'order-42' });
		expect(a.status).toBe(201);
		expect(a.headers.get('idempotent-replayed')).toBeNull();
		await sleep(20); // the job is completed by now, yet the replay is the original (processing) response
		// Key order does not matter (canonical JSON).
		const b = await call(sim, '/music', { body: { duration_seconds: 30, lyrics: 'la la', prompt: 'Game theme [render:5]' }, idem: 'order-42' });
		expect(b.status).toBe(201);
		expect(b.text).toBe(a.text);
		expect(b.json.status).toBe('processing');
		expect(b.headers.get('idempotent-replayed')).toBe('true');
		expect((await call(sim, `/music/${a.json.id}`)).json.status).toBe('completed');
		expect(sim.clipmix.ledger).toEqual([{ apiKey: sim.clipmix.liveKey, jobId: a.json.id, credits: 30, at: expect.any(Number), idempotencyKey: 'order-42' }]);
		expect(sim.clipmix.job(a.json.id)!.idempotencyKey).toBe('order-42');
		expect(sim.clipmix.requestLog.filter((e) => e.path === '/music').map((e) => [e.status, e.replayed ?? false, e.idempotencyKey])).toEqual([
			[201, false, 'order-42'],
			[201, true, 'order-42'],
		]);

		// Same key, different body -> 422; same body on another endpoint -> 422 too.
		const c = await call(sim, '/music', { body: { ...body, duration_seconds: 31 }, idem: 'order-42' });
		expectError(c, 422, 'idempotency_key_reuse', /order-42/);
		expectError(await call(sim, '/avatars', { body, idem: 'order-42' }), 422, 'idempotency_key_reuse');
		// Nested key order does not matter either.
		const n1 = await call(sim, '/family-videos', { body: { mode: 'story', photo_urls: ['https://e.com/1.jpg'], extra: { b: 1, a: [{ y: 1, x: 2 }] } }, idem: 'nested' });
		const n2 = await call(sim, '/family-videos', { body: { extra: { a: [{ x: 2, y: 1 }], b: 1 }, photo_urls: ['https://e.com/1.jpg'], mode: 'story' }, idem: 'nested' });
		expect([n1.status, n2.status, n2.text === n1.text, n2.headers.get('idempotent-replayed')]).toEqual([201, 201, true, 'true']);

		// The scope is the API key: another key (even the same account's test key) starts fresh.
		const t = await call(sim, '/music', { body, idem: 'order-42', key: sim.clipmix.testKey });
		expect(t.status).toBe(201);
		expect(t.json.id).not.toBe(a.json.id);
		expect(t.headers.get('idempotent-replayed')).toBeNull();
		// Without the header every request is a new job.
		const u1 = await call(sim, '/music', { body });
		const u2 = await call(sim, '/music', { body });
		expect(u1.json.id).not.toBe(u2.json.id);
		expect(sim.clipmix.ledger).toHaveLength(4);

		// Concurrent requests with one key: one job, the others are replays.
		const burst = await Promise.all(Array.from({ length: 5 }, () => call(sim, '/music', { body: { prompt: 'burst' }, idem: 'burst-1' })));
		expect(new Set(burst.map((r) => r.json.id)).size).toBe(1);
		expect(burst.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
		expect(sim.clipmix.ledger.filter((c) => c.idempotencyKey === 'burst-1')).toHaveLength(1);
	});

	test('4xx answers are cached and replayed; 5xx (injected) are not', async () => {
		const poor = sim.clipmix.createAccount({ credits: 20 });
		const bad = await call(sim, '/music', { body: { prompt: '' }, idem: 'v1', key: poor.liveKey });
		expectError(bad, 400, 'invalid_request');
		const badAgain = await call(sim, '/music', { body: { prompt: '' }, idem: 'v1', key: poor.liveKey });
		expect([badAgain.status, badAgain.text, badAgain.headers.get('idempotent-replayed')]).toEqual([400, bad.text, 'true']);

		const p = await call(sim, '/music', { body: { prompt: 'x' }, idem: 'p1', key: poor.liveKey });
		expectError(p, 402, 'insufficient_credits');
		const p2 = await call(sim, '/music', { body: { prompt: 'x' }, idem: 'p1', key: poor.liveKey });
		expect([p2.status, p2.headers.get('idempotent-replayed')]).toEqual([402, 'true']);

		sim.clipmix.failNext(1, 503);
		const s = await call(sim, '/music', { body: { prompt: 'x', duration_seconds: 20 }, idem: 's1', key: poor.liveKey });
		expectError(s, 503, 'service_unavailable');
		const s2 = await call(sim, '/music', { body: { prompt: 'x', duration_seconds: 20 }, idem: 's1', key: poor.liveKey });
		expect([s2.status, s2.headers.get('idempotent-replayed')]).toEqual([201, null]);
		expect(sim.clipmix.ledger.map((c) => c.credits)).toEqual([20]);
		expectError(await call(sim, '/music', { body: { prompt: 'x' }, idem: 'k'.repeat(256) }), 400, 'invalid_request', /Idempotency-Key/);
	});

	test("failNext(1, 'drop'): processed and charged but no answer; the retry with the same key replays it", async () => {
		const body = { face_image_url: 'https://example.com/f.jpg', script: 'Welcome!' };
		const before = sim.clipmix.balance(sim.clipmix.liveKey);
		sim.clipmix.failNext(1, 'drop');
		await expect(call(sim, '/avatars', { body, idem: 'drop-1' })).rejects.toThrow();
		expect(sim.clipmix.ledger).toHaveLength(1);
		const jobId = sim.clipmix.ledger[0].jobId;
		expect(sim.clipmix.job(jobId)).toMatchObject({ service: 'avatar', idempotencyKey: 'drop-1' });

		const retry = await call(sim, '/avatars', { body, idem: 'drop-1' });
		expect(retry.status).toBe(201);
		expect(retry.json.id).toBe(jobId);
		expect(retry.headers.get('idempotent-replayed')).toBe('true');
		expect(sim.clipmix.ledger).toEqual([{ apiKey: sim.clipmix.liveKey, jobId, credits: 450, at: expect.any(Number), idempotencyKey: 'drop-1' }]);
		expect(sim.clipmix.balance(sim.clipmix.liveKey)).toBe(before - 450);
		expect(sim.clipmix.requestLog.map((e) => [e.status, !!e.dropped, !!e.replayed])).toEqual([
			[201, true, false],
			[201, false, true],
		]);

		// failNext queues up, statuses and drops alike.
		sim.clipmix.failNext(1, 502);
		sim.clipmix.failNext(1, 'drop');
		expectError(await call(sim, '/music/x'), 502, 'bad_gateway');
		await expect(call(sim, '/music/x')).rejects.toThrow();
		expect((await call(sim, '/music/x')).status).toBe(404);
	});

	test('idempotency keys expire after 24 simulated hours', async () => {
		const fast = await startSimulator({ timeScale: 200_000 }); // 24 h = 432 real ms
		try {
			const body = { prompt: 'x' };
			const a = await call(fast, '/music', { body, idem: 'day' });
			const b = await call(fast, '/music', { body, idem: 'day' });
			expect(b.json.id).toBe(a.json.id);
			await sleep(450);
			const c = await call(fast, '/music', { body: { prompt: 'different' }, idem: 'day' });
			expect(c.status).toBe(201);
			expect(c.json.id).not.toBe(a.json.id);
			expect(fast.clipmix.ledger).toHaveLength(2);
		} finally {
			await fast.close();
		}
	});
});

describe('ClipMix simulator: webhooks', () => {
	const SCALE = 1200; // 30 s = 25 ms, 5 min = 250 ms, 1 h = 3 s
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: SCALE });
	});
	afterAll(() => sim.close());

	test('live jobs: signed job.completed and job.failed events at settle time', async () => {
		const rx = await receiver();
		try {
			const { liveKey } = sim.clipmix.createAccount();
			const secret = 'whsec_live';
			sim.clipmix.setWebhook(liveKey, rx.url, secret);
			const ok = await call(sim, '/music', { body: { prompt: 'song [render:60]' }, key: liveKey });
			const bad = await call(sim, '/avatars', { body: { face_image_url: 'https://e.com/f.jpg', script: 'x [fail] [render:30]' }, key: liveKey });
			await waitUntil(() => rx.got.length >= 2);
			await sleep(50);
			expect(rx.got).toHaveLength(2);
			const failed = rx.got.find((r) => r.json.type === 'job.failed')!;
			const completed = rx.got.find((r) => r.json.type === 'job.completed')!;
			for (const r of rx.got) {
				expect(r.headers['content-type']).toBe('application/json');
				expect(r.headers['x-clipmix-signature']).toBe(hmac(secret, r.raw));
				expect(r.headers['x-clipmix-event-id']).toBe(r.json.id);
				expect(r.headers['x-clipmix-delivery-attempt']).toBe('1');
				expect(Object.keys(r.json).sort()).toEqual(['created_at', 'data', 'id', 'type']);
				expect(r.json.id).toMatch(/^evt_[A-Za-z0-9]{24}$/);
			}
			expect(failed.json.data).toMatchObject({ id: bad.json.id, status: 'failed', error: { code: 'generation_failed' }, result_url: null });
			expect(completed.json.data).toEqual((await call(sim, `/music/${ok.json.id}`, { key: liveKey })).json);
			expect(completed.json.data.status).toBe('completed');
			const sj = sim.clipmix.job(ok.json.id)!;
			expect(sj.settled).toBe(true);
			expect(completed.at).toBeGreaterThanOrEqual(sj.settleAt! - 2);
			// Each started out at its own job's settle time, not before, and in the order the two jobs settled.
			const settled = [sim.clipmix.job(bad.json.id)!, sj].sort((a, b) => a.settleAtSim! - b.settleAtSim!);
			const started = [...sim.clipmix.deliveries(liveKey)].sort((a, b) => a.simAt - b.simAt);
			expect(started.map((delivery) => delivery.type)).toEqual(settled.map((job) => (job.outcome === 'failed' ? 'job.failed' : 'job.completed')));
			for (const [i, delivery] of started.entries()) expect(delivery.simAt).toBeGreaterThanOrEqual(settled[i].settleAtSim!);
			expect(sim.clipmix.deliveries(liveKey).map((d) => [d.type, d.attempt, d.status, d.ok]).sort()).toEqual([
				['job.completed', 1, 200, true],
				['job.failed', 1, 200, true],
			]);
			// A key without a webhook gets nothing; the test key's webhook is separate.
			const rx2 = await receiver();
			try {
				const acc = sim.clipmix.createAccount();
				sim.clipmix.setWebhook(acc.testKey, rx2.url, 's');
				await call(sim, '/music', { body: { prompt: 'x [render:1]' }, key: acc.liveKey });
				await sleep(40);
				expect(rx2.got).toHaveLength(0);
			} finally {
				await rx2.close();
			}
		} finally {
			await rx.close();
		}
	});

	test('sandbox jobs send job.completed right after create', async () => {
		const rx = await receiver();
		try {
			const { testKey } = sim.clipmix.createAccount();
			sim.clipmix.setWebhook(testKey, rx.url, 'whsec_test');
			const r = await call(sim, '/translations', { body: BODIES.translation, key: testKey });
			await waitUntil(() => rx.got.length >= 1);
			expect(rx.got[0].json).toMatchObject({ type: 'job.completed', data: r.json });
			expect(rx.got[0].json.data.test).toBe(true);
			expect(rx.got[0].headers['x-clipmix-signature']).toBe(hmac('whsec_test', rx.got[0].raw));
		} finally {
			await rx.close();
		}
	});

	test('500, 500, 200: exactly three attempts at 0 s, 30 s and 5 min (simulated), same event', async () => {
		const rx = await receiver((n) => (n <= 2 ? 500 : 200));
		try {
			const { liveKey } = sim.clipmix.createAccount();
			sim.clipmix.setWebhook(liveKey, rx.url, 'k');
			await call(sim, '/music', { body: { prompt: 'x [render:1]' }, key: liveKey });
			await waitUntil(() => rx.got.length >= 3);
			await sleep(400); // well past the 5-min retry: no 4th attempt
			expect(rx.got).toHaveLength(3);
			expectSchedule(sim.clipmix.deliveries(liveKey), rx.got, SCALE, [0, 30, 300]);
			expect(new Set(rx.got.map((r) => r.json.id)).size).toBe(1);
			expect(new Set(rx.got.map((r) => r.raw.toString())).size).toBe(1); // same bytes every time
			expect(rx.got.map((r) => r.headers['x-clipmix-delivery-attempt'])).toEqual(['1', '2', '3']);
			const log = sim.clipmix.deliveries(liveKey);
			expect(log.map((d) => [d.attempt, d.status, d.ok])).toEqual([
				[1, 500, false],
				[2, 500, false],
				[3, 200, true],
			]);
			expect(log.every((d) => d.eventId === rx.got[0].json.id && d.type === 'job.completed' && d.url === rx.url)).toBe(true);
			expect((log[1].simAt - log[0].simAt) / 1000).toBeGreaterThanOrEqual(30 - SCALE / 1000);
		} finally {
			await rx.close();
		}
	});

	test('a receiver that always fails gets exactly four attempts (0 s, 30 s, 5 min, 1 h)', async () => {
		const rx = await receiver(() => 503);
		try {
			const { liveKey } = sim.clipmix.createAccount();
			sim.clipmix.setWebhook(liveKey, rx.url, 'k');
			await call(sim, '/music', { body: { prompt: 'x [render:1]' }, key: liveKey });
			await waitUntil(() => rx.got.length >= 4, 8000, 20);
			await sleep(300);
			expect(rx.got).toHaveLength(4);
			expectSchedule(sim.clipmix.deliveries(liveKey), rx.got, SCALE, [0, 30, 300, 3600]);
			expect(sim.clipmix.deliveries(liveKey).map((d) => [d.attempt, d.status, d.ok])).toEqual([
				[1, 503, false],
				[2, 503, false],
				[3, 503, false],
				[4, 503, false],
			]);
		} finally {
			await rx.close();
		}
	});

	test('fire test: a signed webhook.test event; delivery log of the last 100 attempts', async () => {
		const rx = await receiver();
		try {
			const { liveKey, testKey } = sim.clipmix.createAccount();
			await expect(sim.clipmix.fireTest(liveKey)).rejects.toThrow(/No webhook/);
			expect(() => sim.clipmix.setWebhook(liveKey, 'not a url', 's')).toThrow();
			expect(() => sim.clipmix.setWebhook('sk_live_unknown', rx.url, 's')).toThrow();
			sim.clipmix.setWebhook(liveKey, rx.url, 'whsec_fire');
			await sim.clipmix.fireTest(liveKey);
			expect(rx.got).toHaveLength(1); // fireTest resolves after the first attempt
			const ev = rx.got[0];
			expect(ev.json).toEqual({ id: expect.stringMatching(/^evt_/), type: 'webhook.test', created_at: expect.any(String), data: { test: true, message: expect.any(String) } });
			expect(ev.headers['x-clipmix-signature']).toBe(hmac('whsec_fire', ev.raw));
			expect(ev.headers['x-clipmix-signature']).not.toBe(hmac('other', ev.raw));
			const log = sim.clipmix.deliveries(liveKey);
			expect(log).toEqual([
				{ eventId: ev.json.id, type: 'webhook.test', attempt: 1, url: rx.url, status: 200, at: expect.any(Number), simAt: expect.any(Number), ok: true },
			]);

			// Admin endpoint, same thing, answering with the first attempt.
			const res = await fetch(`${sim.url}/__admin/clipmix/webhooks/test`, { method: 'POST', body: JSON.stringify({ apiKey: liveKey }) });
			const j = (await res.json()) as any;
			expect(res.status).toBe(200);
			expect(j.delivery).toMatchObject({ eventId: j.eventId, type: 'webhook.test', attempt: 1, status: 200, ok: true });

			for (let i = 0; i < 103; i++) await sim.clipmix.fireTest(liveKey);
			const all = sim.clipmix.deliveries(liveKey);
			expect(all).toHaveLength(100);
			expect(all[all.length - 1].eventId).toBe(rx.got[rx.got.length - 1].json.id);
			expect(sim.clipmix.deliveries(testKey)).toEqual([]);
		} finally {
			await rx.close();
		}
	});

	test('a receiver that does not answer in time (or cannot be reached) is logged with an error', async () => {
		const s2 = await startSimulator({ timeScale: 1000, clipmix: { webhookTimeoutMs: 100 } });
		const rx = await receiver(() => 'hang');
		try {
			const { liveKey, testKey } = s2.clipmix.createAccount();
			s2.clipmix.setWebhook(liveKey, rx.url, 's');
			const t = Date.now();
			await s2.clipmix.fireTest(liveKey);
			expect(Date.now() - t).toBeGreaterThanOrEqual(95);
			expect(s2.clipmix.deliveries(liveKey)[0]).toMatchObject({ attempt: 1, ok: false, error: expect.stringMatching(/timeout/) });
			expect(s2.clipmix.deliveries(liveKey)[0].status).toBeUndefined();

			s2.clipmix.setWebhook(testKey, 'http://127.0.0.1:1/nothing-listens', 's');
			await s2.clipmix.fireTest(testKey);
			expect(s2.clipmix.deliveries(testKey)[0]).toMatchObject({ attempt: 1, ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
		} finally {
			await s2.close();
			await rx.close();
		}
	});

	test('close() cancels pending settle timers and webhook retries', async () => {
		const s2 = await startSimulator({ timeScale: 1000 });
		const rx = await receiver(() => 500);
		try {
			s2.clipmix.setWebhook(s2.clipmix.liveKey, rx.url, 's');
			await call(s2, '/music', { body: { prompt: 'x [render:300]' } });
			await s2.clipmix.fireTest(s2.clipmix.liveKey); // 1st attempt fails; retry due in 30 ms
			await s2.close();
			await sleep(400);
			expect(rx.got.map((r) => r.json.type)).toEqual(['webhook.test']);
		} finally {
			await rx.close();
		}
	});
});

describe('ClipMix simulator: health, admin, injection', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: 1000 });
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.clipmix.reset());

	test('GET /clipmix/api/status: per service, from the last 5 simulated minutes of requests', async () => {
		const get = async (server: Simulator) => {
			const r = await fetch(server.clipmix.statusUrl);
			expect(r.status).toBe(200);
			return (await r.json()) as any;
		};
		// The counts on a slow simulator, whose 5 minutes are 30 real seconds: a busy machine cannot let any
		// of these requests slide out of the window before the page is read.
		const slow = await startSimulator({ timeScale: 10 });
		try {
			const h0 = await get(slow);
			expect(Object.keys(h0).sort()).toEqual(['services', 'updated_at']);
			expect(Object.keys(h0.services).sort()).toEqual(['avatar', 'memoryVideo', 'music', 'translation']);
			for (const s of Object.values<any>(h0.services)) expect(s).toEqual({ status: 'operational', requests: 0, errors: 0, error_rate: 0 });

			await call(slow, '/music', { body: { prompt: 'x' } });
			slow.clipmix.failNext(1, 500);
			await call(slow, '/music/mus_x');
			for (let i = 0; i < 3; i++) await call(slow, '/music/mus_x'); // 404s are not errors
			slow.clipmix.failNext(2, 503);
			await call(slow, '/avatars', { body: BODIES.avatar });
			await call(slow, '/avatars', { body: BODIES.avatar });
			await call(slow, '/translations', { body: BODIES.translation });
			const h1 = await get(slow);
			expect(h1.services.music).toEqual({ status: 'degraded', requests: 5, errors: 1, error_rate: 0.2 });
			expect(h1.services.avatar).toEqual({ status: 'outage', requests: 2, errors: 2, error_rate: 1 });
			expect(h1.services.translation).toMatchObject({ status: 'operational', requests: 1 });
			expect(h1.services.memoryVideo.status).toBe('operational');
		} finally {
			await slow.close();
		}
		// Sliding out on a faster one, whose 5 minutes are 1 real second: waiting longer only helps.
		const fast = await startSimulator({ timeScale: 300 });
		try {
			fast.clipmix.failNext(1, 500);
			await call(fast, '/music/mus_x');
			const h1 = await get(fast);
			expect(h1.services.music).toMatchObject({ requests: 1, errors: 1 });
			await sleep(1050); // 315 simulated s: all of it slid out of the window
			const h2 = await get(fast);
			expect(h2.services.music).toEqual({ status: 'operational', requests: 0, errors: 0, error_rate: 0 });
			expect(new Date(h2.updated_at).getTime()).toBeGreaterThan(new Date(h1.updated_at).getTime());
		} finally {
			await fast.close();
		}
	});

	test('admin endpoints drive the same controls over HTTP', async () => {
		const admin = async (path: string, body?: unknown) => {
			const r = await fetch(`${sim.url}/__admin/clipmix${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
			return { status: r.status, json: (await r.json()) as any };
		};
		const acc = await admin('/accounts', { credits: 100, purchased: true });
		expect(acc.status).toBe(201);
		const { liveKey, testKey } = acc.json;
		expect(acc.json.account).toMatchObject({ credits: 100, purchased: true, liveKey, testKey });
		expect((await admin(`/accounts/${liveKey}`)).json.credits).toBe(100);
		expect((await admin('/accounts/sk_live_nope')).status).toBe(404);

		const rx = await receiver();
		try {
			expect((await admin('/webhooks', { apiKey: liveKey, url: rx.url, secret: 'adm' })).json).toMatchObject({ ok: true, webhook: { url: rx.url } });
			expect((await admin('/webhooks', { apiKey: 'sk_live_nope', url: rx.url, secret: 'x' })).status).toBe(404);
			expect((await admin('/webhooks', { apiKey: liveKey, url: 'nope', secret: 'x' })).json.error.code).toBe('invalid_request');
			expect((await admin(`/webhooks/${liveKey}`)).json.webhook).toEqual({ url: rx.url, secret: 'adm' });
			expect((await admin('/webhooks/test', { apiKey: testKey })).status).toBe(400);

			const fn = await admin('/fail-next', { count: 1, status: 'drop' });
			expect(fn.json).toEqual({ ok: true, pendingFailures: 1 });
			expect((await admin('/fail-next', { count: 1, status: 'boom' })).status).toBe(400);
			await expect(call(sim, '/music', { body: { prompt: 'x [render:1]' }, key: liveKey, idem: 'a1' })).rejects.toThrow();
			const ledger = await admin(`/ledger?apiKey=${liveKey}`);
			expect(ledger.json).toMatchObject({ count: 1, total: 60, charges: [{ apiKey: liveKey, credits: 60, idempotencyKey: 'a1' }] });
			const jobId = ledger.json.charges[0].jobId;
			const job = await admin(`/jobs/${jobId}`);
			expect(job.json).toMatchObject({ id: jobId, service: 'music', apiKey: liveKey, creditsCost: 60 });
			expect((await admin('/jobs/mus_nope')).status).toBe(404);
			await waitUntil(() => rx.got.length >= 1);
			const del = await admin(`/deliveries/${liveKey}`);
			expect(del.json.count).toBe(1);
			expect(del.json.deliveries[0]).toMatchObject({ type: 'job.completed', ok: true });
			expect((await admin(`/deliveries?apiKey=${liveKey}`)).json.count).toBe(1);
			const log = await admin('/request-log');
			expect(log.json.requests[0]).toMatchObject({ method: 'POST', path: '/music', status: 201, dropped: true, apiKey: liveKey });

			const info = await (await fetch(`${sim.url}/__admin`)).json();
			expect((info as any).clipmix).toEqual({ baseUrl: sim.clipmix.baseUrl, statusUrl: sim.clipmix.statusUrl, liveKey: sim.clipmix.liveKey, testKey: sim.clipmix.testKey });
			expect((await admin('')).json).toMatchObject({ liveKey: sim.clipmix.liveKey, pendingFailures: 0 });

			expect((await admin('/reset', {})).json).toEqual({ ok: true });
			expect(sim.clipmix.ledger).toHaveLength(0);
			expect(sim.clipmix.requestLog).toHaveLength(0);
			expect(sim.clipmix.deliveries(liveKey)).toHaveLength(0);
			expect(sim.clipmix.balance(liveKey)).toBe(40); // balances stay
			expect((await admin('/nope')).json.error.code).toBe('not_found');
		} finally {
			await rx.close();
		}
	});

	test('errorRate and latencyMs; no rate limit', async () => {
		const s2 = await startSimulator({ clipmix: { errorRate: 1, latencyMs: 60 } });
		try {
			const t = Date.now();
			const r = await call(s2, '/music/mus_x');
			expect(Date.now() - t).toBeGreaterThanOrEqual(55);
			expect([500, 502, 503]).toContain(r.status);
			expect(r.json.error.code).toMatch(/^(internal_error|bad_gateway|service_unavailable)$/);
		} finally {
			await s2.close();
		}
		const statuses = await Promise.all(Array.from({ length: 150 }, () => call(sim, '/music/mus_x').then((r) => r.status)));
		expect(new Set(statuses)).toEqual(new Set([404]));
		const r = await call(sim, '/music/mus_x');
		expect(r.headers.get('x-ratelimit-limit')).toBeNull();
	});
});
