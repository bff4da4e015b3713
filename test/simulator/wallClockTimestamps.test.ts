/**
 * The `wallClockTimestamps` option (off by default): API bodies show real time while the simulation
 * runs at its time scale. What `npm run dev` and the e2e run use, so that n8n, whose clock is real,
 * agrees with the timestamps (README.md, "Wall-clock timestamps").
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startSimulator } from './index';
import type { Simulator } from './index';
import { callApi } from './testClient';

const SCALE = 600;
/** Ten real seconds: far more than any stamp may be off by, far less than a simulated hour at 600×. */
const CLOSE_MS = 10_000;

async function created(sim: Simulator): Promise<{ video: string; job: string }> {
	const video = await callApi(`${sim.blipix.baseUrl}/videos/create`, { key: sim.blipix.apiKey, body: { prompt: 'wall clock [render:1]', voice: 'alloy' } });
	expect(video.status).toBe(201);
	const job = await callApi(`${sim.clipmix.baseUrl}/music`, { key: sim.clipmix.liveKey, body: { prompt: 'wall clock [render:1]', duration_seconds: 10 } });
	expect(job.status).toBe(201);
	return { video: String(video.json.id), job: String(job.json.id) };
}

async function stamps(sim: Simulator, ids: { video: string; job: string }) {
	const video = await callApi(`${sim.blipix.baseUrl}/videos/${ids.video}`, { key: sim.blipix.apiKey });
	const job = await callApi(`${sim.clipmix.baseUrl}/music/${ids.job}`, { key: sim.clipmix.liveKey });
	const health = await callApi(sim.clipmix.statusUrl, { key: null });
	return {
		videoCreatedAt: Date.parse(video.json.createdAt),
		jobCreatedAt: Date.parse(job.json.created_at),
		healthUpdatedAt: Date.parse(health.json.updated_at),
	};
}

describe('wallClockTimestamps', () => {
	test('off (the default): bodies show simulated time, ahead of the wall clock at 600×', async () => {
		const sim = await startSimulator({ timeScale: SCALE });
		try {
			await new Promise((r) => setTimeout(r, 200)); // 2 simulated minutes ahead
			const at = await stamps(sim, await created(sim));
			for (const t of Object.values(at)) expect(t - Date.now()).toBeGreaterThan(60_000);
		} finally {
			await sim.close();
		}
	});

	test('on: Blipix createdAt, ClipMix created_at and the health updated_at are real time', async () => {
		const sim = await startSimulator({ timeScale: SCALE, wallClockTimestamps: true });
		try {
			await new Promise((r) => setTimeout(r, 200));
			const before = Date.now();
			const at = await stamps(sim, await created(sim));
			for (const t of Object.values(at)) {
				expect(t).toBeGreaterThanOrEqual(before - 5);
				expect(t - Date.now()).toBeLessThan(CLOSE_MS);
			}
		} finally {
			await sim.close();
		}
	});

	test('on: the webhook event and its job are stamped in real time, and the simulation still runs at its scale', async () => {
		const got: Array<Record<string, any>> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
		const rx = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (c: Buffer) => chunks.push(c));
			req.on('end', () => {
				got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
				res.writeHead(200).end();
			});
		});
		await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
		const sim = await startSimulator({ timeScale: SCALE, wallClockTimestamps: true });
		try {
			sim.clipmix.setWebhook(sim.clipmix.liveKey, `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`, 'whsec_x');
			const sent = Date.now();
			// 60 simulated seconds: 100 real ms at 600×
			const job = await callApi(`${sim.clipmix.baseUrl}/music`, { key: sim.clipmix.liveKey, body: { prompt: 'x [render:60]', duration_seconds: 10 } });
			for (let i = 0; i < 500 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
			expect(got).toHaveLength(1);
			const [event] = got;
			expect(event.data.id).toBe(job.json.id);
			for (const t of [event.created_at, event.data.created_at, event.data.updated_at].map((s) => Date.parse(String(s)))) {
				expect(t).toBeGreaterThanOrEqual(sent - 5);
				expect(t).toBeLessThanOrEqual(Date.now() + 5);
			}
			// the 60 simulated seconds between create and settle are stamped as the 100 real ms they took
			expect(Date.parse(event.data.updated_at) - Date.parse(event.data.created_at)).toBeCloseTo(100, -1);
		} finally {
			await sim.close();
			await new Promise((r) => rx.close(r));
		}
	});
});
