/**
 * Shared plumbing of the API simulator: the http server that routes by path prefix, JSON helpers,
 * body parsing, the simulated clock, a seeded PRNG, sliding-window counters and failure injection.
 *
 * Nothing here knows about Blipix (or, later, ClipMix): each API is a set of `Mount`s.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Simulated clock
// ---------------------------------------------------------------------------------------------

/**
 * Simulated time runs `timeScale` times faster than real time. Both clocks coincide at the moment the
 * simulator starts, so simulated timestamps are ms epochs too (just running ahead when timeScale > 1).
 */
export class SimClock {
	readonly realEpoch: number;

	constructor(
		readonly timeScale: number,
		realEpoch: number = Date.now(),
		/** `wallClockTimestamps`: API bodies show each simulated moment as the real moment it happens at. */
		readonly wallClockStamps = false,
	) {
		if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
			throw new Error(`timeScale must be a positive finite number, got ${timeScale}`);
		}
		this.realEpoch = realEpoch;
	}

	/**
	 * A simulated moment as an API body shows it (ISO 8601, ms, Z): simulated time by default, or,
	 * with `wallClockStamps`, the real moment at which it happens (`toReal`), so a client that
	 * compares the APIs' timestamps with its own real clock (n8n) sees them agree at any time scale.
	 */
	stamp(simMs: number): string {
		return new Date(this.wallClockStamps ? this.toReal(simMs) : simMs).toISOString();
	}

	/** Current simulated time (ms epoch). */
	now(): number {
		return this.toSim(Date.now());
	}

	/** Simulated ms epoch for a real ms epoch. */
	toSim(realMs: number): number {
		return this.realEpoch + (realMs - this.realEpoch) * this.timeScale;
	}

	/** Real ms epoch for a simulated ms epoch. */
	toReal(simMs: number): number {
		return this.realEpoch + (simMs - this.realEpoch) / this.timeScale;
	}
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32)
// ---------------------------------------------------------------------------------------------

const ALNUM_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class Prng {
	private state: number;

	constructor(seed: number) {
		this.state = hashSeed(seed) >>> 0;
	}

	/** Uniform float in [0, 1). */
	next(): number {
		this.state = (this.state + 0x6d2b79f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}

	/** Uniform float in [min, max). */
	range(min: number, max: number): number {
		return min + (max - min) * this.next();
	}

	/** Uniform integer in [min, max] (inclusive). */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)];
	}

	/** Random string over an alphabet (lowercase alphanumerics by default). */
	id(length: number, alphabet: string = ALNUM_LOWER): string {
		let out = '';
		for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
		return out;
	}

	/** Random string over upper/lowercase letters and digits. */
	token(length: number): string {
		return this.id(length, ALNUM);
	}

	/** An independent stream, so that e.g. enabling error injection does not shift render times. */
	fork(label: string): Prng {
		let h = this.state;
		for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
		return new Prng(h);
	}
}

function hashSeed(seed: number): number {
	let h = Math.floor(seed) ^ 0x9e3779b9;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Sliding-window counter
// ---------------------------------------------------------------------------------------------

/** A sliding-window log per key, in simulated time. */
export class SlidingWindow {
	private readonly hits = new Map<string, number[]>();

	constructor(
		readonly limit: number,
		readonly windowMs: number,
		private readonly clock: SimClock,
	) {}

	/** Number of hits of `key` inside the window ending now. */
	count(key: string): number {
		const list = this.hits.get(key);
		if (!list) return 0;
		const cutoff = this.clock.now() - this.windowMs;
		let drop = 0;
		while (drop < list.length && list[drop] <= cutoff) drop++;
		if (drop > 0) list.splice(0, drop);
		if (list.length === 0) this.hits.delete(key);
		return list.length;
	}

	/** True when `key` has used its whole budget. */
	exhausted(key: string): boolean {
		return this.count(key) >= this.limit;
	}

	record(key: string): void {
		this.recordAt(key, this.clock.now());
	}

	/** A hit at simulated time `at` (now or earlier), kept in time order. */
	recordAt(key: string, at: number): void {
		const list = this.hits.get(key);
		if (!list) {
			this.hits.set(key, [at]);
			return;
		}
		let i = list.length;
		while (i > 0 && list[i - 1] > at) i--;
		list.splice(i, 0, at);
	}

	remaining(key: string): number {
		return Math.max(0, this.limit - this.count(key));
	}

	/** Simulated ms until `key` is below its limit again (0 when it is not exhausted). */
	msUntilAvailable(key: string): number {
		const n = this.count(key);
		if (n < this.limit) return 0;
		const list = this.hits.get(key);
		// The hit whose leaving brings the count below the limit (the oldest one when count == limit).
		const leaving = list?.[n - this.limit];
		return leaving === undefined ? this.windowMs : leaving + this.windowMs - this.clock.now();
	}

	clear(): void {
		this.hits.clear();
	}
}

// ---------------------------------------------------------------------------------------------
// Failure injection
// ---------------------------------------------------------------------------------------------

/** Random faults and rate-limit bursts, per API request (see README.md, "Faults"). */
export interface FaultOptions {
	/** Probability (0..1) that a request is answered with a random 500/502/503; default 0. */
	serverErrorRate?: number;
	/** Probability (0..1) that a request's socket is destroyed without an answer; default 0. */
	resetRate?: number;
	/** Share (0..1) of those faults that strike after the request was fully processed; default 0 (all before). */
	afterCommitShare?: number;
	/** Every `everyRequests`-th request starts a burst: it and the next `length - 1` requests get 429, unprocessed. */
	rateLimitBursts?: { everyRequests: number; length: number };
	/**
	 * Decide each request's random fault by what the request is (`RequestInfo.identity`) and how many times
	 * the same request came before, instead of by its place in the order of arrival; default false. The same
	 * requests then meet the same faults on every run, however concurrency and timing interleave them.
	 */
	perRequest?: boolean;
}

export interface FailureOptions {
	/** Fraction (0..1) of requests answered with a random 500/502/503 (before processing). */
	errorRate?: number;
	/** Real ms added before every response. */
	latencyMs?: number;
	faults?: FaultOptions;
}

/** What happens to one request instead of (or after) its normal answer. */
export interface InjectedFault {
	/** An HTTP status to answer with (error body), or 'drop': destroy the socket without any answer. */
	action: number | 'drop';
	/** false: answered without processing anything; true: processed fully first, then answered with `action`. */
	afterCommit: boolean;
	source: 'failNext' | 'burst' | 'faults' | 'errorRate' | 'redirect';
	/** A redirect (`redirectNext`): the origin the answer's Location sends the client to, with the request's own path. */
	redirectTo?: string;
}

/** One API request as failure injection sees it. */
export interface RequestInfo {
	/** `<METHOD> <path below the base URL, with query>`, e.g. 'GET /videos/c123': what `failNext`'s `matching` is compared with. */
	line: string;
	/**
	 * What the request is, the same on every run whatever the order of arrival (account, route, the create
	 * behind a resource it names, body): what `faults.perRequest` draws by.
	 */
	identity: string;
	/** Set by `take()` when the request drew its random fault (per request: one occurrence of its identity). */
	drew?: boolean;
}

/** Which requests a queued failure applies to. */
export interface FailNextOptions {
	/** Processed fully first, then answered with the failure; default false. */
	afterCommit?: boolean;
	/** Only requests whose `<METHOD> <path>` starts with this, e.g. 'GET /videos/'; default every request. */
	matching?: string;
}

/** A create that was committed (video/job made, credits charged) but whose answer was lost to an injected fault. */
export interface LostCreate {
	/** Video or job id. */
	id: string;
	apiKey: string;
	/** Real ms epoch. */
	at: number;
	/** What the client got instead of the 201: the injected status, or 'reset' (no answer). */
	answer: number | 'reset';
	idempotencyKey?: string;
}

/** Counts of injected answers (every source: failNext, rateLimitBursts, faults, errorRate). Cleared by reset(). */
export interface FaultStats {
	/** Injected answers given without processing anything (burst 429s and resets included). */
	beforeCommit: number;
	/** Injected answers given after the request was fully processed (resets included). */
	afterCommit: number;
	/** Of all injected answers, those that destroyed the socket instead of answering. */
	resets: number;
	/** 429s of rateLimitBursts (also counted in beforeCommit). */
	burst429s: number;
	/** Committed creates whose answer was an injected error or a reset, oldest first (last 100 000). */
	lostCreates: LostCreate[];
}

export function emptyFaultStats(): FaultStats {
	return { beforeCommit: 0, afterCommit: 0, resets: 0, burst429s: 0, lostCreates: [] };
}

const SERVER_ERRORS = [500, 502, 503] as const;
const LOST_CREATES_MAX = 100_000;

function checkRate(name: string, v: number): number {
	if (!(v >= 0 && v <= 1)) throw new Error(`${name} must be within 0..1`);
	return v;
}

/**
 * Decides, per API request, whether an injected failure replaces its answer: the `failNext` queue first,
 * then a rate-limit burst, then the random `faults`, then `errorRate`. `errorRate` and `faults` each draw
 * from their own seeded stream (`faults` always draws three numbers per request, so changing one of its
 * rates or the after-commit share does not move which requests the others hit).
 */
export class FailureInjector {
	private queue: Array<{ count: number; action: number | 'drop'; afterCommit: boolean; matching?: string; redirectTo?: string }> = [];
	private readonly faultPrng: Prng;
	private readonly serverErrorRate: number;
	private readonly resetRate: number;
	private readonly afterCommitShare: number;
	private readonly bursts: { everyRequests: number; length: number } | undefined;
	private readonly perRequest: boolean;
	/** perRequest: how many times each request identity has drawn its fault. */
	private readonly occurrences = new Map<string, number>();
	private requests = 0;
	private burstLeft = 0;
	/** delayNext: extra real ms for the next requests, in order. */
	private slow: Array<{ count: number; ms: number }> = [];
	private stats = emptyFaultStats();
	errorRate: number;
	latencyMs: number;

	constructor(
		opts: FailureOptions,
		private readonly prng: Prng,
	) {
		this.errorRate = checkRate('errorRate', opts.errorRate ?? 0);
		this.latencyMs = opts.latencyMs ?? 0;
		if (!(this.latencyMs >= 0)) throw new Error('latencyMs must be >= 0');
		const f = opts.faults ?? {};
		this.serverErrorRate = checkRate('faults.serverErrorRate', f.serverErrorRate ?? 0);
		this.resetRate = checkRate('faults.resetRate', f.resetRate ?? 0);
		if (this.serverErrorRate + this.resetRate > 1) throw new Error('faults.serverErrorRate + faults.resetRate must be <= 1');
		this.afterCommitShare = checkRate('faults.afterCommitShare', f.afterCommitShare ?? 0);
		if (f.rateLimitBursts) {
			const { everyRequests, length } = f.rateLimitBursts;
			if (!Number.isInteger(everyRequests) || everyRequests < 1) throw new Error('faults.rateLimitBursts.everyRequests must be an integer >= 1');
			if (!Number.isInteger(length) || length < 0) throw new Error('faults.rateLimitBursts.length must be a non-negative integer');
			this.bursts = { everyRequests, length };
		}
		this.perRequest = f.perRequest ?? false;
		// Forking reads the state without advancing it: the errorRate stream is the same as without faults.
		this.faultPrng = prng.fork('faults');
	}

	/**
	 * The next `count` requests get `action` (a status, or 'drop' for a destroyed socket), without being
	 * processed, or with `afterCommit` after being processed fully. Queued after earlier calls.
	 */
	failNext(count: number, action: number | 'drop', opts: FailNextOptions = {}): void {
		if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
		if (action !== 'drop' && (!Number.isInteger(action) || action < 100 || action > 599)) {
			throw new Error('status must be an HTTP status code or "drop"');
		}
		if (opts.matching !== undefined && (typeof opts.matching !== 'string' || opts.matching === '')) {
			throw new Error('matching must be a non-empty string');
		}
		if (count > 0) this.queue.push({ count, action, afterCommit: opts.afterCommit ?? false, matching: opts.matching });
	}

	/**
	 * The next `count` requests (of those `matching`, when given) are answered `status` with a Location on
	 * `toOrigin` and the request's own path and query, unprocessed: an API that moved, or a proxy that sends
	 * clients elsewhere. Queued with failNext, in order.
	 */
	redirectNext(count: number, toOrigin: string, opts: { status?: number; matching?: string } = {}): void {
		const status = opts.status ?? 307;
		if (![301, 302, 303, 307, 308].includes(status)) throw new Error('status must be 301, 302, 303, 307 or 308');
		let origin: string;
		try {
			origin = new URL(toOrigin).origin;
		} catch {
			throw new Error('toOrigin must be an http(s) URL');
		}
		if (!/^https?:/.test(origin)) throw new Error('toOrigin must be an http(s) URL');
		this.failNext(count, status, { matching: opts.matching });
		if (count > 0) this.queue[this.queue.length - 1].redirectTo = origin;
	}

	/** Pending failNext failures. */
	pending(): number {
		return this.queue.reduce((sum, q) => sum + q.count, 0);
	}

	/** The fault to inject for this request, if any. Call exactly once per API request. */
	take(request: RequestInfo): InjectedFault | undefined {
		this.requests++;
		if (this.bursts && this.bursts.length > 0 && this.requests % this.bursts.everyRequests === 0) {
			this.burstLeft = this.bursts.length;
		}
		const inBurst = this.burstLeft > 0;
		if (inBurst) this.burstLeft--;
		const queued = this.queue.findIndex((entry) => entry.matching === undefined || request.line.startsWith(entry.matching));
		// By order of arrival, three numbers per request whatever happens. Per request, only a request that
		// reaches the draw counts as an occurrence, so a burst or a queued failure does not shift its faults.
		let random: InjectedFault | undefined;
		if ((this.serverErrorRate > 0 || this.resetRate > 0) && (!this.perRequest || (queued === -1 && !inBurst))) {
			const [kind, where, which] = this.draw(request);
			const afterCommit = where < this.afterCommitShare;
			if (kind < this.serverErrorRate) {
				random = { action: SERVER_ERRORS[Math.floor(which * SERVER_ERRORS.length)], afterCommit, source: 'faults' };
			} else if (kind < this.serverErrorRate + this.resetRate) {
				random = { action: 'drop', afterCommit, source: 'faults' };
			}
		}

		if (queued !== -1) {
			const entry = this.queue[queued];
			entry.count--;
			if (entry.count <= 0) this.queue.splice(queued, 1);
			if (entry.redirectTo !== undefined) return { action: entry.action, afterCommit: false, source: 'redirect', redirectTo: entry.redirectTo };
			return { action: entry.action, afterCommit: entry.afterCommit, source: 'failNext' };
		}
		if (inBurst) return { action: 429, afterCommit: false, source: 'burst' };
		if (random) return random;
		if (this.errorRate > 0 && this.prng.next() < this.errorRate) {
			return { action: this.prng.pick(SERVER_ERRORS), afterCommit: false, source: 'errorRate' };
		}
		return undefined;
	}

	/** The three numbers of one request's random fault: the next of the stream, or its identity's own. */
	private draw(request: RequestInfo): [number, number, number] {
		request.drew = true;
		if (!this.perRequest) return [this.faultPrng.next(), this.faultPrng.next(), this.faultPrng.next()];
		const occurrence = this.occurrences.get(request.identity) ?? 0;
		this.occurrences.set(request.identity, occurrence + 1);
		// The stream's state never moves in this mode, so a fork is a pure function of the seed and its label.
		const own = this.faultPrng.fork(`${request.identity}\n${occurrence}`);
		return [own.next(), own.next(), own.next()];
	}

	/**
	 * perRequest: the API refused this request unprocessed (its rate limiter's 429), so it is not an occurrence
	 * of its identity: the retry draws what this attempt drew.
	 */
	refused(request: RequestInfo): void {
		const occurrence = this.occurrences.get(request.identity);
		if (this.perRequest && request.drew && occurrence !== undefined) this.occurrences.set(request.identity, occurrence - 1);
	}

	/** Count an injected answer once it was given; `lost` names the create it hid (after-commit only). */
	record(fault: InjectedFault, lost?: Omit<LostCreate, 'at' | 'answer'>): void {
		if (fault.afterCommit) this.stats.afterCommit++;
		else this.stats.beforeCommit++;
		if (fault.action === 'drop') this.stats.resets++;
		if (fault.source === 'burst') this.stats.burst429s++;
		if (lost && fault.afterCommit) {
			const list = this.stats.lostCreates;
			list.push({ ...lost, at: Date.now(), answer: fault.action === 'drop' ? 'reset' : fault.action });
			if (list.length > LOST_CREATES_MAX) list.splice(0, list.length - LOST_CREATES_MAX);
		}
	}

	faultStats(): FaultStats {
		return { ...this.stats, lostCreates: this.stats.lostCreates.map((c) => ({ ...c })) };
	}

	/** The next `count` requests wait `ms` real ms (on top of `latencyMs`) before anything happens to them. Queued in order. */
	delayNext(count: number, ms: number): void {
		if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
		if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error('the delay must be a non-negative number of ms');
		if (count > 0) this.slow.push({ count, ms });
	}

	/** Waits before a request is looked at: `latencyMs`, plus a pending `delayNext`. Call once per API request. */
	async delay(): Promise<void> {
		let ms = this.latencyMs;
		const head = this.slow[0];
		if (head) {
			ms += head.ms;
			if (--head.count <= 0) this.slow.shift();
		}
		if (ms > 0) await sleep(ms);
	}

	/** Drop pending failNext failures, clear the fault stats and restart the burst request count and per-request occurrences. */
	reset(): void {
		this.queue = [];
		this.slow = [];
		this.stats = emptyFaultStats();
		this.requests = 0;
		this.burstLeft = 0;
		this.occurrences.clear();
	}
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON: key order does not matter (idempotency fingerprints, request identities)
// ---------------------------------------------------------------------------------------------

export function canonicalJson(v: unknown): string {
	if (Array.isArray(v)) return '[' + v.map((x) => canonicalJson(x === undefined ? null : x)).join(',') + ']';
	if (v && typeof v === 'object') {
		const keys = Object.keys(v as object)
			.filter((k) => (v as Record<string, unknown>)[k] !== undefined)
			.sort();
		return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((v as Record<string, unknown>)[k])).join(',') + '}';
	}
	return JSON.stringify(v) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

/** An error that becomes a JSON error response `{ "error": message }`. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export const STATUS_MESSAGES: Record<number, string> = {
	400: 'Bad request',
	401: 'Unauthorized',
	402: 'Payment required',
	403: 'Forbidden',
	404: 'Not found',
	405: 'Method not allowed',
	408: 'Request timeout',
	409: 'Conflict',
	413: 'Payload too large',
	429: 'Too many requests',
	500: 'Internal server error',
	502: 'Bad gateway',
	503: 'Service unavailable',
	504: 'Gateway timeout',
};

export function statusMessage(status: number): string {
	return STATUS_MESSAGES[status] ?? http.STATUS_CODES[status] ?? `HTTP ${status}`;
}

export function sendJson(
	res: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string | number> = {},
): void {
	if (res.headersSent || res.destroyed) return;
	const text = JSON.stringify(body);
	res.writeHead(status, {
		...headers,
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
	});
	res.end(text);
}

/** Every simulated API error has the same body shape: `{ "error": "<message>" }`. */
export function sendError(
	res: http.ServerResponse,
	status: number,
	message: string = statusMessage(status),
	headers: Record<string, string | number> = {},
): void {
	sendJson(res, status, { error: message }, headers);
}

export function readRawBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let failed = false;
		req.on('data', (chunk: Buffer) => {
			if (failed) return;
			size += chunk.length;
			if (size > limitBytes) {
				failed = true;
				reject(new HttpError(413, `Request body larger than ${limitBytes} bytes`));
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => {
			if (!failed) resolve(Buffer.concat(chunks));
		});
		req.on('error', (err) => {
			if (!failed) reject(err);
		});
	});
}

/**
 * Body parsing as an Express `express.json()` app does it: only a request whose Content-Type is JSON
 * is parsed; any other body reads as `{}`. A malformed JSON body is a 400.
 */
export async function readJsonBody(req: http.IncomingMessage, limitBytes = 100 * 1024): Promise<unknown> {
	const raw = await readRawBody(req, limitBytes);
	const type = String(req.headers['content-type'] ?? '').toLowerCase();
	if (!/^application\/([\w.+-]+\+)?json\b/.test(type)) return {};
	if (raw.length === 0) return {};
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch (err) {
		throw new HttpError(400, `Invalid JSON body: ${(err as Error).message}`);
	}
}

/** End the connection without any response (the client sees a reset / "socket hang up"). */
export function destroySocket(res: http.ServerResponse): void {
	res.socket?.destroy();
	res.destroy();
}

/** Drain (and ignore) a request body so the connection can be reused. */
export function drain(req: http.IncomingMessage): void {
	req.resume();
}

export function clientIp(req: http.IncomingMessage): string {
	return req.socket.remoteAddress ?? 'unknown';
}

/** A timer that never keeps the process alive. */
export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => {
		const t = setTimeout(resolve, ms);
		t.unref();
	});
}

// ---------------------------------------------------------------------------------------------
// Router server
// ---------------------------------------------------------------------------------------------

export interface RequestContext {
	req: http.IncomingMessage;
	res: http.ServerResponse;
	/** The full parsed request URL. */
	url: URL;
	/** Path below the mount's prefix, always starting with '/' ('/' for the prefix itself). */
	subPath: string;
}

export interface Mount {
	/** Path prefix such as '/blipix/api/v1' (no trailing slash). */
	prefix: string;
	handle(ctx: RequestContext): void | Promise<void>;
}

/** An http server that dispatches to the mount with the longest matching path prefix. */
export function createRouterServer(mounts: Mount[]): http.Server {
	const sorted = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
	const server = http.createServer((req, res) => {
		let url: URL;
		try {
			url = new URL(req.url ?? '/', 'http://simulator.invalid');
		} catch {
			drain(req);
			sendError(res, 400, 'Malformed request URL');
			return;
		}
		const path = url.pathname;
		const mount = sorted.find((m) => path === m.prefix || path.startsWith(m.prefix + '/'));
		if (!mount) {
			drain(req);
			sendError(res, 404, `Not found: ${req.method} ${path}`);
			return;
		}
		const subPath = path.slice(mount.prefix.length) || '/';
		Promise.resolve()
			.then(() => mount.handle({ req, res, url, subPath }))
			.catch((err: unknown) => {
				drain(req);
				if (err instanceof HttpError) sendError(res, err.status, err.message);
				else sendError(res, 500, `Simulator error: ${(err as Error)?.message ?? String(err)}`);
			});
	});
	server.keepAliveTimeout = 5_000;
	return server;
}

export function listen(server: http.Server, host: string, port: number): Promise<number> {
	return new Promise((resolve, reject) => {
		const onError = (err: Error) => reject(err);
		server.once('error', onError);
		server.listen(port, host, () => {
			server.off('error', onError);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

/** Close a server and every socket it holds (keep-alive and in-flight) right away. */
export function closeServer(server: http.Server): Promise<void> {
	return new Promise((resolve) => {
		if (!server.listening) {
			resolve();
			return;
		}
		server.close(() => resolve());
		server.closeAllConnections();
	});
}

export function urlFor(host: string, port: number): string {
	let h = host;
	if (h === '0.0.0.0' || h === '') h = '127.0.0.1';
	else if (h === '::') h = '[::1]';
	else if (h.includes(':') && !h.startsWith('[')) h = `[${h}]`;
	return `http://${h}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/** setTimeout's largest delay; longer waits are chained. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A set of one-shot timers at real ms epochs. Every timer is unref'd (never keeps the process alive),
 * delays beyond setTimeout's 24.8-day limit are chained, and `clear()` cancels them all at once.
 */
export class TimerSet {
	private readonly handles = new Set<{ t?: NodeJS.Timeout }>();

	/** Run `fn` at real ms epoch `when` (at once if it is in the past). Returns a cancel function. */
	at(when: number, fn: () => void): () => void {
		const h: { t?: NodeJS.Timeout } = {};
		const arm = () => {
			const delay = Math.max(0, when - Date.now());
			const capped = delay > MAX_TIMER_MS;
			h.t = setTimeout(() => {
				if (capped) {
					arm();
					return;
				}
				this.handles.delete(h);
				fn();
			}, capped ? MAX_TIMER_MS : delay);
			h.t.unref();
		};
		this.handles.add(h);
		arm();
		return () => {
			if (h.t) clearTimeout(h.t);
			this.handles.delete(h);
		};
	}

	/** Resolves at real ms epoch `when`; never resolves if the set is cleared first. */
	sleepUntil(when: number): Promise<void> {
		return new Promise((resolve) => {
			this.at(when, resolve);
		});
	}

	/** Pending timers. */
	get size(): number {
		return this.handles.size;
	}

	clear(): void {
		for (const h of this.handles) if (h.t) clearTimeout(h.t);
		this.handles.clear();
	}
}
