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
	) {
		if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
			throw new Error(`timeScale must be a positive finite number, got ${timeScale}`);
		}
		this.realEpoch = realEpoch;
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
		const list = this.hits.get(key);
		if (list) list.push(this.clock.now());
		else this.hits.set(key, [this.clock.now()]);
	}

	remaining(key: string): number {
		return Math.max(0, this.limit - this.count(key));
	}

	clear(): void {
		this.hits.clear();
	}
}

// ---------------------------------------------------------------------------------------------
// Failure injection
// ---------------------------------------------------------------------------------------------

export interface FailureOptions {
	/** Fraction (0..1) of requests answered with a random 500/502/503. */
	errorRate?: number;
	/** Real ms added before every response. */
	latencyMs?: number;
}

export class FailureInjector {
	private queue: Array<{ count: number; status: number }> = [];
	errorRate: number;
	latencyMs: number;

	constructor(
		opts: FailureOptions,
		private readonly prng: Prng,
	) {
		this.errorRate = opts.errorRate ?? 0;
		this.latencyMs = opts.latencyMs ?? 0;
		if (!(this.errorRate >= 0 && this.errorRate <= 1)) throw new Error('errorRate must be within 0..1');
		if (!(this.latencyMs >= 0)) throw new Error('latencyMs must be >= 0');
	}

	/** The next `count` requests get `status` without being processed (queued after earlier calls). */
	failNext(count: number, status: number): void {
		if (!Number.isInteger(count) || count < 0) throw new Error('count must be a non-negative integer');
		if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error('status must be an HTTP status code');
		if (count > 0) this.queue.push({ count, status });
	}

	/** Pending injected failures. */
	pending(): number {
		return this.queue.reduce((sum, q) => sum + q.count, 0);
	}

	/** Status to inject for this request, if any (consumes one queued failure or rolls `errorRate`). */
	take(): number | undefined {
		const head = this.queue[0];
		if (head) {
			head.count--;
			if (head.count <= 0) this.queue.shift();
			return head.status;
		}
		if (this.errorRate > 0 && this.prng.next() < this.errorRate) return this.prng.pick([500, 502, 503]);
		return undefined;
	}

	async delay(): Promise<void> {
		if (this.latencyMs > 0) await sleep(this.latencyMs);
	}

	reset(): void {
		this.queue = [];
	}
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
