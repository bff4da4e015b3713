/**
 * The simulator's options for the other plausible choices where the docs are silent (README.md, "Choices
 * where the docs are silent" / "ClipMix choices where the post is silent"): each one against its default.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIPMIX_RESULT_SHAPES } from './clipmix';
import { type Simulator, type SimulatorOptions, startSimulator } from './index';
import { type ApiResponse, callApi } from './testClient';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a simulator, run `fn`, close it. */
async function withSim<T>(opts: SimulatorOptions, fn: (sim: Simulator) => Promise<T>): Promise<T> {
	const sim = await startSimulator(opts);
	try {
		return await fn(sim);
	} finally {
		await sim.close();
	}
}

type Call = { method?: string; key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string>; idem?: string };

function blipix(sim: Simulator, path: string, opts: Call = {}): Promise<ApiResponse> {
	return callApi(sim.blipix.baseUrl + path, { ...opts, key: opts.key === undefined ? sim.blipix.apiKey : opts.key });
}

function clipmix(sim: Simulator, path: string, opts: Call = {}): Promise<ApiResponse> {
	const headers = opts.idem === undefined ? opts.headers : { ...opts.headers, 'Idempotency-Key': opts.idem };
	return callApi(sim.clipmix.baseUrl + path, { ...opts, headers, key: opts.key === undefined ? sim.clipmix.liveKey : opts.key });
}

/** A call whose socket may be destroyed: the response, or 'reset'. */
async function attempt(p: Promise<ApiResponse>): Promise<ApiResponse | 'reset'> {
	try {
		return await p;
	} catch {
		return 'reset';
	}
}

const statusOf = (r: ApiResponse | 'reset') => (r === 'reset' ? 'reset' : r.status);

const VIDEO = { prompt: 'Why cats purr', voice: 'alloy' };

// ---------------------------------------------------------------------------------------------
// Blipix
// ---------------------------------------------------------------------------------------------

describe('Blipix choices', () => {
	test("errorBody: 'error' (default), 'message' and 'detailed'", async () => {
		const bodies = async (sim: Simulator) => {
			const poor = sim.blipix.createAccount({ credits: 5 });
			const out = {
				validation: await blipix(sim, '/videos/create', { body: { ...VIDEO, voice: 'not-a-voice' } }),
				limit: await blipix(sim, '/videos?limit=0'),
				notObject: await blipix(sim, '/videos/create', { body: [1] }),
				malformed: await blipix(sim, '/videos/create', { rawBody: '{', headers: { 'Content-Type': 'application/json' } }),
				unauthorized: await blipix(sim, '/me', { key: 'blx_nope' }),
				credits: await blipix(sim, '/videos/create', { body: VIDEO, key: poor }),
				notFound: await blipix(sim, '/videos/nope'),
				injected: (sim.blipix.failNext(1, 503), await blipix(sim, '/me')),
			};
			sim.blipix.blockIp();
			return { ...out, blocked: await blipix(sim, '/me') };
		};

		const def = await withSim({}, bodies);
		for (const r of Object.values(def)) expect(Object.keys(r.json)).toEqual(['error']);
		expect(def.validation.json.error).toBe('Invalid voice "not-a-voice". Use a voiceId from GET /voices.');
		expect(def.blocked.json.error).toMatch(/^Too many failed authentication attempts from this IP/);

		const msg = await withSim({ blipix: { errorBody: 'message' } }, bodies);
		for (const [name, r] of Object.entries(msg)) {
			expect(Object.keys(r.json)).toEqual(['message']);
			expect([name, r.status, r.json.message]).toEqual([name, def[name as keyof typeof def].status, def[name as keyof typeof def].json.error]);
		}

		const det = await withSim({ blipix: { errorBody: 'detailed' } }, bodies);
		expect(det.validation.json).toEqual({
			error: 'Validation failed',
			message: 'Invalid voice "not-a-voice". Use a voiceId from GET /voices.',
			details: [{ field: 'voice', message: 'Invalid voice "not-a-voice". Use a voiceId from GET /voices.' }],
		});
		expect(det.limit.json).toEqual({ error: 'Validation failed', message: def.limit.json.error, details: [{ field: 'limit', message: def.limit.json.error }] });
		expect(det.notObject.json).toEqual({ error: 'Validation failed', message: 'Request body must be a JSON object.' });
		expect(det.malformed.json).toEqual({ error: 'Bad request', message: def.malformed.json.error });
		expect(det.unauthorized.json).toEqual({ error: 'Unauthorized', message: 'Invalid API key.' });
		expect(det.credits.json).toEqual({ error: 'Insufficient credits', message: def.credits.json.error });
		expect(det.credits.json.message).toMatch(/costs 10 credits but you have 5 remaining/);
		expect(det.notFound.json).toEqual({ error: 'Not found', message: 'Video not found.' });
		expect(det.injected.json).toEqual({ error: 'Service unavailable', message: 'Service unavailable' });
		expect(det.blocked.status).toBe(429);
		expect(det.blocked.json).toEqual({ error: 'Too many requests', message: def.blocked.json.error });
		await expect(startSimulator({ blipix: { errorBody: 'xml' as never } })).rejects.toThrow(/errorBody/);
	});

	test('readyBeforeRender: status ready from the end of generation, videoUrl only once renderStatus is completed', async () => {
		// Each simulator is watched until its videos are done, and judged by what was seen in each phase, in
		// order: a busy machine may see fewer observations, never other ones.
		const watch = async (readyBeforeRender: boolean) =>
			await withSim({ timeScale: 1000, blipix: { readyBeforeRender } }, async (sim) => {
				// T = 1000 simulated s = 1 real s: generation ends at 600 ms, rendering from 700 ms.
				const create = async (prompt: string) => (await blipix(sim, '/videos/create', { body: { ...VIDEO, prompt } })).json.id as string;
				const [a, b] = [await create('A [render:1000]'), await create('B [fail:render][render:1000]')];
				const get = async (id: string) => (await blipix(sim, `/videos/${id}`)).json;
				const seen: Array<{ status: string; renderStatus: string | null; videoUrl: string | null; inReadyList: boolean; file: number }> = [];
				for (;;) {
					// The list and the file first, then the video: its state then is at least as far on as theirs.
					const inReadyList = (await blipix(sim, '/videos?status=ready')).json.videos.some((v: any) => v.id === a);
					const file = (await fetch(`${sim.cdnUrl}/videos/${a}.mp4`)).status;
					const video = await get(a);
					seen.push({ status: video.status, renderStatus: video.renderStatus, videoUrl: video.videoUrl, inReadyList, file });
					if (video.renderStatus === 'completed') break;
					await sleep(10);
				}
				await sleep(Math.max(0, sim.blipix.video(b)!.failedAt! - Date.now() + 20));
				return { a, b, seen, done: await get(a), broken: await get(b), cdnUrl: sim.cdnUrl };
			});
		const [early, def] = await Promise.all([watch(true), watch(false)]);
		const rendering = (run: typeof early) => run.seen.filter((s) => s.renderStatus === 'queued' || s.renderStatus === 'rendering');
		expect(rendering(early).length).toBeGreaterThan(0);
		expect(rendering(def).length).toBeGreaterThan(0);
		for (const s of rendering(early)) expect(s).toMatchObject({ status: 'ready', videoUrl: null, file: 404 });
		for (const s of rendering(def)) expect(s).toMatchObject({ status: 'processing', videoUrl: null, file: 404 });
		// The list's status=ready filter follows status: a video it listed was ready, one it did not, not yet.
		for (const run of [early, def]) for (const s of run.seen) if (s.inReadyList) expect(s.status).toBe('ready');
		expect(early.seen.some((s) => s.inReadyList && s.renderStatus !== 'completed')).toBe(true);
		expect(def.seen.some((s) => s.inReadyList && s.renderStatus !== 'completed')).toBe(false);
		expect(early.done).toMatchObject({ status: 'ready', renderStatus: 'completed', renderProgress: 100, videoUrl: `${early.cdnUrl}/videos/${early.a}.mp4` });
		expect(def.done).toMatchObject({ status: 'ready', renderStatus: 'completed' });
		// A failed render leaves status 'ready' (it tracks generation only): renderStatus tells.
		expect(early.broken).toMatchObject({ status: 'ready', renderStatus: 'failed', videoUrl: null });
		expect(def.broken).toMatchObject({ status: 'failed', renderStatus: 'failed', videoUrl: null });
	});

	test('ipBlock.retryAfter: the failed-auth block says when it ends; blockIp() triggers it at once', async () => {
		const failedAuthLimit = { limit: 3, windowMs: 60_000 };
		await withSim({ blipix: { failedAuthLimit } }, async (sim) => {
			for (let i = 0; i < 3; i++) await blipix(sim, '/me', { key: null });
			const r = await blipix(sim, '/me');
			expect(r.status).toBe(429);
			expect(r.headers.get('retry-after')).toBeNull(); // default: no Retry-After
		});
		await withSim({ timeScale: 10, blipix: { failedAuthLimit, ipBlock: { retryAfter: true } } }, async (sim) => {
			const firstFailure = sim.simNow();
			for (let i = 0; i < 3; i++) expect((await blipix(sim, '/me', { key: 'blx_bad' })).status).toBe(401);
			const first = await blipix(sim, '/me'); // a good key is blocked too
			expect(first.status).toBe(429);
			expect(first.json.error).toMatch(/^Too many failed authentication attempts from this IP/);
			// Whole seconds until the oldest failure leaves the window, rounded up: at most 60, less the
			// simulated seconds that have passed since it (however many a busy machine let pass).
			const secondsLeft = () => 60 - (sim.simNow() - firstFailure) / 1000;
			expect(Number(first.headers.get('retry-after'))).toBeLessThanOrEqual(60);
			expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(Math.floor(secondsLeft()));
			await sleep(150); // 1.5 simulated s
			const later = Number((await blipix(sim, '/me')).headers.get('retry-after'));
			expect(later).toBeLessThanOrEqual(59);
			expect(later).toBeGreaterThanOrEqual(Math.floor(secondsLeft()));
			expect(first.headers.get('x-ratelimit-limit')).toBeNull();
		});
		await withSim({ timeScale: 2000, blipix: { ipBlock: { retryAfter: true } } }, async (sim) => {
			sim.blipix.blockIp('10.9.8.7'); // another IP: we are not blocked
			expect((await blipix(sim, '/me')).status).toBe(200);
			const blockedAt = sim.simNow();
			sim.blipix.blockIp(); // every IP, for failedAuthLimit.windowMs (15 simulated minutes = 450 real ms)
			const r = await blipix(sim, '/me');
			expect(r.status).toBe(429);
			expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(900);
			expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(Math.floor(900 - (sim.simNow() - blockedAt) / 1000));
			await sleep(480);
			expect((await blipix(sim, '/me')).status).toBe(200);
			sim.blipix.blockIp();
			sim.blipix.reset();
			expect((await blipix(sim, '/me')).status).toBe(200);
			// Over HTTP.
			const admin = await fetch(`${sim.url}/__admin/blipix/block-ip`, { method: 'POST', body: '{}' });
			expect(await admin.json()).toEqual({ ok: true, ip: '*' });
			expect((await blipix(sim, '/me')).status).toBe(429);
		});
	});

	test('failNext afterCommit and drop: which creates were committed', async () => {
		await withSim({}, async (sim) => {
			const key = sim.blipix.createAccount({ credits: 100 });
			const used = async () => (await blipix(sim, '/me', { key })).json.credits.used;
			const create = () => attempt(blipix(sim, '/videos/create', { body: VIDEO, key }));

			sim.blipix.failNext(1, 503, { afterCommit: true });
			const a = await create();
			expect(statusOf(a)).toBe(503);
			expect((a as ApiResponse).json).toEqual({ error: 'Service unavailable' });
			expect((a as ApiResponse).headers.get('x-ratelimit-limit')).toBeNull();
			expect(await used()).toBe(10); // committed: the video exists and was charged

			sim.blipix.failNext(1, 'drop'); // before commit: nothing happens
			expect(await create()).toBe('reset');
			expect(await used()).toBe(10);

			sim.blipix.failNext(1, 'drop', { afterCommit: true });
			expect(await create()).toBe('reset');
			expect(await used()).toBe(20);

			sim.blipix.failNext(1, 502); // default: before commit, as before
			expect(statusOf(await create())).toBe(502);
			expect(await used()).toBe(20);

			const lost = sim.blipix.faultStats().lostCreates;
			expect(lost.map((c) => [c.apiKey, c.answer])).toEqual([
				[key, 503],
				[key, 'reset'],
			]);
			for (const c of lost) expect(sim.blipix.video(c.id)).toMatchObject({ apiKey: key, creditsCost: 10 });
			expect(sim.blipix.faultStats()).toMatchObject({ beforeCommit: 2, afterCommit: 2, resets: 2, burst429s: 0 });
			expect(sim.blipix.stats(key)).toMatchObject({
				creates: 2,
				creditsSpent: 20,
				injectedFailures: 4,
				faultsBeforeCommit: 2,
				faultsAfterCommit: 2,
				resets: 2,
				burst429s: 0,
			});
			const creates = sim.blipix.requestLog.filter((e) => e.route === 'POST /videos/create');
			expect(creates.map((e) => [e.status, e.fault, e.committedStatus, e.dropped])).toEqual([
				[503, 'after-commit', 201, undefined],
				[0, 'before-commit', undefined, true],
				[201, 'after-commit', 201, true],
				[502, 'before-commit', undefined, undefined],
			]);

			// Over HTTP.
			const post = (body: unknown) => fetch(`${sim.url}/__admin/blipix/fail-next`, { method: 'POST', body: JSON.stringify(body) });
			expect((await post({ count: 1, status: 'drop', afterCommit: true })).status).toBe(200);
			expect((await post({ count: 1, status: 500, afterCommit: 'yes' })).status).toBe(400);
			expect(await create()).toBe('reset');
			expect(await used()).toBe(30);
			expect(((await (await fetch(`${sim.url}/__admin/blipix/faults`)).json()) as any).lostCreates).toHaveLength(3);
			sim.blipix.reset();
			expect(sim.blipix.faultStats()).toEqual({ beforeCommit: 0, afterCommit: 0, resets: 0, burst429s: 0, lostCreates: [] });
		});
	});

	test('faults: random 5xx and resets before/after commit; committed creates are exactly the 201s plus lostCreates', async () => {
		const opts: SimulatorOptions = {
			seed: 11,
			blipix: {
				rateLimit: { limit: 10_000, windowMs: 60_000 },
				faults: { serverErrorRate: 0.25, resetRate: 0.15, afterCommitShare: 0.5 },
			},
		};
		const run = (sim: Simulator) => async () => {
			const key = sim.blipix.createAccount({ credits: 10_000 });
			const outcomes: Array<number | 'reset'> = [];
			for (let i = 0; i < 60; i++) outcomes.push(statusOf(await attempt(blipix(sim, '/videos/create', { body: VIDEO, key }))));
			return { outcomes, stats: sim.blipix.faultStats(), keyStats: sim.blipix.stats(key) };
		};
		const [r1, r2] = await Promise.all([withSim(opts, (s) => run(s)()), withSim(opts, (s) => run(s)())]);
		expect(r2.outcomes).toEqual(r1.outcomes); // seeded: the same faults on every run
		const count = (x: number | 'reset') => r1.outcomes.filter((o) => o === x).length;
		const ok = count(201);
		const resets = count('reset');
		const errors = r1.outcomes.filter((o) => typeof o === 'number' && o >= 500);
		expect(new Set(errors).size).toBeGreaterThan(1);
		for (const e of errors) expect([500, 502, 503]).toContain(e);
		expect(ok + resets + errors.length).toBe(60);
		const st = r1.stats;
		expect(st.beforeCommit + st.afterCommit).toBe(60 - ok);
		expect(st.beforeCommit).toBeGreaterThan(0);
		expect(st.afterCommit).toBeGreaterThan(0);
		expect(st.resets).toBe(resets);
		expect(st.lostCreates).toHaveLength(st.afterCommit);
		expect(r1.keyStats).toMatchObject({ creates: ok + st.afterCommit, creditsSpent: 10 * (ok + st.afterCommit), faultsAfterCommit: st.afterCommit, resets });
	});

	test('faults.rateLimitBursts: every N-th request starts a run of 429s that look like the rate limiter', async () => {
		await withSim({ blipix: { faults: { rateLimitBursts: { everyRequests: 5, length: 2 } } } }, async (sim) => {
			const got: number[] = [];
			for (let i = 0; i < 12; i++) got.push((await blipix(sim, '/me')).status);
			expect(got).toEqual([200, 200, 200, 200, 429, 429, 200, 200, 200, 429, 429, 200]);
			const r = await blipix(sim, '/me'); // 13th
			expect(r.status).toBe(200);
			expect(r.headers.get('x-ratelimit-remaining')).toBe('51'); // the 4 burst 429s used no budget
			expect(sim.blipix.stats(sim.blipix.apiKey)).toMatchObject({ burst429s: 4, faultsBeforeCommit: 4, rateLimited: 0 });
			expect(sim.blipix.faultStats()).toMatchObject({ burst429s: 4, beforeCommit: 4 });
			sim.blipix.reset(); // restarts the count
			for (let i = 0; i < 4; i++) expect((await blipix(sim, '/me')).status).toBe(200);
			const limited = await blipix(sim, '/me');
			expect([limited.status, limited.json.error]).toEqual([429, 'Rate limit exceeded: 60 requests per minute.']);
			expect([limited.headers.get('x-ratelimit-limit'), limited.headers.get('x-ratelimit-remaining')]).toEqual(['60', '0']);
		});
	});

	test('faults leave the errorRate stream alone; bad fault options throw', async () => {
		const statuses = (opts: SimulatorOptions) =>
			withSim(opts, async (sim) => {
				const out: number[] = [];
				for (let i = 0; i < 20; i++) out.push((await blipix(sim, '/me')).status);
				return out;
			});
		const plain = await statuses({ seed: 3, blipix: { errorRate: 0.4 } });
		expect(plain.filter((s) => s !== 200).length).toBeGreaterThan(0);
		expect(await statuses({ seed: 3, blipix: { errorRate: 0.4, faults: { rateLimitBursts: { everyRequests: 1000, length: 1 } } } })).toEqual(plain);
		await expect(startSimulator({ blipix: { faults: { serverErrorRate: 0.7, resetRate: 0.5 } } })).rejects.toThrow(/<= 1/);
		await expect(startSimulator({ clipmix: { faults: { afterCommitShare: 2 } } })).rejects.toThrow(/afterCommitShare/);
		await expect(startSimulator({ clipmix: { faults: { rateLimitBursts: { everyRequests: 0, length: 1 } } } })).rejects.toThrow(/everyRequests/);
	});
});

// ---------------------------------------------------------------------------------------------
// Blipix: more answers a client must survive
// ---------------------------------------------------------------------------------------------

/** A plain GET that does not follow redirects: the status and Location the simulator sent. */
async function rawGet(url: string, key: string): Promise<{ status: number; location: string | null }> {
	const r = await fetch(url, { headers: { Authorization: `Bearer ${key}` }, redirect: 'manual' });
	await r.arrayBuffer();
	return { status: r.status, location: r.headers.get('location') };
}

describe('Blipix answers beyond the defaults', () => {
	test('videoUrlBeforeRender: videoUrl shown from renderStatus queued on, the CDN 404 until completed', async () => {
		const phases = async (videoUrlBeforeRender: boolean) =>
			await withSim({ timeScale: 1000, blipix: { videoUrlBeforeRender } }, async (sim) => {
				// T = 1000 simulated s = 1 real s, rendering from 600 ms to 1 s.
				const id = (await blipix(sim, '/videos/create', { body: { ...VIDEO, prompt: 'early url [render:1000]' } })).json.id;
				const url = `${sim.cdnUrl}/videos/${id}.mp4`;
				const seen = new Map<string, unknown>();
				for (;;) {
					// The file first, then the video: a video not completed after the file was asked for means the file was not there yet.
					const file = (await fetch(url)).status;
					const video = (await blipix(sim, `/videos/${id}`)).json;
					if (video.renderStatus === 'completed') {
						expect(video.videoUrl).toBe(url);
						break;
					}
					expect(file).toBe(404);
					seen.set(String(video.renderStatus), video.videoUrl);
					await sleep(5);
				}
				expect((await fetch(url)).status).toBe(200);
				return { url, seen };
			});
		const [before, early] = await Promise.all([phases(false), phases(true)]);
		for (const [{ url, seen }, shown] of [[before, false], [early, true]] as const) {
			expect(seen.get('null')).toBeNull();
			expect(seen.has('queued') || seen.has('rendering')).toBe(true);
			for (const phase of ['queued', 'rendering']) if (seen.has(phase)) expect(seen.get(phase)).toBe(shown ? url : null);
		}
	});

	test('failNext matching: a queued failure waits for a request it matches; the others pass', async () => {
		await withSim({}, async (sim) => {
			const id = (await blipix(sim, '/videos/create', { body: VIDEO })).json.id;
			sim.blipix.failNext(2, 503, { matching: 'GET /videos/' });
			sim.blipix.failNext(1, 502);
			const statuses: number[] = [];
			for (const path of ['/videos?limit=5', `/videos/${id}`, '/me', `/videos/${id}`, `/videos/${id}`]) statuses.push((await blipix(sim, path)).status);
			// The list is not matched, so it takes the unmatched 502; the next two GETs of the video take the 503s.
			expect(statuses).toEqual([502, 503, 200, 503, 200]);
			const post = (b: unknown) => fetch(`${sim.url}/__admin/blipix/fail-next`, { method: 'POST', body: JSON.stringify(b) });
			expect((await post({ count: 1, status: 500, matching: 'GET /me' })).status).toBe(200);
			expect((await post({ count: 1, status: 500, matching: '' })).status).toBe(400);
			expect((await blipix(sim, '/videos?limit=1')).status).toBe(200);
			expect((await blipix(sim, '/me')).status).toBe(500);
		});
	});

	test('redirectNext: the next requests are sent elsewhere, with their own path, unprocessed', async () => {
		await withSim({}, async (sim) => {
			const key = sim.blipix.createAccount({ credits: 100 });
			sim.blipix.redirectNext(1, 'http://127.0.0.1:9/ignored/path');
			sim.blipix.redirectNext(1, 'https://moved.example.com', { status: 302, matching: 'POST /videos/create' });
			expect(await rawGet(`${sim.blipix.baseUrl}/videos?limit=3`, key)).toEqual({ status: 307, location: 'http://127.0.0.1:9/blipix/api/v1/videos?limit=3' });
			const r = await fetch(`${sim.blipix.baseUrl}/videos/create`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
				body: JSON.stringify(VIDEO),
				redirect: 'manual',
			});
			expect([r.status, r.headers.get('location')]).toEqual([302, 'https://moved.example.com/blipix/api/v1/videos/create']);
			// Nothing was processed: no video, no credits, no rate-limit budget.
			const me = await blipix(sim, '/me', { key });
			expect(me.json.credits.used).toBe(0);
			expect(me.headers.get('x-ratelimit-remaining')).toBe('59');
			expect(sim.blipix.stats(key)).toMatchObject({ creates: 0, injectedFailures: 2 });
			expect(sim.blipix.requestLog.map((e) => [e.status, e.fault])).toEqual([
				[307, 'before-commit'],
				[302, 'before-commit'],
				[200, undefined],
			]);
			expect(() => sim.blipix.redirectNext(1, 'https://x.example.com', { status: 200 })).toThrow(/status/);
			expect(() => sim.blipix.redirectNext(1, 'not a url')).toThrow(/toOrigin/);
			const post = (b: unknown) => fetch(`${sim.url}/__admin/blipix/redirect-next`, { method: 'POST', body: JSON.stringify(b) });
			expect((await post({ count: 1, toOrigin: 'http://127.0.0.1:9' })).status).toBe(200);
			expect((await post({ count: 1, toOrigin: 'ftp://x' })).status).toBe(400);
			expect((await rawGet(`${sim.blipix.baseUrl}/me`, key)).status).toBe(307);
		});
	});

	test('delayNext: a request is held that long before it is processed; the one after it is not', async () => {
		await withSim({ timeScale: 100 }, async (sim) => {
			sim.blipix.delayNext(1, 30_000); // 300 real ms
			const sentAt = sim.simNow();
			const held = blipix(sim, '/videos/create', { body: { ...VIDEO, prompt: 'held' } });
			const next = await blipix(sim, '/videos/create', { body: { ...VIDEO, prompt: 'next' } });
			const first = await held;
			expect(sim.blipix.video(first.json.id)!.createdAtSim - sentAt).toBeGreaterThanOrEqual(30_000);
			// The one sent second was answered first.
			expect(sim.blipix.requestLog.map((e) => e.status)).toEqual([201, 201]);
			expect(sim.blipix.video(next.json.id)!.createdAtSim).toBeLessThan(sim.blipix.video(first.json.id)!.createdAtSim);
			expect(() => sim.blipix.delayNext(1, -1)).toThrow(/delay/);
		});
	});

	test('occupy: another client keeps part of the key’s window in use, evenly, without showing in its stats', async () => {
		await withSim({ timeScale: 1000 }, async (sim) => {
			const remaining = async (key: string) => Number((await blipix(sim, '/me', { key })).headers.get('x-ratelimit-remaining'));
			const key = sim.blipix.createAccount();
			sim.blipix.occupy(key, 40);
			expect(await remaining(key)).toBe(19); // 60 - 40 of theirs - this one
			await sleep(70); // more than a window (60 real ms) later: their requests go on, ours has left
			expect(await remaining(key)).toBe(19);
			expect(sim.blipix.stats(key).requests).toBe(2);
			sim.blipix.occupy(key, 0);
			await sleep(70);
			expect(await remaining(key)).toBe(59);
			expect(() => sim.blipix.occupy(key, 61)).toThrow(/perWindow/);
			expect(() => sim.blipix.occupy('blx_unknown', 1)).toThrow(/Unknown/);
			const other = sim.blipix.createAccount();
			const post = (b: unknown) => fetch(`${sim.url}/__admin/blipix/occupy`, { method: 'POST', body: JSON.stringify(b) });
			expect((await post({ apiKey: other, perWindow: 30 })).status).toBe(200);
			expect(await remaining(other)).toBe(29);
			sim.blipix.reset(); // clears the windows and the neighbour
			expect(await remaining(other)).toBe(59);
		});
		await withSim({ timeScale: 10 }, async (sim) => {
			// Theirs and ours fill the key: the limiter refuses ours.
			const key = sim.blipix.createAccount();
			sim.blipix.occupy(key, 59);
			const first = await blipix(sim, '/me', { key });
			expect([first.status, first.headers.get('x-ratelimit-remaining')]).toEqual([200, '0']);
			expect((await blipix(sim, '/me', { key })).status).toBe(429);
			expect(sim.blipix.stats(key)).toMatchObject({ requests: 2, rateLimited: 1 });
		});
	});

	test('faults.perRequest: each request meets the same faults whatever the order of arrival', async () => {
		const faults = { serverErrorRate: 0.3, resetRate: 0.1, afterCommitShare: 0.5, perRequest: true };
		const prompts = Array.from({ length: 24 }, (_, i) => `item ${i}`);
		const outcomes = async (order: string[], options: SimulatorOptions) =>
			await withSim(options, async (sim) => {
				const key = sim.blipix.createAccount({ credits: 10_000 });
				const got = new Map<string, Array<number | 'reset'>>();
				// Each prompt twice: a second, identical request is the next occurrence and draws anew.
				for (const prompt of [...order, ...order]) {
					got.set(prompt, [...(got.get(prompt) ?? []), statusOf(await attempt(blipix(sim, '/videos/create', { key, body: { ...VIDEO, prompt } })))]);
				}
				return prompts.map((prompt) => got.get(prompt) ?? []);
			});
		const options = { seed: 9, blipix: { rateLimit: { limit: 10_000, windowMs: 60_000 }, faults } };
		const forward = await outcomes(prompts, options);
		const backward = await outcomes([...prompts].reverse(), options);
		expect(backward).toEqual(forward);
		expect(new Set(forward.flat()).size).toBeGreaterThan(2); // faults did strike: 201s, 5xx and resets
		expect(forward.some(([first, second]) => first !== second)).toBe(true);
		// By order of arrival (the default), the same seed puts the faults on other requests when the order changes.
		const byOrder = { ...options, blipix: { ...options.blipix, faults: { ...faults, perRequest: false } } };
		expect(await outcomes([...prompts].reverse(), byOrder)).not.toEqual(await outcomes(prompts, byOrder));
	});
});

// ---------------------------------------------------------------------------------------------
// ClipMix
// ---------------------------------------------------------------------------------------------

async function receiver(): Promise<{ url: string; got: any[]; close(): Promise<void> }> {
	const got: any[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
			res.end('ok');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		got,
		close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
	};
}

async function waitFor<T>(fn: () => T | false | Promise<T | false>, timeoutMs = 3000): Promise<T> {
	const end = Date.now() + timeoutMs;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error('waitFor: timed out');
		await sleep(5);
	}
}

describe('ClipMix choices', () => {
	test('resultShape: where the file URL appears, in the create answer, GET and webhooks', async () => {
		const music = { prompt: 'Theme [render:20]', duration_seconds: 45 };
		const translation = { video_url: 'https://example.com/v.mp4?x=[render:20]', target_languages: ['es', 'fr'] };
		for (const shape of CLIPMIX_RESULT_SHAPES) {
			await withSim({ timeScale: 1000, clipmix: { resultShape: shape } }, async (sim) => {
				const url = (id: string, ext: string) => `${sim.cdnUrl}/clipmix/results/${id}.${ext}`;
				const expected = (id: string, service: 'music' | 'translation', done: boolean): Record<string, unknown> => {
					const ext = service === 'music' ? 'm4a' : 'mp4';
					const u = done ? url(id, ext) : null;
					// The per-language shapes: one file per target language of a translation, one file otherwise.
					const files = service === 'music' ? [{ language: null, url: url(id, ext) }] : ['es', 'fr'].map((language) => ({ language, url: `${sim.cdnUrl}/clipmix/results/${id}/${language}.mp4` }));
					switch (shape) {
						case 'result_url':
						case 'resultUrl':
						case 'output_url':
							return { [shape]: u };
						case 'output':
							if (!done) return { output: null };
							return {
								output: {
									url: u,
									...(service === 'music' ? { audio_url: u } : { video_url: u }),
									format: ext,
									duration_seconds: service === 'music' ? 45 : 2,
								},
							};
						case 'result':
							return { result: done ? { url: u } : null };
						case 'outputs':
							return { outputs: done ? [{ url: u, format: ext }] : [] };
						case 'none':
							return {};
						case 'results':
							return { results: done ? files : [] };
						case 'result_urls_by_language':
							return { result_urls: done ? Object.fromEntries(files.map((f) => [f.language ?? 'file', f.url])) : null };
						case 'result_urls':
							return { result_urls: done ? files.map((f) => f.url) : null };
						case 'output_files':
							return { output: done ? { files: files.map((f) => ({ ...f, format: ext })) } : null };
						case 'output_videos':
							return { output: done ? { videos: files.map((f) => ({ target_language: f.language, url: f.url })) } : null };
					}
				};
				const resultKeys = (json: any) =>
					Object.fromEntries(
						Object.entries(json).filter(([k]) => !['id', 'service', 'status', 'test', 'created_at', 'updated_at', 'credits_cost', 'error', 'input'].includes(k)),
					);

				const sandbox = await clipmix(sim, '/music', { body: music, key: sim.clipmix.testKey });
				expect([shape, sandbox.json.status, resultKeys(sandbox.json)]).toEqual([shape, 'completed', expected(sandbox.json.id, 'music', true)]);

				for (const [path, service, body] of [['/music', 'music', music], ['/translations', 'translation', translation]] as const) {
					const created = await clipmix(sim, path, { body });
					const id = created.json.id;
					expect([shape, created.json.status, resultKeys(created.json)]).toEqual([shape, 'processing', expected(id, service, false)]);
					const done = await waitFor(async () => {
						const r = await clipmix(sim, `${path}/${id}`);
						return r.json.status === 'completed' && r;
					});
					expect([shape, resultKeys(done.json)]).toEqual([shape, expected(id, service, true)]);
					// The CDN serves the file at the usual path, whatever the JSON shows, and each
					// language's file of a translation with its own bytes.
					expect((await fetch(url(id, service === 'music' ? 'm4a' : 'mp4'))).status).toBe(200);
					if (service === 'translation') {
						const es = Buffer.from(await (await fetch(`${sim.cdnUrl}/clipmix/results/${id}/es.mp4`)).arrayBuffer());
						expect(es.equals(sim.clipmix.resultFile(id, 'es'))).toBe(true);
						expect(es.equals(sim.clipmix.resultFile(id, 'fr'))).toBe(false);
						expect((await fetch(`${sim.cdnUrl}/clipmix/results/${id}/de.mp4`)).status).toBe(404);
					}
					expect(Object.keys(done.json)).toEqual(
						['id', 'service', 'status', 'test', 'created_at', 'updated_at', 'credits_cost', ...Object.keys(expected(id, service, true)), 'error', 'input'],
					);
				}
			});
		}

		// Webhook payloads carry the same shape.
		const rx = await receiver();
		try {
			await withSim({ clipmix: { resultShape: 'output' } }, async (sim) => {
				sim.clipmix.setWebhook(sim.clipmix.testKey, rx.url, 'whsec');
				const r = await clipmix(sim, '/music', { body: { prompt: 'x' }, key: sim.clipmix.testKey });
				await waitFor(() => rx.got.length >= 1);
				expect(rx.got[0].data).toEqual(JSON.parse(r.text));
				expect(rx.got[0].data.output).toMatchObject({ url: expect.stringContaining(r.json.id), format: 'm4a', duration_seconds: 60 });
				expect('result_url' in rx.got[0].data).toBe(false);
			});
		} finally {
			await rx.close();
		}
	});

	test("errorBody: 'nested' (default), 'flat' and 'code' on every API error; the 402 names cost and balance", async () => {
		const errors = async (sim: Simulator) => {
			const poor = sim.clipmix.createAccount({ credits: 12 });
			const unpaid = sim.clipmix.createAccount({ purchased: false });
			await clipmix(sim, '/music', { body: { prompt: 'a' }, idem: 'k1' });
			const out: Record<string, ApiResponse> = {
				401: await clipmix(sim, '/music/x', { key: 'sk_live_nope' }),
				402: await clipmix(sim, '/music', { body: { prompt: 'x', duration_seconds: 60 }, key: poor.liveKey }),
				403: await clipmix(sim, '/music/x', { key: unpaid.liveKey }),
				404: await clipmix(sim, '/music/x'),
				400: await clipmix(sim, '/music', { body: { prompt: '' } }),
				422: await clipmix(sim, '/music', { body: { prompt: 'b' }, idem: 'k1' }),
				injected: (sim.clipmix.failNext(1, 503), await clipmix(sim, '/music/x')),
				late: (sim.clipmix.failNext(1, 502, { afterCommit: true }), await clipmix(sim, '/music/x')),
				root404: await callApi(`${sim.url}/clipmix/nope`, { key: null }),
				status405: await callApi(sim.clipmix.statusUrl, { key: null, method: 'POST', body: {} }),
			};
			return out;
		};
		const codes: Record<string, [number, string]> = {
			401: [401, 'invalid_api_key'],
			402: [402, 'insufficient_credits'],
			403: [403, 'live_key_requires_purchase'],
			404: [404, 'not_found'],
			400: [400, 'invalid_request'],
			422: [422, 'idempotency_key_reuse'],
			injected: [503, 'service_unavailable'],
			late: [502, 'bad_gateway'],
			root404: [404, 'not_found'],
			status405: [405, 'method_not_allowed'],
		};
		const nested = await withSim({}, errors);
		for (const [name, r] of Object.entries(nested)) {
			expect([name, r.status, Object.keys(r.json), r.json.error.code]).toEqual([name, codes[name][0], ['error'], codes[name][1]]);
		}
		expect(nested[402].json.error.message).toBe('Insufficient credits: this music job costs 60 credits but your balance is 12.');

		for (const shape of ['flat', 'code'] as const) {
			const got = await withSim({ clipmix: { errorBody: shape } }, errors);
			for (const [name, r] of Object.entries(got)) {
				const [status, code] = codes[name];
				const message = nested[name].json.error.message;
				expect([name, r.status, r.json]).toEqual([name, status, shape === 'flat' ? { error: code, message } : { code, message }]);
			}
			expect(got[402].json.message).toMatch(/60 credits.*balance is 12/);
		}
		// Admin errors keep the nested shape.
		await withSim({ clipmix: { errorBody: 'code' } }, async (sim) => {
			expect(((await (await fetch(`${sim.url}/__admin/clipmix/nope`)).json()) as any).error.code).toBe('not_found');
		});
	});

	test('purchaseErrorCode and validationStatus', async () => {
		await withSim({ clipmix: { purchaseErrorCode: 'purchase_required', validationStatus: 422 } }, async (sim) => {
			const unpaid = sim.clipmix.createAccount({ purchased: false });
			const r = await clipmix(sim, '/music', { body: { prompt: 'x' }, key: unpaid.liveKey });
			expect([r.status, r.json.error.code]).toEqual([403, 'purchase_required']);

			const bad = await clipmix(sim, '/music', { body: { prompt: 'x', duration_seconds: 5 }, idem: 'v1' });
			expect([bad.status, bad.json.error.code, bad.json.error.message]).toEqual([422, 'validation_error', 'duration_seconds must be an integer between 10 and 240.']);
			const again = await clipmix(sim, '/music', { body: { prompt: 'x', duration_seconds: 5 }, idem: 'v1' });
			expect([again.status, again.text, again.headers.get('idempotent-replayed')]).toEqual([422, bad.text, 'true']); // cached like the 400
			const reuse = await clipmix(sim, '/music', { body: { prompt: 'y' }, idem: 'v1' });
			expect([reuse.status, reuse.json.error.code]).toEqual([422, 'idempotency_key_reuse']);
			const malformed = await clipmix(sim, '/music', { rawBody: '{', headers: { 'Content-Type': 'application/json' } });
			expect([malformed.status, malformed.json.error.code]).toEqual([400, 'invalid_request']); // not a field validation
		});
		await withSim({}, async (sim) => {
			const unpaid = sim.clipmix.createAccount({ purchased: false });
			expect((await clipmix(sim, '/music/x', { key: unpaid.liveKey })).json.error.code).toBe('live_key_requires_purchase');
			const bad = await clipmix(sim, '/music', { body: { prompt: 'x', duration_seconds: 5 } });
			expect([bad.status, bad.json.error.code]).toEqual([400, 'invalid_request']);
		});
		await expect(startSimulator({ clipmix: { validationStatus: 409 as never } })).rejects.toThrow(/validationStatus/);
		await expect(startSimulator({ clipmix: { resultShape: 'url' as never } })).rejects.toThrow(/resultShape/);
	});

	test('failNext afterCommit: processed, charged and stored for idempotency, then answered with the error', async () => {
		await withSim({}, async (sim) => {
			const body = { prompt: 'x', duration_seconds: 30 };
			sim.clipmix.failNext(1, 503, { afterCommit: true });
			const a = await clipmix(sim, '/music', { body, idem: 'late-1' });
			expect([a.status, a.json.error.code]).toEqual([503, 'service_unavailable']);
			expect(sim.clipmix.ledger).toHaveLength(1);
			const jobId = sim.clipmix.ledger[0].jobId;
			const retry = await clipmix(sim, '/music', { body, idem: 'late-1' });
			expect([retry.status, retry.json.id, retry.headers.get('idempotent-replayed')]).toEqual([201, jobId, 'true']);

			sim.clipmix.failNext(1, 'drop', { afterCommit: false }); // a reset before anything is processed
			expect(await attempt(clipmix(sim, '/music', { body, idem: 'early-1' }))).toBe('reset');
			expect(sim.clipmix.ledger).toHaveLength(1);
			const fresh = await clipmix(sim, '/music', { body, idem: 'early-1' });
			expect([fresh.status, fresh.headers.get('idempotent-replayed')]).toEqual([201, null]);

			sim.clipmix.failNext(1, 'drop'); // default for 'drop': after commit, as before
			expect(await attempt(clipmix(sim, '/music', { body, idem: 'drop-1' }))).toBe('reset');
			expect(sim.clipmix.ledger).toHaveLength(3);

			expect(sim.clipmix.faultStats()).toEqual({
				beforeCommit: 1,
				afterCommit: 2,
				resets: 2,
				burst429s: 0,
				lostCreates: [
					{ id: jobId, apiKey: sim.clipmix.liveKey, at: expect.any(Number), answer: 503, idempotencyKey: 'late-1' },
					{ id: sim.clipmix.ledger[2].jobId, apiKey: sim.clipmix.liveKey, at: expect.any(Number), answer: 'reset', idempotencyKey: 'drop-1' },
				],
			});
			expect(sim.clipmix.requestLog.map((e) => [e.status, e.fault, e.committedStatus, !!e.dropped, !!e.replayed])).toEqual([
				[503, 'after-commit', 201, false, false],
				[201, undefined, undefined, false, true],
				[0, 'before-commit', undefined, true, false],
				[201, undefined, undefined, false, false],
				[201, 'after-commit', 201, true, false],
			]);
			// Health counts what the client saw: the after-commit 503 is an error.
			expect(sim.clipmix.job(jobId)).toBeDefined();
			expect(((await (await fetch(sim.clipmix.statusUrl)).json()) as any).services.music).toMatchObject({ requests: 5, errors: 1 });

			const post = (b: unknown) => fetch(`${sim.url}/__admin/clipmix/fail-next`, { method: 'POST', body: JSON.stringify(b) });
			expect((await post({ count: 1, status: 500, afterCommit: true })).status).toBe(200);
			expect((await post({ count: 1, status: 500, afterCommit: 1 })).status).toBe(400);
			expect((await clipmix(sim, '/music', { body: { prompt: 'y' } })).status).toBe(500);
			expect(((await (await fetch(`${sim.url}/__admin/clipmix/faults`)).json()) as any).lostCreates).toHaveLength(3);
			sim.clipmix.reset();
			expect(sim.clipmix.faultStats()).toEqual({ beforeCommit: 0, afterCommit: 0, resets: 0, burst429s: 0, lostCreates: [] });
		});
	});

	test('failNext matching, redirectNext and faults.perRequest, as for Blipix', async () => {
		await withSim({}, async (sim) => {
			const body = { prompt: 'x', duration_seconds: 30 };
			const id = (await clipmix(sim, '/music', { body })).json.id;
			sim.clipmix.failNext(1, 503, { matching: 'GET /music/' });
			expect((await clipmix(sim, '/music', { body })).status).toBe(201);
			expect((await clipmix(sim, `/music/${id}`)).status).toBe(503);
			sim.clipmix.redirectNext(1, 'http://127.0.0.1:9', { status: 308 });
			const moved = await fetch(`${sim.clipmix.baseUrl}/music`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${sim.clipmix.liveKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'moved-1' },
				body: JSON.stringify(body),
				redirect: 'manual',
			});
			expect([moved.status, moved.headers.get('location')]).toEqual([308, 'http://127.0.0.1:9/clipmix/api/v1/music']);
			expect(sim.clipmix.ledger).toHaveLength(2); // not processed
			expect((await clipmix(sim, '/music', { body, idem: 'moved-1' })).headers.get('idempotent-replayed')).toBeNull();
			const post = (b: unknown) => fetch(`${sim.url}/__admin/clipmix/redirect-next`, { method: 'POST', body: JSON.stringify(b) });
			expect((await post({ count: 1, toOrigin: 'http://127.0.0.1:9', status: 418 })).status).toBe(400);
		});
		// A job's GETs are identified by the create that made it, so their faults do not depend on which job got which id.
		const faults = { serverErrorRate: 0.4, resetRate: 0, perRequest: true };
		const polls = async (order: number[]) =>
			await withSim({ seed: 4, clipmix: { faults } }, async (sim) => {
				const ids = new Map<number, string>();
				for (const n of order) {
					for (;;) {
						const r = await clipmix(sim, '/music', { body: { prompt: `song ${n}` }, idem: `song-${n}` });
						if (r.status === 201) {
							ids.set(n, r.json.id);
							break;
						}
					}
				}
				const got: number[][] = [];
				for (const n of [0, 1, 2, 3, 4, 5]) {
					const statuses: number[] = [];
					for (let i = 0; i < 4; i++) statuses.push((await clipmix(sim, `/music/${ids.get(n)}`)).status);
					got.push(statuses);
				}
				return got;
			});
		const forward = await polls([0, 1, 2, 3, 4, 5]);
		expect(await polls([5, 4, 3, 2, 1, 0])).toEqual(forward);
		expect(new Set(forward.flat())).toEqual(new Set([200, ...forward.flat().filter((status) => status >= 500)]));
		expect(forward.flat().some((status) => status >= 500)).toBe(true);
	});

	test('faults soak: retrying each create with its Idempotency-Key charges exactly once per key', async () => {
		await withSim(
			{ seed: 5, clipmix: { faults: { serverErrorRate: 0.2, resetRate: 0.15, afterCommitShare: 0.5, rateLimitBursts: { everyRequests: 7, length: 2 } } } },
			async (sim) => {
				const seen = new Set<number | 'reset'>();
				const jobs: string[] = [];
				for (let i = 0; i < 30; i++) {
					for (let tries = 0; ; tries++) {
						expect(tries).toBeLessThan(30);
						const r = await attempt(clipmix(sim, '/music', { body: { prompt: `song ${i}`, duration_seconds: 10 }, idem: `order-${i}` }));
						seen.add(statusOf(r));
						if (r !== 'reset' && r.status === 201) {
							jobs.push(r.json.id);
							break;
						}
						if (r !== 'reset') expect(r.json.error.code).toMatch(/^(internal_error|bad_gateway|service_unavailable|rate_limited)$/);
					}
				}
				expect(new Set(jobs).size).toBe(30);
				expect(sim.clipmix.ledger.map((c) => c.jobId).sort()).toEqual([...jobs].sort());
				expect([...seen].filter((s) => s === 201 || s === 429 || s === 'reset')).toHaveLength(3);
				expect([...seen].some((s) => typeof s === 'number' && s >= 500)).toBe(true);
				const st = sim.clipmix.faultStats();
				expect(st.burst429s).toBeGreaterThan(0);
				expect(st.afterCommit).toBeGreaterThan(0);
				expect(st.resets).toBeGreaterThan(0);
				// Every lost create was committed; its retry got the stored answer.
				for (const c of st.lostCreates) expect(jobs).toContain(c.id);
				const log = sim.clipmix.requestLog;
				expect(log.filter((e) => e.fault === 'after-commit' && e.committedStatus === 201 && !e.replayed)).toHaveLength(st.lostCreates.length);
				expect(log.filter((e) => e.fault).length).toBe(st.beforeCommit + st.afterCommit);
			},
		);
	});
});
