import * as http from 'node:http';
import { type Simulator, startSimulator } from './index';
import { type ApiResponse, callApi } from './testClient';

async function call(
	sim: Simulator,
	path: string,
	opts: { method?: string; key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
	return await callApi(sim.blipix.baseUrl + path, { ...opts, key: opts.key === undefined ? sim.blipix.apiKey : opts.key });
}

const create = (sim: Simulator, body: Record<string, unknown>, key?: string) =>
	call(sim, '/videos/create', { body: { voice: 'alloy', ...body }, key });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectErrorShape(r: ApiResponse): void {
	expect(Object.keys(r.json)).toEqual(['error']);
	expect(typeof r.json.error).toBe('string');
	expect(r.json.error.length).toBeGreaterThan(0);
}

describe('Blipix simulator: basics', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: 1000 });
	});
	afterAll(() => sim.close());
	beforeEach(() => sim.blipix.reset());

	test('auth: missing, unknown and malformed keys get 401 { error } without rate-limit headers', async () => {
		for (const r of [
			await call(sim, '/me', { key: null }),
			await call(sim, '/me', { key: 'blx_nope' }),
			await call(sim, '/me', { key: null, headers: { Authorization: 'Token abc' } }),
		]) {
			expect(r.status).toBe(401);
			expectErrorShape(r);
			expect(r.headers.get('x-ratelimit-limit')).toBeNull();
		}
		const ok = await call(sim, '/me');
		expect(ok.status).toBe(200);
		expect(ok.headers.get('x-ratelimit-limit')).toBe('60');
		expect(ok.headers.get('x-ratelimit-remaining')).toBe('59');
		expect(ok.headers.get('retry-after')).toBeNull();
		expect(ok.headers.get('x-ratelimit-reset')).toBeNull();
		expect(sim.blipix.apiKey).toMatch(/^blx_/);
	});

	test('GET /me has the documented shape', async () => {
		const r = await call(sim, '/me');
		expect(Object.keys(r.json).sort()).toEqual(['country', 'credits', 'email', 'firstName', 'id', 'lastName', 'plan'].sort());
		expect(r.json.credits).toEqual({ used: 0, total: 500, remaining: 500 });
	});

	test('styles and voices catalogues', async () => {
		const s = await call(sim, '/styles');
		expect(s.json.count).toBe(25);
		expect(s.json.styles).toHaveLength(25);
		const names = s.json.styles.map((x: any) => x.name);
		expect(names).toEqual(expect.arrayContaining(['Cinematic', 'Anime']));
		const thumb = await fetch(s.json.styles[0].thumbnail);
		expect(thumb.status).toBe(200);
		expect(thumb.headers.get('content-type')).toBe('image/jpeg');
		expect(s.json.styles[0].thumbnail.startsWith(sim.cdnUrl)).toBe(true);

		const v = await call(sim, '/voices');
		expect(v.json.count).toBe(30);
		expect(v.json.voices).toHaveLength(30);
		expect(v.json.voices).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ voiceId: 'alloy', name: 'Alloy', language: 'en', gender: 'female' }),
				expect.objectContaining({ voiceId: 'nova', name: 'Nova', language: 'en', gender: 'female' }),
			]),
		);
		expect(new Set(v.json.voices.map((x: any) => x.gender))).toEqual(new Set(['female', 'male']));
		expect(new Set(v.json.voices.map((x: any) => x.language)).size).toBeGreaterThan(5);
		const preview = await fetch(v.json.voices[0].preview);
		expect(preview.headers.get('content-type')).toBe('audio/mp4');
	});

	test('credits go down by the documented cost; 402 when too few', async () => {
		const key = sim.blipix.createAccount({ credits: 45 });
		const me = async () => (await call(sim, '/me', { key })).json.credits;
		expect(await me()).toEqual({ used: 0, total: 45, remaining: 45 });

		const a = await create(sim, { prompt: 'A', duration: '30-60' }, key);
		expect(a.status).toBe(201);
		expect(a.json).toEqual({
			id: expect.any(String),
			status: 'processing',
			message: 'Video generation started. Poll GET /api/v1/videos/:id to check status.',
			creditsCost: 10,
		});
		expect(await me()).toEqual({ used: 10, total: 45, remaining: 35 });

		const b = await create(sim, { prompt: 'B', duration: '90-120' }, key);
		expect(b.json.creditsCost).toBe(20);
		expect(await me()).toEqual({ used: 30, total: 45, remaining: 15 });

		const c = await create(sim, { prompt: 'C', duration: '150-180' }, key);
		expect(c.status).toBe(402);
		expectErrorShape(c);
		expect(c.json.error).toMatch(/30/);
		expect(c.json.error).toMatch(/15/);
		expect(await me()).toEqual({ used: 30, total: 45, remaining: 15 });

		const d = await create(sim, { prompt: 'D' }, key); // default 30-60 => 10
		expect(d.json.creditsCost).toBe(10);
		expect(await me()).toEqual({ used: 40, total: 45, remaining: 5 });
		const st = sim.blipix.stats(key);
		expect(st.creates).toBe(3);
		expect(st.creditsSpent).toBe(40);
		expect(st.byRoute['POST /videos/create']).toBe(4);

		const costs = { '60-90': 10, '120-150': 20, '180-210': 30, '210-300': 60, '300-420': 80, '420-600': 120, '600-720': 160, '720-900': 200 };
		const rich = sim.blipix.createAccount({ credits: 10_000 });
		for (const [duration, cost] of Object.entries(costs)) {
			const r = await create(sim, { prompt: 'x', duration }, rich);
			expect([duration, r.json.creditsCost]).toEqual([duration, cost]);
		}
	});

	test('create validation: a 400 with a specific message per field, nothing charged', async () => {
		const key = sim.blipix.createAccount({ credits: 100 });
		const cases: Array<[Record<string, unknown>, RegExp]> = [
			[{ voice: 'alloy' }, /prompt/],
			[{ prompt: '   ', voice: 'alloy' }, /prompt/],
			[{ prompt: 42, voice: 'alloy' }, /prompt/],
			[{ prompt: 'x' }, /voice/],
			[{ prompt: 'x', voice: 'nobody' }, /voice/],
			[{ prompt: 'x', voice: 'alloy', style: 'Cubism' }, /style/],
			[{ prompt: 'x', voice: 'alloy', duration: '30-90' }, /duration/],
			[{ prompt: 'x', voice: 'alloy', duration: 45 }, /duration/],
			[{ prompt: 'x', voice: 'alloy', aspectRatio: '4:3' }, /aspectRatio/],
			[{ prompt: 'x', voice: 'alloy', language: 'xx' }, /language/],
			[{ prompt: 'x'.repeat(5001), voice: 'alloy' }, /prompt/],
		];
		for (const [body, re] of cases) {
			const r = await call(sim, '/videos/create', { body, key });
			expect([JSON.stringify(body).slice(0, 60), r.status]).toEqual([JSON.stringify(body).slice(0, 60), 400]);
			expectErrorShape(r);
			expect(r.json.error).toMatch(re);
		}
		const badJson = await call(sim, '/videos/create', { rawBody: '{"prompt": ', key, headers: { 'Content-Type': 'application/json' }, method: 'POST' });
		expect(badJson.status).toBe(400);
		expect(badJson.json.error).toMatch(/JSON/);
		const noType = await call(sim, '/videos/create', { rawBody: JSON.stringify({ prompt: 'x', voice: 'alloy' }), key, method: 'POST' });
		expect(noType.status).toBe(400);
		expect(noType.json.error).toMatch(/prompt/);
		expect((await call(sim, '/me', { key })).json.credits.used).toBe(0);

		// Defaults and all documented values are accepted.
		const ok = await call(sim, '/videos/create', {
			key,
			body: { prompt: 'x', voice: 'nova', style: 'Anime', duration: '30-60', aspectRatio: '1:1', language: 'fil' },
		});
		expect(ok.status).toBe(201);
		const v = sim.blipix.video(ok.json.id)!;
		expect([v.style, v.aspectRatio, v.language, v.voice]).toEqual(['Anime', '1:1', 'fil', 'nova']);
		const def = await create(sim, { prompt: 'defaults', style: '', language: null }, key);
		const dv = sim.blipix.video(def.json.id)!;
		expect([dv.style, dv.durationRange, dv.aspectRatio, dv.language]).toEqual(['Cinematic', '30-60', '9:16', 'en']);
	});

	test('list: newest first, limit, status filter, validation; 404s', async () => {
		const key = sim.blipix.createAccount();
		const ids: string[] = [];
		for (const prompt of ['one [never]', 'two [fail][render:1]', 'three [render:1]']) {
			ids.push((await create(sim, { prompt }, key)).json.id);
			await sleep(3);
		}
		await sleep(20); // 20 real ms = 20 simulated s at 1000x: two and three are done
		const all = await call(sim, '/videos', { key });
		expect(all.json.count).toBe(3);
		expect(all.json.videos.map((v: any) => v.id)).toEqual([...ids].reverse());
		expect(Object.keys(all.json.videos[0]).sort()).toEqual(
			['aspectRatio', 'createdAt', 'description', 'duration', 'hashtags', 'id', 'renderStatus', 'status', 'thumbnailUrl', 'title', 'type', 'videoUrl'].sort(),
		);
		expect((await call(sim, '/videos?limit=2', { key })).json.videos.map((v: any) => v.id)).toEqual([ids[2], ids[1]]);
		expect((await call(sim, '/videos?status=ready', { key })).json.videos.map((v: any) => v.id)).toEqual([ids[2]]);
		expect((await call(sim, '/videos?status=failed', { key })).json.videos.map((v: any) => v.id)).toEqual([ids[1]]);
		expect((await call(sim, '/videos?status=processing&limit=100', { key })).json.videos.map((v: any) => v.id)).toEqual([ids[0]]);
		for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5', 'status=done', 'status=']) {
			const r = await call(sim, `/videos?${q}`, { key });
			expect([q, r.status]).toEqual([q, 400]);
			expectErrorShape(r);
		}
		// Another account sees none of them.
		expect((await call(sim, '/videos')).json.videos.some((v: any) => ids.includes(v.id))).toBe(false);
		const other = await call(sim, `/videos/${ids[0]}`);
		expect(other.status).toBe(404);
		const missing = await call(sim, '/videos/doesnotexist', { key });
		expect(missing.status).toBe(404);
		expectErrorShape(missing);
		expect(missing.headers.get('x-ratelimit-remaining')).not.toBeNull();
		expect((await call(sim, '/nope', { key })).status).toBe(404);
	});

	test('failNext: the next N requests get the status without being processed', async () => {
		const key = sim.blipix.createAccount({ credits: 50 });
		sim.blipix.failNext(2, 503);
		const a = await create(sim, { prompt: 'x' }, key);
		const b = await call(sim, '/me', { key });
		expect([a.status, b.status]).toEqual([503, 503]);
		expectErrorShape(a);
		expect(a.headers.get('x-ratelimit-limit')).toBeNull();
		const c = await call(sim, '/me', { key });
		expect(c.status).toBe(200);
		expect(c.json.credits.used).toBe(0);
		expect(c.headers.get('x-ratelimit-remaining')).toBe('59'); // injected failures used no budget
		expect(sim.blipix.stats(key)).toMatchObject({ requests: 3, injectedFailures: 2, creates: 0 });

		sim.blipix.failNext(3, 429);
		const statuses = [];
		for (let i = 0; i < 4; i++) statuses.push((await call(sim, '/me', { key: null })).status);
		expect(statuses).toEqual([429, 429, 429, 401]);
		expect(sim.blipix.requestLog.slice(-4).map((e) => e.status)).toEqual([429, 429, 429, 401]);
	});

	test('admin endpoints drive the same controls over HTTP', async () => {
		const acc = await fetch(`${sim.url}/__admin/blipix/accounts`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ credits: 7, plan: 'PRO' }),
		});
		expect(acc.status).toBe(201);
		const { apiKey } = (await acc.json()) as any;
		const me = await call(sim, '/me', { key: apiKey });
		expect(me.json.plan).toBe('PRO');
		expect(me.json.credits.total).toBe(7);

		await fetch(`${sim.url}/__admin/blipix/fail-next`, { method: 'POST', body: JSON.stringify({ count: 1, status: 502 }) });
		expect((await call(sim, '/me', { key: apiKey })).status).toBe(502);
		const stats = (await (await fetch(`${sim.url}/__admin/blipix/stats/${apiKey}`)).json()) as any;
		expect(stats).toMatchObject({ requests: 2, injectedFailures: 1, byRoute: { 'GET /me': 2 } });
		const log = (await (await fetch(`${sim.url}/__admin/blipix/request-log`)).json()) as any;
		expect(log.requests.length).toBeGreaterThanOrEqual(2);
		expect((await fetch(`${sim.url}/__admin/blipix/reset`, { method: 'POST' })).status).toBe(200);
		expect(sim.blipix.requestLog).toHaveLength(0);
		expect(sim.blipix.stats(apiKey).requests).toBe(0);
		const info = (await (await fetch(`${sim.url}/__admin`)).json()) as any;
		expect(info.blipix).toEqual({ baseUrl: sim.blipix.baseUrl, apiKey: sim.blipix.apiKey });
		expect(info.cdnUrl).toBe(sim.cdnUrl);
	});
});

describe('Blipix simulator: limits', () => {
	test('per-IP failed-auth limit: after 20 failures in 15 simulated minutes, 429', async () => {
		const sim = await startSimulator();
		try {
			for (let i = 0; i < 20; i++) expect((await call(sim, '/me', { key: `blx_bad${i}` })).status).toBe(401);
			const blocked = await call(sim, '/me', { key: 'blx_bad' });
			expect(blocked.status).toBe(429);
			expectErrorShape(blocked);
			// The block covers the whole IP, valid key included (documented choice).
			expect((await call(sim, '/me')).status).toBe(429);
			sim.blipix.reset();
			expect((await call(sim, '/me')).status).toBe(200);
		} finally {
			await sim.close();
		}
	});

	test('failed-auth window slides in simulated time', async () => {
		const sim = await startSimulator({ timeScale: 60, blipix: { failedAuthLimit: { limit: 3, windowMs: 30_000 } } });
		try {
			for (let i = 0; i < 3; i++) expect((await call(sim, '/me', { key: null })).status).toBe(401);
			expect((await call(sim, '/me', { key: null })).status).toBe(429);
			await sleep(550); // 33 simulated seconds
			expect((await call(sim, '/me', { key: null })).status).toBe(401);
		} finally {
			await sim.close();
		}
	});

	test('per-key sliding-window rate limit with headers; 429s do not consume budget', async () => {
		const sim = await startSimulator({ timeScale: 60, blipix: { rateLimit: { limit: 5, windowMs: 60_000 } } });
		try {
			const tFirst = Date.now();
			const remaining: Array<string | null> = [];
			for (let i = 0; i < 5; i++) {
				const r = await call(sim, '/me');
				expect(r.status).toBe(200);
				expect(r.headers.get('x-ratelimit-limit')).toBe('5');
				remaining.push(r.headers.get('x-ratelimit-remaining'));
			}
			const tLast = Date.now();
			expect(remaining).toEqual(['4', '3', '2', '1', '0']);
			const limited = await create(sim, { prompt: 'x' });
			expect(limited.status).toBe(429);
			expectErrorShape(limited);
			expect(limited.headers.get('x-ratelimit-limit')).toBe('5');
			expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
			expect(limited.headers.get('retry-after')).toBeNull();
			expect((await call(sim, '/me')).json.error).toBeDefined(); // still limited (and was not processed)

			// Another key has its own budget.
			const other = sim.blipix.createAccount();
			expect((await call(sim, '/me', { key: other })).headers.get('x-ratelimit-remaining')).toBe('4');

			// More rejected requests half-way through the window...
			await sleep(Math.max(0, tFirst + 400 - Date.now()));
			for (let i = 0; i < 3; i++) expect((await call(sim, '/me')).status).toBe(429);
			// ...then once the first five slid out (1 real s = 60 simulated s), the budget is whole again:
			// had the three 429s counted, they would still be inside the window now.
			await sleep(Math.max(0, tLast + 1040 - Date.now()));
			const again = await call(sim, '/me');
			expect(again.status).toBe(200);
			expect(again.json.credits.used).toBe(0);
			expect(again.headers.get('x-ratelimit-remaining')).toBe('4');
			const st = sim.blipix.stats(sim.blipix.apiKey);
			expect(st.rateLimited).toBe(5);
			expect(st.requests).toBe(11);
			expect(st.creates).toBe(0);
		} finally {
			await sim.close();
		}
	});

	test('errorRate and latencyMs', async () => {
		const sim = await startSimulator({ blipix: { errorRate: 1, latencyMs: 60 } });
		try {
			const t = Date.now();
			const r = await call(sim, '/me');
			expect(Date.now() - t).toBeGreaterThanOrEqual(55);
			expect([500, 502, 503]).toContain(r.status);
			expectErrorShape(r);
		} finally {
			await sim.close();
		}
	});
});

describe('Blipix simulator: lifecycle and CDN', () => {
	let sim: Simulator;
	beforeAll(async () => {
		sim = await startSimulator({ timeScale: 200 });
	});
	afterAll(() => sim.close());

	test('processing -> queued -> rendering -> completed at exactly [render:NNN]', async () => {
		const created = await create(sim, { prompt: 'Top 5 AI Tools in 2026 [render:200]', aspectRatio: '16:9', duration: '60-90' });
		const id = created.json.id;
		const seen: any[] = [];
		for (;;) {
			const r = await call(sim, `/videos/${id}`);
			expect(r.status).toBe(200);
			seen.push({ ...r.json, at: Date.now() });
			if (r.json.status !== 'processing') break;
			await sleep(8);
		}
		const first = seen[0];
		expect(first.status).toBe('processing');
		expect(first.renderStatus).toBeNull();
		expect(first.videoUrl).toBeNull();
		const order: Array<string | null> = [];
		for (const s of seen) if (order[order.length - 1] !== s.renderStatus || order.length === 0) order.push(s.renderStatus);
		expect(order).toEqual([null, 'queued', 'rendering', 'completed']);
		let lastProgress = -1;
		for (const s of seen) {
			expect(s.videoUrl !== null).toBe(s.renderStatus === 'completed');
			expect(s.status === 'ready').toBe(s.renderStatus === 'completed');
			if (s.renderStatus === 'rendering') {
				expect(s.renderProgress).toBeGreaterThanOrEqual(lastProgress);
				expect(s.renderProgress).toBeLessThan(100);
				lastProgress = s.renderProgress;
			}
			if (s.renderStatus === null) expect(s.renderProgress).toBeNull();
		}
		expect(seen.filter((s) => s.renderStatus === 'rendering').length).toBeGreaterThan(3);
		const done = seen[seen.length - 1];
		expect(done).toMatchObject({
			id,
			status: 'ready',
			type: 'standard',
			aspectRatio: '16:9',
			renderStatus: 'completed',
			renderProgress: 100,
			title: 'Top 5 AI Tools In 2026',
		});
		expect(done.duration).toBeGreaterThanOrEqual(60);
		expect(done.duration).toBeLessThanOrEqual(90);
		expect(typeof done.script).toBe('string');
		expect(done.hashtags.length).toBeGreaterThan(0);
		expect(new Date(done.createdAt).toISOString()).toBe(done.createdAt);
		for (const u of [done.videoUrl, done.thumbnailUrl, done.audioUrl]) expect(u.startsWith(sim.cdnUrl + '/')).toBe(true);

		const v = sim.blipix.video(id)!;
		expect(v.readyAt! - v.createdAt).toBeCloseTo(1000, -1); // 200 simulated s at 200x
		expect(done.at).toBeGreaterThanOrEqual(v.readyAt!);
		expect(v.status).toBe('ready');

		// CDN: exact bytes, a real MP4, no API key sent, correct headers.
		sim.cdnRequests.length = 0;
		const res = await fetch(done.videoUrl);
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('video/mp4');
		const bytes = Buffer.from(await res.arrayBuffer());
		expect(bytes.equals(sim.blipix.videoFile(id))).toBe(true);
		expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
		const thumb = await fetch(done.thumbnailUrl);
		expect(thumb.headers.get('content-type')).toBe('image/jpeg');
		const thumbBytes = Buffer.from(await thumb.arrayBuffer());
		expect(thumbBytes.equals(sim.blipix.thumbnailFile(id))).toBe(true);
		expect(thumbBytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
		const audio = await fetch(done.audioUrl);
		expect(audio.headers.get('content-type')).toBe('audio/mp4');
		expect(Buffer.from(await audio.arrayBuffer()).subarray(4, 8).toString('latin1')).toBe('ftyp');
		expect(sim.cdnRequests.map((r) => r.path)).toEqual([`/videos/${id}.mp4`, `/thumbnails/${id}.jpg`, `/audio/${id}.m4a`]);
		expect(sim.cdnRequests.every((r) => r.authorization === undefined)).toBe(true);

		// Range and HEAD.
		const part = await fetch(done.videoUrl, { headers: { Range: 'bytes=0-7' } });
		expect(part.status).toBe(206);
		expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 8))).toBe(true);
		const head = await fetch(done.videoUrl, { method: 'HEAD' });
		expect(Number(head.headers.get('content-length'))).toBe(bytes.length);
	});

	test('[fail], [fail:render] and [never]', async () => {
		const f = (await create(sim, { prompt: 'broken [fail] [render:40]' })).json.id;
		const fr = (await create(sim, { prompt: 'broken render [fail:render] [render:40]' })).json.id;
		const n = (await create(sim, { prompt: 'stuck [never] [render:1]' })).json.id;
		expect((await call(sim, `/videos/${f}`)).json.status).toBe('processing');
		await sleep(260); // 52 simulated seconds
		const fj = (await call(sim, `/videos/${f}`)).json;
		expect(fj).toMatchObject({ status: 'failed', renderStatus: null, videoUrl: null });
		const frj = (await call(sim, `/videos/${fr}`)).json;
		expect(frj).toMatchObject({ status: 'failed', renderStatus: 'failed', videoUrl: null });
		const nj = (await call(sim, `/videos/${n}`)).json;
		expect(nj).toMatchObject({ status: 'processing', renderStatus: null, videoUrl: null });
		expect(sim.blipix.video(f)!.failedAt).toBeDefined();
		expect(sim.blipix.video(n)!.readyAt).toBeUndefined();
		expect((await fetch(`${sim.cdnUrl}/videos/${f}.mp4`)).status).toBe(404);
	});

	test('video URL is 404 on the CDN until completed', async () => {
		const id = (await create(sim, { prompt: 'slow [render:600]' })).json.id;
		const r = await fetch(`${sim.cdnUrl}/videos/${id}.mp4`);
		expect(r.status).toBe(404);
		await r.arrayBuffer();
	});

	test('blob streaming: exact size, video/mp4, ftyp box, HEAD', async () => {
		const size = 50 * 1024 * 1024 + 17;
		const res = await fetch(`${sim.cdnUrl}/blob/${size}.mp4`);
		expect(res.headers.get('content-type')).toBe('video/mp4');
		expect(Number(res.headers.get('content-length'))).toBe(size);
		let total = 0;
		let head: Buffer | undefined;
		for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
			if (!head) head = Buffer.from(chunk.subarray(0, 8));
			total += chunk.length;
		}
		expect(total).toBe(size);
		expect(head!.subarray(4, 8).toString('latin1')).toBe('ftyp');
		const h = await fetch(`${sim.cdnUrl}/blob/1073741824.mp4`, { method: 'HEAD' });
		expect(h.headers.get('content-length')).toBe('1073741824');
		expect((await fetch(`${sim.cdnUrl}/blob/abc.mp4`)).status).toBe(404);
	});

	test('videoBytes option pads the served MP4 to an exact size', async () => {
		const s2 = await startSimulator({ timeScale: 1000, blipix: { videoBytes: 200_000 } });
		try {
			const id = (await create(s2, { prompt: 'x [render:1]' })).json.id;
			await sleep(5);
			const url = (await call(s2, `/videos/${id}`)).json.videoUrl;
			const bytes = Buffer.from(await (await fetch(url)).arrayBuffer());
			expect(bytes.length).toBe(200_000);
			expect(bytes.equals(s2.blipix.videoFile(id))).toBe(true);
			expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
		} finally {
			await s2.close();
		}
	});
});

test('close() ends both servers promptly even with open keep-alive and in-flight downloads', async () => {
	const sim = await startSimulator();
	const agent = new http.Agent({ keepAlive: true });
	await new Promise<void>((resolve) => {
		http.get(`${sim.blipix.baseUrl}/me`, { agent, headers: { Authorization: `Bearer ${sim.blipix.apiKey}` } }, (res) => {
			res.resume();
			res.on('end', resolve);
		});
	});
	let received = 0;
	const download = new Promise<void>((resolve) => {
		const req = http.get(`${sim.cdnUrl}/blob/1073741824.mp4`, { agent }, (res) => {
			res.once('data', () => {
				void sim.close();
			});
			res.on('data', (chunk: Buffer) => {
				received += chunk.length;
			});
			res.on('close', resolve);
			res.on('error', () => resolve());
		});
		req.on('error', () => resolve());
	});
	await download;
	await sim.close();
	// Cut off by close(), not finished: counted in bytes, far from the whole gibibyte.
	expect(received).toBeGreaterThan(0);
	expect(received / 1073741824).toBeLessThan(0.5);
	agent.destroy();
});
