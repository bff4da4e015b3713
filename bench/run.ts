/**
 * `npm run bench`: our way and the naive way, side by side in one run, against the
 * simulator at a fast time scale. Prints tables and writes them to bench/RESULTS.md.
 *
 * 1. Polling: N videos with renders spread over 2–15 simulated minutes. (a) Blipix Wait
 *    for Render, as built in dist/, through the real engine; (b) the docs' loop: one
 *    GET /videos/:id per video every 20 s.
 * 2. Download of a 1 GiB body: our streaming path into n8n binary data (filesystem mode)
 *    versus reading the whole body into a buffer, with a plain stream-to-file copy as the ceiling.
 *    Then a 256 MiB video in each of n8n's four binary-data modes, ours beside the naive buffer;
 *    BENCH_ONLY=download-modes runs only that and replaces only its section of bench/RESULTS.md.
 * 3. ClipMix Trigger: deliveries per second through signature verification and
 *    de-duplication, and the de-duplication store's size after 100,000 events, against 0.1's
 *    array of the last 1,000 keys and a store that remembers everything.
 *    BENCH_ONLY=clipmix-trigger runs only it and replaces only its section of bench/RESULTS.md.
 * 4. Soak: 1,000 Blipix videos and 1,000 ClipMix jobs through the real engine against APIs
 *    that fail at random (test/helpers/soak.ts), against a client that does no recovery.
 *
 * 5. Blipix Trigger (bench/triggerScale.ts): a simulated day, 500 videos from 5 workflows, the
 *    trigger polled every minute, against Create with its Wait for Render switch on.
 *
 * 6. Queue mode (bench/queueSection.ts): 1, 2, 4 and 8 worker processes on one key, our budget
 *    against the naive per-process one. BENCH_ONLY=queue runs only it.
 *
 * BENCH_ONLY=blipix-trigger runs only section 5 and replaces only its section of bench/RESULTS.md.
 * BENCH_ONLY=soak runs only the soak and replaces only its section of bench/RESULTS.md
 * (for iterating on the soak without the two minutes of the other sections).
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

import axios from 'axios';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { deliverWebhook, engineRoot, runWorkflow } from '../test/engine';
import { BINARY_MODES, stopBinaryModes, useBinaryMode } from '../test/engine/binaryModes';
import type { EngineBinaryMode } from '../test/engine/binaryModes';
import type { EngineWorkflow } from '../test/engine';
import { SOAK_FAULTS, SOAK_ITEMS, runName, runSoak } from '../test/helpers/soak';
import type { SoakOptions, SoakReport, SoakRow } from '../test/helpers/soak';
import { BLIPIX_TRIGGER_ONLY, benchBlipixTrigger, blipixTriggerSection, withBlipixTriggerSection } from './triggerScale';
// Queue mode (bench/queueSection.ts): 1–8 worker processes on one key; BENCH_ONLY=queue runs only it.
import { QUEUE_ONLY, benchQueue, queueSection, withQueueSection } from './queueSection';
import { startSimulator } from '../test/simulator';
import type { Simulator } from '../test/simulator';

const root = resolve(__dirname, '../..');
/* eslint-disable @typescript-eslint/no-require-imports -- the package as users get it */
const dist = (path: string) => require(join(root, 'dist', path));
const { Blipix } = dist('nodes/Blipix/Blipix.node.js');
const { BlipixWaitForRender } = dist('nodes/BlipixWaitForRender/BlipixWaitForRender.node.js');
const { BlipixApi } = dist('credentials/BlipixApi.credentials.js');
const { clock } = dist('nodes/shared/clock.js') as { clock: { follow(scale: number, apiNow: number): void } };
const { downloadToBinary } = dist('nodes/shared/download.js');
const { ClipMix } = dist('nodes/ClipMix/ClipMix.node.js');
const { ClipMixTrigger } = dist('nodes/ClipMixTrigger/ClipMixTrigger.node.js');
const { ClipMixApi } = dist('credentials/ClipMixApi.credentials.js');
const webhooks = dist('nodes/shared/clipmix/webhooks.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const RESULTS = join(root, 'bench/RESULTS.md');
const SOAK_HEADING = '## Soak: nothing paid for is lost';
const TIME_SCALE = 120;
const POLL_INTERVAL_S = 20;
const WINDOW_MS = 60_000;
const SIZES = [1, 10, 100];
const GIB = 1024 ** 3;

const BLIPIX = 'n8n-nodes-blipix-clipmix.blipix';
const WAIT = 'n8n-nodes-blipix-clipmix.blipixWaitForRender';
const credentialRef = { blipixApi: { id: 'bench', name: 'Blipix' } };

const sleepSim = async (simMs: number) => await new Promise((r) => setTimeout(r, simMs / TIME_SCALE));

function chain(items: object[], nodes: Array<{ name: string; type: string; parameters: object }>): EngineWorkflow {
	const names = ['Start', ...nodes.map((n) => n.name)];
	return {
		nodes: [
			{ id: 's', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			...nodes.map((n, i) => ({ id: `n${i}`, typeVersion: 1, position: [200 * (i + 1), 0] as [number, number], credentials: credentialRef, ...n })),
		] as EngineWorkflow['nodes'],
		connections: Object.fromEntries(
			names.slice(0, -1).map((name, i) => [name, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
		),
		pinData: { Start: items.map((json) => ({ json })) } as EngineWorkflow['pinData'],
	};
}

function engineFor(sim: Simulator, apiKey: string, extraTypes: Record<string, INodeType> = {}) {
	return {
		nodeTypes: { [BLIPIX]: new Blipix(), [WAIT]: new BlipixWaitForRender(), ...extraTypes },
		credentialTypes: [new BlipixApi()],
		credentials: { blipixApi: { baseUrl: sim.blipix.baseUrl, apiKey } },
	};
}

/** Creates N videos whose renders end spread evenly over 2–15 simulated minutes. */
async function createVideos(sim: Simulator, apiKey: string, n: number): Promise<string[]> {
	const prompts = Array.from({ length: n }, (_, i) => {
		const seconds = n === 1 ? 480 : Math.round(120 + (i * (900 - 120)) / (n - 1));
		return { prompt: `bench video ${i} [render:${seconds}]` };
	});
	const run = await runWorkflow({
		...engineFor(sim, apiKey),
		workflow: chain(prompts, [{ name: 'Create', type: BLIPIX, parameters: { resource: 'video', operation: 'create', prompt: '={{ $json.prompt }}', voice: 'alloy' } }]),
	});
	if (run.error) throw run.error;
	// Let the creates' rate-limit window pass, so both approaches start with a full budget.
	await sleepSim(WINDOW_MS);
	return run.json('Create').map((v) => v.id as string);
}

interface PollResult {
	approach: string;
	n: number;
	requests: number;
	cycles: number;
	peakPerMinute: number;
	rateLimited: number;
	maxDelayS: number;
	avgDelayS: number;
	wallS: number;
	simMinutes: number;
	allReady: boolean;
}

function measure(sim: Simulator, apiKey: string, ids: string[], startedAt: number, approach: string, cycles: number, allReady: boolean): PollResult {
	const endedAt = Date.now();
	const log = sim.blipix.requestLog.filter((e) => e.apiKey === apiKey && e.at >= startedAt);
	const simAt = (realMs: number) => (realMs * TIME_SCALE) / 1000;
	let peak = 0;
	for (let i = 0, j = 0; i < log.length; i++) {
		while (simAt(log[i].at) - simAt(log[j].at) >= WINDOW_MS / 1000) j++;
		peak = Math.max(peak, i - j + 1);
	}
	const delays = ids.map((id) => {
		const readyAt = Math.max(sim.blipix.video(id)!.readyAt!, startedAt);
		const noticed = log.find(
			(e) => e.at >= readyAt && e.status === 200 && (e.path === `/videos/${id}` || e.path.startsWith('/videos?')),
		);
		return noticed ? simAt(noticed.at) - simAt(readyAt) : Number.POSITIVE_INFINITY;
	});
	return {
		approach,
		n: ids.length,
		requests: log.length,
		cycles,
		peakPerMinute: peak,
		rateLimited: log.filter((e) => e.status === 429).length,
		maxDelayS: Math.max(...delays),
		avgDelayS: delays.reduce((a, b) => a + b, 0) / delays.length,
		wallS: (endedAt - startedAt) / 1000,
		simMinutes: simAt(endedAt - startedAt) / 60,
		allReady,
	};
}

async function benchOurPoller(sim: Simulator, n: number): Promise<PollResult> {
	const apiKey = sim.blipix.createAccount({ credits: 10_000 });
	const ids = await createVideos(sim, apiKey, n);
	const startedAt = Date.now();
	const run = await runWorkflow({
		...engineFor(sim, apiKey),
		workflow: chain(ids.map((id) => ({ id })), [{ name: 'Wait', type: WAIT, parameters: { pollInterval: POLL_INTERVAL_S, maxWait: 30, downloadVideo: false } }]),
	});
	if (run.error) throw run.error;
	const cycles = sim.blipix.requestLog.filter((e) => e.apiKey === apiKey && e.at >= startedAt && e.path.startsWith('/videos?')).length;
	return measure(sim, apiKey, ids, startedAt, 'Wait for Render', cycles, run.outputs('Wait')[0].length === n);
}

/** The loop from the Blipix docs, one per video, all running at once. */
async function benchNaiveLoop(sim: Simulator, n: number): Promise<PollResult> {
	const apiKey = sim.blipix.createAccount({ credits: 10_000 });
	const ids = await createVideos(sim, apiKey, n);
	const headers = { Authorization: `Bearer ${apiKey}` };
	let rounds = 0;
	const startedAt = Date.now();
	const waitForVideo = async (id: string, index: number) => {
		for (let round = 1; ; round++) {
			const res = await axios.get(`${sim.blipix.baseUrl}/videos/${id}`, { headers, validateStatus: () => true });
			const video = res.data;
			if (index === 0) rounds = round;
			if (video.renderStatus === 'completed' && video.videoUrl) return true;
			if (video.status === 'failed') return false;
			await sleepSim(POLL_INTERVAL_S * 1000);
		}
	};
	const results = await Promise.all(ids.map(waitForVideo));
	const cycles = Math.max(rounds, Math.ceil((Date.now() - startedAt) * TIME_SCALE / 1000 / POLL_INTERVAL_S));
	return measure(sim, apiKey, ids, startedAt, 'docs loop', cycles, results.every(Boolean));
}

/** A node that runs one of the two download strategies inside the real engine. */
function downloadNode(strategy: 'stream' | 'buffer', url: string): INodeType {
	const description: INodeTypeDescription = {
		displayName: 'Bench Download', name: 'benchDownload', group: ['transform'], version: 1, description: '',
		defaults: { name: 'Bench Download' }, inputs: ['main'], outputs: ['main'], properties: [],
	};
	return {
		description,
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			if (strategy === 'stream') {
				// An API on this machine too: the URL policy lets downloads reach local addresses only then.
				const binary = await downloadToBinary(this, { url, apiBaseUrl: 'http://api.localhost', credentialType: 'blipixApi', baseName: 'big', extension: 'mp4', itemIndex: 0, kind: 'video' });
				return [[{ json: {}, binary: { data: binary } }]];
			}
			const body = (await this.helpers.httpRequest({ url, encoding: 'arraybuffer' })) as Buffer;
			const binary = await this.helpers.prepareBinaryData(Buffer.from(body), 'big.mp4', 'video/mp4');
			return [[{ json: {}, binary: { data: binary } }]];
		},
	};
}

interface DownloadResult { approach: string; rssGrowthMiB: number; mbPerS: number; seconds: number }

/** Peak growth of `measure` (default: RSS) while `work` runs, after a GC. */
async function withPeakRss<T>(
	work: () => Promise<T>,
	measure = () => process.memoryUsage().rss,
): Promise<{ value: T; growthMiB: number; seconds: number }> {
	(global as { gc?: () => void }).gc?.();
	const baseline = measure();
	let peak = baseline;
	const sampler = setInterval(() => { peak = Math.max(peak, measure()); }, 5);
	const started = process.hrtime.bigint();
	const value = await work();
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	clearInterval(sampler);
	peak = Math.max(peak, measure());
	return { value, growthMiB: (peak - baseline) / 1024 / 1024, seconds };
}

/** The blob CDN in a child process, so that its memory is not counted as ours. */
async function startBlobCdn() {
	const server = spawn(process.execPath, [join(__dirname, 'cdnServer.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
	const { cdnUrl } = await new Promise<{ cdnUrl: string }>((resolveUrl) =>
		server.stdout.once('data', (chunk: Buffer) => resolveUrl(JSON.parse(chunk.toString()))),
	);
	return { cdnUrl, stop: () => server.kill() };
}

/** One run of a download node in the engine, in whatever binary mode is current; the file is removed again. */
async function downloadInEngine(strategy: 'stream' | 'buffer', url: string): Promise<void> {
	const run = await runWorkflow({
		nodeTypes: { 'bench.download': downloadNode(strategy, url) },
		credentialTypes: [new BlipixApi()],
		credentials: {},
		workflow: chain([{}], [{ name: 'Download', type: 'bench.download', parameters: {} }]),
	});
	if (run.error) throw run.error;
	const path = run.binaryPath('Download', 0);
	if (path) rmSync(path, { force: true });
}

async function benchDownloads(): Promise<DownloadResult[]> {
	// The streaming claim is about disk: memory, database and S3 modes hold the file whole by design.
	await useBinaryMode('filesystem');
	const cdn = await startBlobCdn();
	const url = `${cdn.cdnUrl}/blob/${GIB}.mp4`;
	const results: DownloadResult[] = [];
	const record = (approach: string, r: { growthMiB: number; seconds: number }) =>
		results.push({ approach, rssGrowthMiB: r.growthMiB, mbPerS: GIB / 1e6 / r.seconds, seconds: r.seconds });

	try {
		const viaEngine = async (strategy: 'stream' | 'buffer') => await downloadInEngine(strategy, url);
		const file = join(engineRoot, 'plain-copy.mp4');
		const plainCopy = async () => {
			await new Promise<void>((done, fail) =>
				http.get(url, (res) => pipeline(res, createWriteStream(file)).then(done, fail)).on('error', fail),
			);
			rmSync(file, { force: true });
		};
		// Disk write speed drifts as the page cache fills, so the two fast paths alternate
		// and each keeps its best round.
		const best = new Map<string, { growthMiB: number; seconds: number }>();
		const keepBest = (name: string, r: { growthMiB: number; seconds: number }) => {
			const previous = best.get(name);
			if (!previous || r.seconds < previous.seconds) best.set(name, r);
		};
		for (let round = 0; round < 3; round++) {
			keepBest('our streaming path (Download → binary data, filesystem mode)', await withPeakRss(() => viaEngine('stream')));
			keepBest('plain stream-to-file copy (ceiling)', await withPeakRss(plainCopy));
		}
		for (const [name, r] of best) record(name, r);
		record('naive: whole body into a buffer, then binary data', await withPeakRss(() => viaEngine('buffer')));
	} finally {
		cdn.stop();
	}
	return results;
}

const MODES_HEADING = '## Download in each binary-data mode';
/** BENCH_ONLY=download-modes runs only that section and replaces only it in bench/RESULTS.md. */
const MODES_ONLY = 'download-modes';
/** Small enough for memory mode, whose base64 copy must fit V8's largest string (about 512 MiB). */
const MODE_FILE_BYTES = 256 * 1024 ** 2;
const MODE_DEFAULTS: Record<EngineBinaryMode, string> = {
	default: 'n8n 1.x',
	filesystem: 'n8n 2.x',
	database: 'n8n 2.x, queue mode',
	s3: 'where configured',
};

interface ModeResult { mode: EngineBinaryMode; approach: 'ours' | 'naive'; seconds: number; rssGrowthMiB: number }
const MODE_ROW_ONLY = 'download-mode-row';

/** One row, in a process of its own (BENCH_ONLY=download-mode-row), so that no row inherits another's memory. */
async function downloadModeRow(mode: EngineBinaryMode, approach: 'ours' | 'naive'): Promise<ModeResult> {
	const child = spawn(process.execPath, ['--expose-gc', __filename], {
		env: { ...process.env, BENCH_ONLY: MODE_ROW_ONLY, BENCH_MODE: mode, BENCH_APPROACH: approach },
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	let out = '';
	child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
	const code = await new Promise<number | null>((done) => child.on('close', done));
	if (code !== 0) throw new Error(`download-mode row ${mode}/${approach} exited with ${code}`);
	return JSON.parse(out.trim().split('\n').pop() as string) as ModeResult;
}

/** A 256 MiB video through our streaming download and through the naive buffer, in each of n8n's four binary-data modes. */
async function benchDownloadModes(): Promise<ModeResult[]> {
	const results: ModeResult[] = [];
	for (const mode of BINARY_MODES) for (const approach of ['ours', 'naive'] as const) results.push(await downloadModeRow(mode, approach));
	return results;
}

/** The child's side of downloadModeRow: prints the row as JSON. */
async function runDownloadModeRow(): Promise<void> {
	const mode = process.env.BENCH_MODE as EngineBinaryMode;
	const approach = process.env.BENCH_APPROACH as 'ours' | 'naive';
	const cdn = await startBlobCdn();
	try {
		await useBinaryMode(mode);
		const r = await withPeakRss(() => downloadInEngine(approach === 'ours' ? 'stream' : 'buffer', `${cdn.cdnUrl}/blob/${MODE_FILE_BYTES}.mp4`));
		console.log(JSON.stringify({ mode, approach, seconds: r.seconds, rssGrowthMiB: r.growthMiB } satisfies ModeResult));
	} finally {
		cdn.stop();
		await stopBinaryModes();
	}
}

function downloadModesSection(results: ModeResult[]): string[] {
	const rows = results.map((r) => [
		r.mode,
		MODE_DEFAULTS[r.mode],
		r.approach === 'ours' ? 'our streaming download' : 'naive: whole body into a buffer first',
		r.seconds.toFixed(2),
		(MODE_FILE_BYTES / 1e6 / r.seconds).toFixed(0),
		`${r.rssGrowthMiB.toFixed(0)} MiB`,
	]);
	return [
		MODES_HEADING,
		'',
		table(['mode', 'whose default', 'approach', 'seconds', 'MB/s', 'peak RSS growth'], rows),
		'',
		`A ${MODE_FILE_BYTES / 1024 ** 2} MiB video through the real engine. Filesystem mode streams it to disk; memory mode keeps it in RAM and as base64 in the execution data (V8 refuses a string past 512 MiB, so a file over 384 MiB cannot be held at all: checked on Node 20 and 24); database mode (n8n 2.41's reader, test/engine/binaryModes.ts) and S3 (n8n-core's own manager against s3rver) read it whole into RAM before they store it. Each row runs in a fresh process; RSS is sampled every 5 ms.`,
		'',
	];
}

interface TriggerResult { approach: string; events: number; perSecond: number; storeKeys: number; storeKiB: number }

/** Signed events, event i stamped `at(i)` (ms epoch). */
function signedEvents(count: number, secret: string, at: (i: number) => number) {
	return Array.from({ length: count }, (_, i) => {
		const rawBody = Buffer.from(
			JSON.stringify({ id: `evt_${i}`, type: 'job.completed', created_at: new Date(at(i)).toISOString(), data: { id: `mus_${i}`, service: 'music', status: 'completed', result_url: `https://cdn.example.com/${i}.m4a` } }),
		);
		return { rawBody, signature: `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`, at: at(i) };
	});
}

/**
 * 100,000 distinct signed events, each delivered once, with one in ten redelivered at once. Each
 * store row runs what the trigger's webhook() runs for its store: HMAC over the raw bytes, parse,
 * (ours) the event-time check, and the lookup; every event must start exactly one run.
 */
const CLIPMIX_TRIGGER_HEADING = '## ClipMix Trigger: verification and de-duplication';
/** BENCH_ONLY=clipmix-trigger runs only section 3 and replaces only its section of bench/RESULTS.md. */
const CLIPMIX_TRIGGER_ONLY = 'clipmix-trigger';

function clipmixTriggerSection(trigger: TriggerResult[]): string[] {
	return [
		CLIPMIX_TRIGGER_HEADING,
		'',
		table(
			['approach', 'deliveries', 'deliveries/s', 'store keys', 'store size'],
			trigger.map((t) => [t.approach, t.events, Math.round(t.perSecond), t.storeKeys, `${t.storeKiB.toFixed(0)} KiB`]),
		),
		'',
		'100,000 distinct signed events, one in ten delivered twice (110,000 deliveries); each is HMAC-checked over its raw bytes, parsed, and looked up in the store. Ours also reads and checks the event\'s signed time, and keeps each key until that time + Max Event Age (24 h), at most 10,000 keys: its size follows one day of traffic, not the number of events ever seen. The last row runs the node\'s whole webhook() through n8n-core for 10,000 deliveries, where building the workflow and copying its static data per request dominate; that copy grows with the store.',
		`(ClipMix Trigger section run on ${new Date().toISOString().slice(0, 10)}.)`,
		'',
	];
}

async function benchTrigger(): Promise<TriggerResult[]> {
	const { emitOnceScope, emitOnceStore } = dist('nodes/shared/emitOnce.js');
	const { now: clockNow } = dist('nodes/shared/clock.js').clock as { now(): number };
	const secret = 'whsec_bench';
	const EVENTS = 100_000;
	const DAY = 86_400_000;
	const T0 = Date.UTC(2026, 0, 1);
	const twice = <T>(events: T[]) => events.flatMap((event, i) => (i % 10 === 0 ? [event, event] : [event]));
	// A month of traffic (3,333 events a day, 26 s apart), and a burst (1,000 a second) that fills the store's cap.
	const month = twice(signedEvents(EVENTS, secret, (i) => T0 + (i * 30 * DAY) / EVENTS));
	const burst = twice(signedEvents(EVENTS, secret, (i) => T0 + i));
	const results: TriggerResult[] = [];
	const size = (store: object) => Buffer.byteLength(JSON.stringify(store)) / 1024;
	const elapsed = (begin: bigint) => Number(process.hrtime.bigint() - begin) / 1e9;
	const keyOf = (rawBody: Buffer, signature: string) => {
		if (webhooks.checkSignature(rawBody, signature, secret)) throw new Error('bad signature');
		const payload = JSON.parse(rawBody.toString('utf8'));
		const event = webhooks.readEvent(payload);
		return { payload, event, key: webhooks.deliveryKey(event, rawBody) as string };
	};

	// 0.1's store: an array of the last 1,000 keys, looked up with includes().
	const last: string[] = [];
	let started = 0;
	let begin = process.hrtime.bigint();
	for (const { rawBody, signature } of month) {
		const { key } = keyOf(rawBody, signature);
		if (last.includes(key)) continue;
		last.push(key);
		if (last.length > 1000) last.splice(0, last.length - 1000);
		started++;
	}
	let seconds = elapsed(begin);
	if (started !== EVENTS) throw new Error(`0.1: started ${started} workflows for ${EVENTS} events`);
	results.push({ approach: 'old (0.1): verify + array of the last 1,000 keys (a replay after 1,000 others runs again)', events: month.length, perSecond: month.length / seconds, storeKeys: last.length, storeKiB: size({ seenDeliveries: last }) });

	// The naive store: remember every key forever.
	const everything = new Set<string>();
	begin = process.hrtime.bigint();
	for (const { rawBody, signature } of month) everything.add(keyOf(rawBody, signature).key);
	seconds = elapsed(begin);
	results.push({ approach: 'naive: verify + remember every key (a Set, grows forever)', events: month.length, perSecond: month.length / seconds, storeKeys: everything.size, storeKiB: size({ seenDeliveries: [...everything] }) });

	// Ours: the emit-once store in the node's static data, with the trigger's own limits.
	const ours = (deliveries: typeof month, label: string) => {
		const staticData: Record<string, unknown> = {};
		const scope = emitOnceScope(`bench-${label}`, { id: 't', name: 'ClipMix Trigger' });
		const options = { maxAgeMs: webhooks.DEFAULT_MAX_EVENT_AGE_HOURS * 3_600_000 + webhooks.CLOCK_SKEW_MS, maxEntries: webhooks.REMEMBERED_EVENTS, field: webhooks.STORE_FIELD };
		let ran = 0;
		const start = process.hrtime.bigint();
		for (const { rawBody, signature, at } of deliveries) {
			const now = at + 1000; // received a second after it was sent
			const { payload, event, key } = keyOf(rawBody, signature);
			const store = emitOnceStore(staticData, scope, options);
			const time = webhooks.eventTime(payload, event.job);
			const limits = { maxAgeMs: webhooks.DEFAULT_MAX_EVENT_AGE_HOURS * 3_600_000, skewMs: webhooks.CLOCK_SKEW_MS, forgottenThrough: store.forgottenThrough };
			if (time === undefined || webhooks.checkEventTime(time, now, limits)) throw new Error(`${label}: event refused`);
			if (store.claim(key, now)) ran++;
		}
		const s = elapsed(start);
		if (ran !== EVENTS) throw new Error(`${label}: started ${ran} workflows for ${EVENTS} events`);
		const kept = Object.keys((staticData[webhooks.STORE_FIELD] as { seen: object }).seen).length;
		return { perSecond: deliveries.length / s, storeKeys: kept, storeKiB: size(staticData) };
	};
	results.push({ approach: 'ours: verify + event time + emit-once store (24 h, ≤ 10,000 keys), a month at 3,333 events a day', events: month.length, ...ours(month, 'month') });
	results.push({ approach: 'ours: the same, all 100,000 events within 100 s (the 10,000-key cap reached)', events: burst.length, ...ours(burst, 'burst') });

	// The whole webhook() call in n8n-core's WebhookContext, as our engine builds it per request:
	// 10,000 deliveries of events stamped now, so the store grows to 9,091 keys, and n8n's per-request
	// copy of static data grows with it.
	const staticData = {};
	const workflow: EngineWorkflow = {
		nodes: [{ id: 't', name: 'ClipMix Trigger', type: 'bench.trigger', typeVersion: 1, position: [0, 0], parameters: {}, credentials: { clipMixApi: { id: 'c', name: 'c' } } }],
		connections: {},
	};
	const stampedNow = clockNow();
	const sample = twice(signedEvents(Math.ceil(10_000 / 1.1), secret, () => stampedNow)).slice(0, 10_000);
	started = 0;
	begin = process.hrtime.bigint();
	for (const { rawBody, signature } of sample) {
		const delivery = await deliverWebhook({
			workflow, triggerNode: 'ClipMix Trigger', staticData, startWorkflow: false,
			nodeTypes: { 'bench.trigger': new ClipMixTrigger() }, credentialTypes: [new ClipMixApi()],
			credentials: { clipMixApi: { apiKey: 'sk_live_bench', webhookSecret: secret, baseUrl: 'http://127.0.0.1:9' } },
			request: { headers: { 'x-clipmix-signature': signature }, rawBody },
		});
		if (delivery.statusCode !== 200) throw new Error(`engine: ${delivery.statusCode} ${JSON.stringify(delivery.body)}`);
		if (delivery.started) started++;
	}
	seconds = elapsed(begin);
	const distinct = new Set(sample.map((d) => d.rawBody.toString())).size;
	if (started !== distinct) throw new Error(`engine: started ${started} workflows for ${distinct} events`);
	const seen = (staticData as Record<string, Record<string, { seen: object }>>)['node:ClipMix Trigger'][webhooks.STORE_FIELD].seen;
	results.push({ approach: 'whole webhook() in WebhookContext (engine, per request: new Workflow, static data as JSON)', events: sample.length, perSecond: sample.length / seconds, storeKeys: Object.keys(seen).length, storeKiB: size(staticData) });
	return results;
}

const SOAK: SoakOptions = {
	itemsPerApi: 1000,
	batchSize: 50,
	executionsPerKey: 2,
	timeScale: 300,
	seed: 3,
	faults: SOAK_FAULTS,
	downloadEvery: 25,
};

async function benchSoak(): Promise<SoakReport> {
	const report = await runSoak(
		{ blipix: new Blipix(), blipixWaitForRender: new BlipixWaitForRender(), clipMix: new ClipMix(), credentialTypes: [new BlipixApi(), new ClipMixApi()], clock },
		SOAK,
	);
	for (const problem of report.problems) console.log(`[bench] soak: ${problem}`);
	return report;
}

function soakSection(report: SoakReport): string[] {
	const sum = (rows: SoakRow[], key: keyof SoakRow) => rows.reduce((total, row) => total + Number(row[key]), 0);
	const line = (api: string, run: string, rows: SoakRow[]) => [
		api, run, sum(rows, 'executions'), sum(rows, 'failedExecutions'), sum(rows, 'items'), sum(rows, 'paid'), sum(rows, 'outputItems'),
		sum(rows, 'lostAnswers'), sum(rows, 'lostRecovered'), sum(rows, 'lostNamed'), sum(rows, 'orphaned'), sum(rows, 'duplicated'),
		sum(rows, 'wrongItem'), sum(rows, 'doubleCharges'), sum(rows, 'unhandledRejections'), `${(sum(rows, 'wallMs') / 1000).toFixed(1)} s`,
	];
	const rows = (['Blipix', 'ClipMix'] as const).flatMap((api) => {
		const runs = report.rows.filter((row) => row.api === api);
		const lost = sum(runs, 'lostAnswers');
		return [
			...runs.map((row) => line(api, runName(row), [row])),
			line(api, 'all four runs', runs),
			[api, 'naive client: reports the error, no recovery', '', '', '', '', '', lost, 0, 0, lost, '', '', '', '', ''],
		];
	});
	const faults = SOAK_FAULTS;
	const { renderSeconds, failEvery } = SOAK_ITEMS;
	return [
		SOAK_HEADING,
		'',
		`${SOAK.itemsPerApi.toLocaleString('en')} Blipix videos and ${SOAK.itemsPerApi.toLocaleString('en')} ClipMix jobs (music, translation, memory video and avatar in turn) through the real engine, in executions of ${SOAK.batchSize} items, ${SOAK.executionsPerKey} at a time on one API key, against the simulator at ${SOAK.timeScale}x with faults on both APIs: ${faults.serverErrorRate * 100}% of requests answered 500/502/503 and ${faults.resetRate * 100}% reset, ${faults.afterCommitShare * 100}% of those after the request took place (a create made and charged its video or job, and only its answer was lost), and 429 bursts of ${faults.rateLimitBursts.length} every ${faults.rateLimitBursts.everyRequests} requests; Blipix's 60 requests a minute per key stay on. Each API runs four ways, one after the other: Continue On Fail off and on, times Create with its wait switch on, or Create followed by Blipix Wait for Render / ClipMix Job → Wait for Completion. Renders take ${renderSeconds.Blipix.join('–')} (Blipix) or ${renderSeconds.ClipMix.join('–')} (ClipMix) simulated seconds, one item in ${failEvery} fails at the API (paid for all the same), and every ${SOAK.downloadEvery}th item downloads its file. What was paid for is read from the server's own records: the key's videos as GET /videos lists them (checked against the simulator's count of creates), and the ClipMix ledger.`,
		'',
		table(
			['API', 'run', 'executions', 'failed as a whole', 'items', 'paid (server)', 'items output', 'lost create answers', '→ back as an item\'s id', '→ named in an error', 'orphaned', 'duplicated', 'wrong item', 'double charges', 'unhandled rejections', 'wall'],
			rows,
		),
		'',
		'- failed as a whole: executions that ended with a node-level error. With Continue On Fail off, the first item whose create fails stops the Create (unless its wait switch sends the item to "Failed or Timed Out"); its error names every video or job made before it, and the later items are never sent.',
		'- paid (server): videos or jobs the server made and charged. items output: items on both outputs of the last node.',
		'- lost create answers: creates the server carried out whose answer a fault replaced. Back as an item\'s id: adopted from the list (Blipix, `recovered: true`) or replayed by the Idempotency-Key (ClipMix). Named in an error: not adopted, because the rule in the README could not tell it apart (another create on the key was unconfirmed at the time, or several videos were candidates), so the item\'s error (or the node-level one) lists the candidates instead.',
		'- orphaned: paid for, but in no output item and not named in the node-level error. duplicated: ids that are the id of more than one output item. wrong item: an output item carrying a video or job made for another item. double charges: paid things beyond one per item that asked (Blipix: two videos for one prompt; ClipMix: two ledger charges for one item, which covers one Idempotency-Key charged twice).',
		'- unhandled rejections: process `unhandledRejection` events during the run. wall: real time.',
		'- naive client: the same lost answers met by a client that reports the error and does nothing else; each one is a paid video or job whose id nobody has. Counted from the faults this soak met, not run.',
		'',
		`The whole soak took ${(report.wallMs / 1000).toFixed(0)} s (run on ${new Date().toISOString().slice(0, 10)}).`,
		'',
	];
}

function table(header: string[], rows: Array<Array<string | number>>): string {
	const cells = rows.map((row) => row.map(String));
	const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
	const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main() {
	if (process.env.BENCH_ONLY === MODE_ROW_ONLY) return await runDownloadModeRow();
	if (process.env.BENCH_ONLY === MODES_ONLY) {
		const section = downloadModesSection(await benchDownloadModes()).join('\n');
		console.log(`\n${section}`);
		const results = readFileSync(RESULTS, 'utf8');
		const start = results.indexOf(MODES_HEADING);
		const end = start < 0 ? results.indexOf(CLIPMIX_TRIGGER_HEADING) : results.indexOf('\n## ', start + 1);
		writeFileSync(RESULTS, `${results.slice(0, start < 0 ? end : start)}${section.trimEnd()}\n\n${results.slice(end).trimStart()}`);
		console.log('[bench] download-modes section written to bench/RESULTS.md');
		return;
	}
	if (process.env.BENCH_ONLY === QUEUE_ONLY) {
		const section = queueSection(await benchQueue(), table).join('\n');
		console.log(`\n${section}`);
		writeFileSync(RESULTS, withQueueSection(readFileSync(RESULTS, 'utf8'), section, SOAK_HEADING));
		console.log('[bench] queue-mode section written to bench/RESULTS.md');
		return;
	}
	if (process.env.BENCH_ONLY === BLIPIX_TRIGGER_ONLY) {
		console.log('[bench] Blipix Trigger: a simulated day of 500 videos…');
		const section = blipixTriggerSection(await benchBlipixTrigger(), table).join('\n');
		console.log(`\n${section}`);
		writeFileSync(RESULTS, withBlipixTriggerSection(readFileSync(RESULTS, 'utf8'), section, SOAK_HEADING));
		console.log('[bench] Blipix Trigger section written to bench/RESULTS.md');
		return;
	}
	if (process.env.BENCH_ONLY === CLIPMIX_TRIGGER_ONLY) {
		console.log('[bench] ClipMix Trigger deliveries…');
		const section = clipmixTriggerSection(await benchTrigger()).join('\n');
		console.log(`\n${section}`);
		const results = readFileSync(RESULTS, 'utf8');
		const start = results.indexOf(CLIPMIX_TRIGGER_HEADING);
		const end = start < 0 ? -1 : results.indexOf('\n## ', start + 1);
		if (start < 0 || end < 0) throw new Error(`bench/RESULTS.md has no "${CLIPMIX_TRIGGER_HEADING}" section to replace`);
		writeFileSync(RESULTS, `${results.slice(0, start)}${section.trimEnd()}\n${results.slice(end)}`);
		console.log('[bench] ClipMix Trigger section written to bench/RESULTS.md');
		return;
	}
	if (process.env.BENCH_ONLY === 'soak') {
		const section = soakSection(await benchSoak()).join('\n');
		console.log(`\n${section}`);
		// The soak is the last section: keep everything before it.
		const before = readFileSync(RESULTS, 'utf8').split(SOAK_HEADING)[0].trimEnd();
		writeFileSync(RESULTS, `${before}\n\n${section}`);
		console.log('[bench] soak section written to bench/RESULTS.md');
		return;
	}
	const sim = await startSimulator({ timeScale: TIME_SCALE, seed: 3 });
	clock.follow(TIME_SCALE, sim.simNow());
	const polls: PollResult[] = [];
	for (const n of SIZES) {
		console.log(`[bench] polling N=${n}…`);
		polls.push(await benchOurPoller(sim, n));
		polls.push(await benchNaiveLoop(sim, n));
	}
	await sim.close();
	console.log('[bench] downloading 1 GiB three ways…');
	const downloads = await benchDownloads();
	console.log('[bench] downloading 256 MiB in each binary-data mode…');
	const downloadModes = await benchDownloadModes();
	console.log('[bench] ClipMix Trigger deliveries…');
	const trigger = await benchTrigger();
	console.log(`[bench] soak: ${SOAK.itemsPerApi} videos and ${SOAK.itemsPerApi} jobs against failing APIs…`);
	const soak = await benchSoak();
	console.log('[bench] Blipix Trigger: a simulated day of 500 videos…');
	const blipixTrigger = await benchBlipixTrigger();
	console.log('[bench] queue mode: 1–8 worker processes on one key…');
	const queue = await benchQueue();

	const pollTable = table(
		['N', 'approach', 'requests', 'cycles', 'req/cycle', 'req/cycle beyond 1 per video', 'peak req/min', '429s', 'max delay', 'avg delay', 'sim time', 'wall', 'all ready'],
		polls.map((p) => [p.n, p.approach, p.requests, p.cycles, (p.requests / p.cycles).toFixed(2), ((p.requests - p.n) / p.cycles).toFixed(2), p.peakPerMinute, p.rateLimited, `${p.maxDelayS.toFixed(1)} s`, `${p.avgDelayS.toFixed(1)} s`, `${p.simMinutes.toFixed(1)} min`, `${p.wallS.toFixed(1)} s`, p.allReady ? 'yes' : 'NO']),
	);
	const ceiling = downloads.find((d) => d.approach.startsWith('plain'))!.mbPerS;
	const downloadTable = table(
		['approach', 'peak RSS growth', 'MB/s', '% of plain copy', 'seconds'],
		downloads.map((d) => [d.approach, `${d.rssGrowthMiB.toFixed(1)} MiB`, d.mbPerS.toFixed(0), `${((d.mbPerS / ceiling) * 100).toFixed(0)}%`, d.seconds.toFixed(2)]),
	);
	const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / GIB).toFixed(0)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`;
	const report = [
		`# Benchmark results`,
		'',
		`Run on ${new Date().toISOString().slice(0, 10)}, ${machine}.`,
		`Simulator at ${TIME_SCALE}x; poll interval ${POLL_INTERVAL_S} s for both approaches; renders spread evenly over 2–15 simulated minutes (N=1: 8 minutes); rate limit 60 requests per simulated minute per key. Delays and times are simulated; "wall" is real time.`,
		'',
		'## Polling: Blipix Wait for Render vs the docs\' loop',
		'',
		pollTable,
		'',
		'- requests: every API request of the wait, 429s included; cycles: poll rounds (our list requests; the docs\' loop: 20 s rounds).',
		'- req/cycle beyond 1 per video: the per-cycle cost once the one unavoidable fetch per finished video (its full details) is set aside.',
		'- delay: from a video becoming ready (or the wait starting, if later) to the answer of the first request that saw it ready. It includes that request\'s own time, which the time scale magnifies: 1 ms of real latency counts as 0.12 simulated seconds here.',
		'',
		'## Download: 1 GiB',
		'',
		downloadTable,
		'',
		'RSS is sampled every 5 ms in the n8n process; the server runs in a child process. The two streaming rows are the best of three alternating rounds (disk write speed drifts as the page cache fills); RSS growth is of that round.',
		'',
		...downloadModesSection(downloadModes),
		...clipmixTriggerSection(trigger),
		...blipixTriggerSection(blipixTrigger, table),
		...queueSection(queue, table),
		...soakSection(soak),
	].join('\n');
	console.log(`\n${report}`);
	writeFileSync(RESULTS, report);
	console.log('[bench] written to bench/RESULTS.md');
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
