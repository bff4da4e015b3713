/**
 * Public entry point of the API simulator: `startSimulator()` starts the API server and the CDN server.
 * See README.md in this folder for the behaviour.
 */
import {
	BlipixSim,
	type BlipixErrorBody,
	type BlipixOptions,
	type BlipixRequestLogEntry,
	type BlipixStats,
	type SimVideo,
} from './blipix';
import { Cdn, type CdnRequest } from './cdn';
import {
	ClipMixSim,
	type ClipMixCharge,
	type ClipMixErrorBody,
	type ClipMixHealth,
	type ClipMixJobJson,
	type ClipMixOptions,
	type ClipMixRequestLogEntry,
	type ClipMixResultShape,
	type ClipMixService,
	type SimJob,
} from './clipmix';
import type { DeliveryLogEntry, WebhookEvent } from './webhooks';
import {
	type FailNextOptions,
	FailureInjector,
	type FaultOptions,
	type FaultStats,
	type LostCreate,
	Prng,
	SimClock,
	closeServer,
	createRouterServer,
	listen,
	sendJson,
	urlFor,
} from './server';

export type { BlipixErrorBody, BlipixOptions, BlipixRequestLogEntry, BlipixStats, SimVideo, CdnRequest };
export type { FailNextOptions, FaultOptions, FaultStats, LostCreate };
export type {
	ClipMixCharge,
	ClipMixErrorBody,
	ClipMixHealth,
	ClipMixJobJson,
	ClipMixOptions,
	ClipMixRequestLogEntry,
	ClipMixResultShape,
	ClipMixService,
	DeliveryLogEntry,
	SimJob,
	WebhookEvent,
};

export interface SimulatorOptions {
	/** Default '127.0.0.1'. */
	host?: string;
	/** API server port; default 0 (random free port). */
	port?: number;
	/** CDN server port; default 0 (random free port). */
	cdnPort?: number;
	/** Simulated ms per real ms; default 1. 60 => one simulated minute per real second. */
	timeScale?: number;
	/** PRNG seed for keys, ids, render times, texts and error injection; default 1 (deterministic runs). */
	seed?: number;
	/**
	 * Off by default. When true, every timestamp in an API body (Blipix `createdAt`; ClipMix `created_at`,
	 * `updated_at`, the webhook event's `created_at`, the health page's `updated_at`) is the real
	 * wall-clock moment at which its simulated moment happens, instead of simulated time: for a client
	 * that compares them with its own real clock (n8n, where the package's clock runs at real speed)
	 * while the simulator runs faster. Durations between stamps then shrink by `timeScale`.
	 */
	wallClockTimestamps?: boolean;
	blipix?: BlipixOptions;
	clipmix?: ClipMixOptions;
}

export interface SimulatorBlipix {
	/** `${url}/blipix/api/v1` */
	baseUrl: string;
	/** A valid key of the default account. */
	apiKey: string;
	/** A new account with its own credits (default 500) and rate-limit budget; returns its blx_ key. */
	createAccount(opts?: { credits?: number; plan?: string }): string;
	stats(apiKey: string): BlipixStats;
	/** Every API request (not admin ones), oldest first. Cleared by reset(). */
	requestLog: BlipixRequestLogEntry[];
	video(id: string): SimVideo | undefined;
	/** Exact bytes the CDN serves for that video's videoUrl. */
	videoFile(id: string): Buffer;
	thumbnailFile(id: string): Buffer;
	/** Exact bytes the CDN serves for that video's audioUrl. */
	audioFile(id: string): Buffer;
	/**
	 * The next `count` API requests (any key; with `matching`, only those whose `<METHOD> <path>` starts with
	 * it) get `status` (error body) or, with 'drop', a destroyed socket: without being processed, or, with
	 * `afterCommit: true`, after being processed fully.
	 */
	failNext(count: number, status: number | 'drop', opts?: FailNextOptions): void;
	/** The next `count` API requests (`matching`, when given) get `status` (default 307) with a Location on `toOrigin`, unprocessed. */
	redirectNext(count: number, toOrigin: string, opts?: { status?: number; matching?: string }): void;
	/** The next `count` API requests are held `simMs` simulated ms before anything happens to them. */
	delayNext(count: number, simMs: number): void;
	/** Another client on the key from now on: `perWindow` requests in every rate-limit window, evenly spaced (0 stops it). */
	occupy(apiKey: string, perWindow: number): void;
	/** Injected answers since the last reset(), all keys together (per key: stats(apiKey)). */
	faultStats(): FaultStats;
	/**
	 * Put a client IP (default: every IP) under the failed-auth block at once, as if it had just made
	 * `failedAuthLimit.limit` failed authentications. Lasts `failedAuthLimit.windowMs` simulated ms or until reset().
	 */
	blockIp(ip?: string): void;
	/** Clear request log, stats, fault stats, CDN request log, injected failures and rate-limit windows (IP blocks too); keep accounts and videos. */
	reset(): void;
}

export interface SimulatorClipMix {
	/** `${url}/clipmix/api/v1` */
	baseUrl: string;
	/** `${url}/clipmix/api/status` (health page, no auth). */
	statusUrl: string;
	/** Live key of the default account (credits: initialCredits, default 10_000; purchased). */
	liveKey: string;
	/** Test (sandbox) key of the default account. */
	testKey: string;
	/** A new account (default 10_000 credits, purchased: true) with one live and one test key. */
	createAccount(opts?: { credits?: number; purchased?: boolean }): { liveKey: string; testKey: string };
	/** Set the webhook of a key (an empty url removes it). Throws for an unknown key or a bad url/secret. */
	setWebhook(apiKey: string, url: string, secret: string): void;
	/** Send a `webhook.test` event; resolves once the first attempt has finished (retries continue in the background). */
	fireTest(apiKey: string): Promise<void>;
	/** Internal state of a job (incl. settleAt), or undefined. */
	job(id: string): SimJob | undefined;
	/** Exact bytes the CDN serves at the job's result_url. */
	/** Exact bytes at the job's result_url; with `language`, a translation's file in that language. */
	resultFile(id: string, language?: string): Buffer;
	/** Every credit charge, oldest first (cleared by reset()). */
	ledger: ClipMixCharge[];
	/** Credits left in the wallet of the key's account (live and test key share one wallet). */
	balance(apiKey: string): number;
	/** The key's webhook delivery log: the last 100 attempts, oldest first. */
	deliveries(apiKey: string): DeliveryLogEntry[];
	/** Every ClipMix API request (not admin, not the health page), oldest first. Cleared by reset(). */
	requestLog: ClipMixRequestLogEntry[];
	/**
	 * The next `count` ClipMix API requests (with `matching`, only those whose `<METHOD> <path>` starts with
	 * it) get `status` (error body) or, with 'drop', a destroyed socket. `afterCommit` (default false for a
	 * status, true for 'drop'): processed fully first (job created, credits charged, idempotent answer
	 * stored); otherwise nothing is processed.
	 */
	failNext(count: number, status: number | 'drop', opts?: FailNextOptions): void;
	/** The next `count` ClipMix API requests (`matching`, when given) get `status` (default 307) with a Location on `toOrigin`, unprocessed. */
	redirectNext(count: number, toOrigin: string, opts?: { status?: number; matching?: string }): void;
	/** Injected answers since the last reset(). */
	faultStats(): FaultStats;
	/** Clear logs, ledger, fault stats, idempotency cache, health windows, injected failures, deliveries and pending webhook retries. */
	reset(): void;
}

export interface Simulator {
	/** API server, e.g. http://127.0.0.1:41234 */
	url: string;
	/** CDN server: a second http server on another port (a different origin, like a real CDN). */
	cdnUrl: string;
	timeScale: number;
	blipix: SimulatorBlipix;
	clipmix: SimulatorClipMix;
	/** Every CDN request, oldest first (cleared by blipix.reset()). */
	cdnRequests: CdnRequest[];
	/** The next `count` file downloads from the CDN (with `pathContains` in the path) send `afterBytes` bytes, then hang (README, CDN). */
	cdnStallNext(count: number, afterBytes: number, pathContains?: string): void;
	/** Current simulated time (ms epoch). */
	simNow(): number;
	close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
	const host = opts.host ?? '127.0.0.1';
	const timeScale = opts.timeScale ?? 1;
	const clock = new SimClock(timeScale, Date.now(), opts.wallClockTimestamps === true);
	const root = new Prng(opts.seed ?? 1);

	const cdn = new Cdn();
	const cdnPort = await listen(cdn.server, host, opts.cdnPort ?? 0);
	const cdnUrl = urlFor(host, cdnPort);

	// Options are checked by the constructors below: close the CDN again if one of them throws.
	let blipix: BlipixSim;
	let clipmix: ClipMixSim;
	try {
		({ blipix, clipmix } = createSims(opts, clock, root, cdn, cdnUrl));
	} catch (err) {
		await closeServer(cdn.server);
		throw err;
	}

	let url = '';
	const server = createRouterServer([
		blipix.apiMount(),
		blipix.adminMount(),
		clipmix.apiMount(),
		clipmix.adminMount(),
		{
			prefix: '/__admin',
			handle: ({ req, res, subPath }) => {
				req.resume();
				if (req.method === 'GET' && (subPath === '/' || subPath === '')) {
					sendJson(res, 200, {
						url,
						cdnUrl,
						timeScale,
						simNow: new Date(clock.now()).toISOString(),
						blipix: { baseUrl: `${url}/blipix/api/v1`, apiKey: blipix.defaultApiKey },
						clipmix: {
							baseUrl: `${url}/clipmix/api/v1`,
							statusUrl: `${url}/clipmix/api/status`,
							liveKey: clipmix.defaultKeys.liveKey,
							testKey: clipmix.defaultKeys.testKey,
						},
					});
				} else if (req.method === 'GET' && subPath === '/cdn-requests') {
					sendJson(res, 200, { count: cdn.requests.length, requests: cdn.requests });
				} else {
					sendJson(res, 404, { error: `Not found: ${req.method} /__admin${subPath}` });
				}
			},
		},
	]);
	let port: number;
	try {
		port = await listen(server, host, opts.port ?? 0);
	} catch (err) {
		clipmix.close();
		await closeServer(cdn.server);
		throw err;
	}
	url = urlFor(host, port);

	let closing: Promise<void> | undefined;
	return {
		url,
		cdnUrl,
		timeScale,
		blipix: {
			baseUrl: `${url}/blipix/api/v1`,
			apiKey: blipix.defaultApiKey,
			createAccount: (o) => blipix.createAccount(o ?? {}),
			stats: (key) => blipix.stats(key),
			requestLog: blipix.requestLog,
			video: (id) => blipix.video(id),
			videoFile: (id) => blipix.videoFile(id),
			thumbnailFile: (id) => blipix.thumbnailFile(id),
			audioFile: (id) => blipix.audioFile(id),
			failNext: (count, status, o) => blipix.failNext(count, status, o),
			redirectNext: (count, toOrigin, o) => blipix.redirectNext(count, toOrigin, o),
			delayNext: (count, simMs) => blipix.delayNext(count, simMs),
			occupy: (key, perWindow) => blipix.occupy(key, perWindow),
			faultStats: () => blipix.faultStats(),
			blockIp: (ip) => blipix.blockIp(ip),
			reset: () => blipix.reset(),
		},
		clipmix: {
			baseUrl: `${url}/clipmix/api/v1`,
			statusUrl: `${url}/clipmix/api/status`,
			liveKey: clipmix.defaultKeys.liveKey,
			testKey: clipmix.defaultKeys.testKey,
			createAccount: (o) => clipmix.createAccount(o ?? {}),
			setWebhook: (key, hookUrl, secret) => clipmix.setWebhook(key, hookUrl, secret),
			fireTest: async (key) => {
				await clipmix.fireTest(key);
			},
			job: (id) => clipmix.job(id),
			resultFile: (id, language) => clipmix.resultFile(id, language),
			ledger: clipmix.ledger,
			balance: (key) => clipmix.balance(key),
			deliveries: (key) => clipmix.deliveries(key),
			requestLog: clipmix.requestLog,
			failNext: (count, status, o) => clipmix.failNext(count, status, o),
			redirectNext: (count, toOrigin, o) => clipmix.redirectNext(count, toOrigin, o),
			faultStats: () => clipmix.faultStats(),
			reset: () => clipmix.reset(),
		},
		cdnRequests: cdn.requests,
		cdnStallNext: (count, afterBytes, pathContains) => cdn.stallNext(count, afterBytes, pathContains),
		simNow: () => clock.now(),
		close: () => {
			clipmix.close();
			closing ??= Promise.all([closeServer(server), closeServer(cdn.server)]).then(() => undefined);
			return closing;
		},
	};
}

/** The two APIs (their constructors throw on bad options). */
function createSims(
	opts: SimulatorOptions,
	clock: SimClock,
	root: Prng,
	cdn: Cdn,
	cdnUrl: string,
): { blipix: BlipixSim; clipmix: ClipMixSim } {
	const blipixOpts = opts.blipix ?? {};
	const blipix = new BlipixSim({
		clock,
		prng: root.fork('blipix'),
		failures: new FailureInjector(
			{ errorRate: blipixOpts.errorRate, latencyMs: blipixOpts.latencyMs, faults: blipixOpts.faults },
			root.fork('blipix-failures'),
		),
		cdn,
		cdnUrl,
		options: blipixOpts,
	});
	const clipmixOpts = opts.clipmix ?? {};
	const clipmix = new ClipMixSim({
		clock,
		prng: root.fork('clipmix'),
		webhookPrng: root.fork('clipmix-webhooks'),
		failures: new FailureInjector(
			{ errorRate: clipmixOpts.errorRate, latencyMs: clipmixOpts.latencyMs, faults: clipmixOpts.faults },
			root.fork('clipmix-failures'),
		),
		cdn,
		cdnUrl,
		options: clipmixOpts,
		// ClipMix measures a video it translates: a Blipix video's length, when that is the source.
		videoSecondsOf: (url) => blipix.videoSecondsAt(url),
	});
	return { blipix, clipmix };
}
