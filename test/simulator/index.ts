/**
 * Public entry point of the API simulator: `startSimulator()` starts the API server and the CDN server.
 * See README.md in this folder for the behaviour.
 */
import { BlipixSim, type BlipixOptions, type BlipixRequestLogEntry, type BlipixStats, type SimVideo } from './blipix';
import { Cdn, type CdnRequest } from './cdn';
import {
	FailureInjector,
	Prng,
	SimClock,
	closeServer,
	createRouterServer,
	listen,
	sendJson,
	urlFor,
} from './server';

export type { BlipixOptions, BlipixRequestLogEntry, BlipixStats, SimVideo, CdnRequest };

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
	blipix?: BlipixOptions;
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
	/** The next `count` API requests (any key) get `status` without being processed. */
	failNext(count: number, status: number): void;
	/** Clear request log, stats, CDN request log, injected failures and rate-limit windows; keep accounts and videos. */
	reset(): void;
}

export interface Simulator {
	/** API server, e.g. http://127.0.0.1:41234 */
	url: string;
	/** CDN server: a second http server on another port (a different origin, like a real CDN). */
	cdnUrl: string;
	timeScale: number;
	blipix: SimulatorBlipix;
	/** Every CDN request, oldest first (cleared by blipix.reset()). */
	cdnRequests: CdnRequest[];
	/** Current simulated time (ms epoch). */
	simNow(): number;
	close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
	const host = opts.host ?? '127.0.0.1';
	const timeScale = opts.timeScale ?? 1;
	const clock = new SimClock(timeScale);
	const root = new Prng(opts.seed ?? 1);

	const cdn = new Cdn();
	const cdnPort = await listen(cdn.server, host, opts.cdnPort ?? 0);
	const cdnUrl = urlFor(host, cdnPort);

	const blipixOpts = opts.blipix ?? {};
	const blipix = new BlipixSim({
		clock,
		prng: root.fork('blipix'),
		failures: new FailureInjector({ errorRate: blipixOpts.errorRate, latencyMs: blipixOpts.latencyMs }, root.fork('blipix-failures')),
		cdn,
		cdnUrl,
		options: blipixOpts,
	});

	let url = '';
	const server = createRouterServer([
		blipix.apiMount(),
		blipix.adminMount(),
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
			failNext: (count, status) => blipix.failNext(count, status),
			reset: () => blipix.reset(),
		},
		cdnRequests: cdn.requests,
		simNow: () => clock.now(),
		close: () => {
			closing ??= Promise.all([closeServer(server), closeServer(cdn.server)]).then(() => undefined);
			return closing;
		},
	};
}
