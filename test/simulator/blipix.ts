/**
 * The simulated Blipix API (`/blipix/api/v1/...`) and its admin endpoints (`/__admin/blipix/...`).
 * Behaviour follows the public docs; every choice where they are silent is listed in README.md.
 *
 * Video state is computed lazily from timestamps on every read: no timers.
 */
import type * as http from 'node:http';
import {
	HttpError,
	type FailNextOptions,
	type FailureInjector,
	type FaultOptions,
	type FaultStats,
	type InjectedFault,
	type Mount,
	type Prng,
	type RequestContext,
	type RequestInfo,
	type SimClock,
	SlidingWindow,
	canonicalJson,
	clientIp,
	destroySocket,
	drain,
	readJsonBody,
	readRawBody,
	sendError,
	sendJson,
	statusMessage,
} from './server';
import { type Cdn, type VirtualFile, bufferFile, loadAsset, taggedJpeg, taggedMp4 } from './cdn';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface BlipixOptions {
	/** Per-key sliding window; default 60 per 60_000 simulated ms. */
	rateLimit?: { limit: number; windowMs: number };
	/** Per client IP failed authentications; default 20 per 15 simulated minutes. */
	failedAuthLimit?: { limit: number; windowMs: number };
	/** Total simulated seconds from create to completed; default 120..300. */
	renderSeconds?: { min: number; max: number };
	/** Fraction (0..1) of API requests answered with a random 500/502/503; default 0. */
	errorRate?: number;
	/** Real ms added to every API response; default 0. */
	latencyMs?: number;
	/** Credits of the default account; default 500. */
	initialCredits?: number;
	/** Size of every served video file; default: the sample MP4 plus a small per-video tag. */
	videoBytes?: number;

	// ----- the other plausible choices where the docs are silent (all off by default; README.md) -----

	/** Random 5xx/resets before or after processing, and 429 bursts; default none. */
	faults?: FaultOptions;
	/**
	 * Error body shape: 'error' (default) `{ error: message }`; 'message' `{ message }`; 'detailed'
	 * `{ error: <status phrase>, message, details?: [{ field, message }] }` (details on 400 validation errors).
	 */
	errorBody?: BlipixErrorBody;
	/** status becomes 'ready' when generation ends (0.6 T), before renderStatus is 'completed'; default false. */
	readyBeforeRender?: boolean;
	/**
	 * `videoUrl` is shown from the start of rendering (renderStatus 'queued', 0.6 T), where the file will be,
	 * not only once renderStatus is 'completed'; the CDN answers 404 there until completion. Default false.
	 */
	videoUrlBeforeRender?: boolean;
	/** The per-IP failed-auth block's 429 also sends Retry-After (simulated seconds); default false. */
	ipBlock?: { retryAfter?: boolean };
}

export type BlipixErrorBody = 'error' | 'message' | 'detailed';

export interface BlipixStats {
	/** Every API request that carried this key (including rate-limited and injected-failure ones). */
	requests: number;
	/** Requests answered 429 by the per-key rate limiter. */
	rateLimited: number;
	/** Requests per route, e.g. { 'GET /videos/:id': 12, 'POST /videos/create': 1 }. */
	byRoute: Record<string, number>;
	/** Successful creates (201). */
	creates: number;
	/** Credits charged by those creates. */
	creditsSpent: number;
	/**
	 * Requests that carried this key whose answer was an injected one (failNext, errorRate, faults,
	 * rateLimitBursts; before or after processing) = faultsBeforeCommit + faultsAfterCommit.
	 */
	injectedFailures: number;
	/** Of those, answered without processing anything (burst 429s and before-commit resets included). */
	faultsBeforeCommit: number;
	/** Of those, answered after the request was fully processed (a create made its video and charged). */
	faultsAfterCommit: number;
	/** Of those, the socket was destroyed instead of answering. */
	resets: number;
	/** Of those, 429s of faults.rateLimitBursts. */
	burst429s: number;
}

export interface BlipixRequestLogEntry {
	/** Real ms epoch when the response was sent. */
	at: number;
	/** The key, when the request carried a known one. */
	apiKey?: string;
	method: string;
	/** Path below the base URL, with query string, e.g. '/videos?limit=5'. */
	path: string;
	/** Route pattern, e.g. 'GET /videos/:id' ('UNKNOWN' for unmatched paths). */
	route: string;
	/** Status sent; for a reset after processing, the status it would have had; 0 for a reset before processing. */
	status: number;
	/** Present when an injected fault replaced the answer (failNext, errorRate, faults, rateLimitBursts). */
	fault?: 'before-commit' | 'after-commit';
	/** After-commit faults: the status the processing produced (e.g. 201 for a create that made its video). */
	committedStatus?: number;
	/** True when the socket was destroyed instead of answering. */
	dropped?: boolean;
}

export type VideoStatus = 'processing' | 'ready' | 'failed';
export type RenderStatus = 'queued' | 'rendering' | 'completed' | 'failed' | null;
export type VideoOutcome = 'ready' | 'failed' | 'failed-render' | 'never';

/** Internal state of one video, as of the moment `video(id)` was called. */
export interface SimVideo {
	id: string;
	accountId: string;
	apiKey: string;
	prompt: string;
	voice: string;
	style: string;
	/** The requested duration range, e.g. '30-60'. */
	durationRange: string;
	aspectRatio: string;
	language: string;
	creditsCost: number;
	outcome: VideoOutcome;
	title: string;
	description: string;
	script: string;
	hashtags: string[];
	/** Final length in seconds (within the range). */
	durationSeconds: number;
	/** Real ms epoch of the create request. */
	createdAt: number;
	/** Simulated ms epoch of the create request (what `createdAt` in the API shows). */
	createdAtSim: number;
	/** Simulated ms from create to completion (or to failure). */
	totalSimMs: number;
	/**
	 * Real ms epoch at which the video is / was fully ready: renderStatus 'completed' and videoUrl (may be
	 * in the future). Only for outcome 'ready'. (With readyBeforeRender, status shows 'ready' earlier, at 0.6 T.)
	 */
	readyAt?: number;
	/** Real ms epoch at which the video fails / failed (status or, with readyBeforeRender, renderStatus 'failed'). Only for failing outcomes. */
	failedAt?: number;
	/** State right now. */
	status: VideoStatus;
	renderStatus: RenderStatus;
	renderProgress: number | null;
	/** The API's JSON for GET /videos/:id right now. */
	json: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Catalogue data
// ---------------------------------------------------------------------------------------------

export const BLIPIX_DURATIONS: Record<string, { min: number; max: number; credits: number }> = {
	'30-60': { min: 30, max: 60, credits: 10 },
	'60-90': { min: 60, max: 90, credits: 10 },
	'90-120': { min: 90, max: 120, credits: 20 },
	'120-150': { min: 120, max: 150, credits: 20 },
	'150-180': { min: 150, max: 180, credits: 30 },
	'180-210': { min: 180, max: 210, credits: 30 },
	'210-300': { min: 210, max: 300, credits: 60 },
	'300-420': { min: 300, max: 420, credits: 80 },
	'420-600': { min: 420, max: 600, credits: 120 },
	'600-720': { min: 600, max: 720, credits: 160 },
	'720-900': { min: 720, max: 900, credits: 200 },
};

export const BLIPIX_LANGUAGES = [
	'ar', 'bg', 'zh', 'hr', 'cs', 'da', 'nl', 'en', 'fi', 'fil', 'fr', 'de', 'el', 'hi', 'hu', 'id', 'it',
	'ja', 'ko', 'ms', 'no', 'pl', 'pt', 'ro', 'ru', 'sk', 'es', 'sv', 'ta', 'tr', 'uk', 'vi',
] as const;

export const BLIPIX_ASPECT_RATIOS = ['9:16', '16:9', '1:1'] as const;

export const BLIPIX_STYLES = [
	'Cinematic', 'Anime', 'Photorealistic', 'Watercolor', 'Comic Book', 'Pixel Art', '3D Render',
	'Claymation', 'Oil Painting', 'Cyberpunk', 'Fantasy Art', 'Vintage Film', 'Minimalist', 'Sketch',
	'Low Poly', 'Studio Ghibli', 'Noir', 'Pop Art', 'Steampunk', 'Origami', 'Neon Glow', 'Storybook',
	'Documentary', 'Ukiyo-e', 'Isometric',
] as const;

export const BLIPIX_VOICES: ReadonlyArray<{ voiceId: string; name: string; language: string; gender: 'female' | 'male' }> = [
	{ voiceId: 'alloy', name: 'Alloy', language: 'en', gender: 'female' },
	{ voiceId: 'nova', name: 'Nova', language: 'en', gender: 'female' },
	{ voiceId: 'shimmer', name: 'Shimmer', language: 'en', gender: 'female' },
	{ voiceId: 'coral', name: 'Coral', language: 'en', gender: 'female' },
	{ voiceId: 'sage', name: 'Sage', language: 'en', gender: 'female' },
	{ voiceId: 'echo', name: 'Echo', language: 'en', gender: 'male' },
	{ voiceId: 'onyx', name: 'Onyx', language: 'en', gender: 'male' },
	{ voiceId: 'fable', name: 'Fable', language: 'en', gender: 'male' },
	{ voiceId: 'ash', name: 'Ash', language: 'en', gender: 'male' },
	{ voiceId: 'ballad', name: 'Ballad', language: 'en', gender: 'male' },
	{ voiceId: 'lucia', name: 'Lucía', language: 'es', gender: 'female' },
	{ voiceId: 'mateo', name: 'Mateo', language: 'es', gender: 'male' },
	{ voiceId: 'camille', name: 'Camille', language: 'fr', gender: 'female' },
	{ voiceId: 'louis', name: 'Louis', language: 'fr', gender: 'male' },
	{ voiceId: 'hanna', name: 'Hanna', language: 'de', gender: 'female' },
	{ voiceId: 'jonas', name: 'Jonas', language: 'de', gender: 'male' },
	{ voiceId: 'giulia', name: 'Giulia', language: 'it', gender: 'female' },
	{ voiceId: 'marco', name: 'Marco', language: 'it', gender: 'male' },
	{ voiceId: 'beatriz', name: 'Beatriz', language: 'pt', gender: 'female' },
	{ voiceId: 'thiago', name: 'Thiago', language: 'pt', gender: 'male' },
	{ voiceId: 'sakura', name: 'Sakura', language: 'ja', gender: 'female' },
	{ voiceId: 'haruto', name: 'Haruto', language: 'ja', gender: 'male' },
	{ voiceId: 'jiwoo', name: 'Ji-woo', language: 'ko', gender: 'female' },
	{ voiceId: 'minjun', name: 'Min-jun', language: 'ko', gender: 'male' },
	{ voiceId: 'mei', name: 'Mei', language: 'zh', gender: 'female' },
	{ voiceId: 'wei', name: 'Wei', language: 'zh', gender: 'male' },
	{ voiceId: 'priya', name: 'Priya', language: 'hi', gender: 'female' },
	{ voiceId: 'arjun', name: 'Arjun', language: 'hi', gender: 'male' },
	{ voiceId: 'layla', name: 'Layla', language: 'ar', gender: 'female' },
	{ voiceId: 'dmitri', name: 'Dmitri', language: 'ru', gender: 'male' },
];

const FIRST_NAMES = ['John', 'Maria', 'Aisha', 'Kenji', 'Lena', 'Carlos', 'Priya', 'Tom', 'Sofia', 'Omar'];
const LAST_NAMES = ['Doe', 'Garcia', 'Khan', 'Tanaka', 'Schmidt', 'Silva', 'Patel', 'Smith', 'Rossi', 'Haddad'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'IN', 'JP', 'BR', 'CA', 'AU'];

export const BLIPIX_CREATE_MESSAGE = 'Video generation started. Poll GET /api/v1/videos/:id to check status.';

// Lifecycle, as fractions of the total time T from create to completion.
const PHASE_SCRIPT = 0.15; // title/description/script/hashtags written
const PHASE_VOICE = 0.3; // narration generated: audioUrl and duration known
const PHASE_IMAGES = 0.5; // images generated: thumbnailUrl known
const PHASE_QUEUED = 0.6; // renderStatus 'queued'
const PHASE_RENDERING = 0.7; // renderStatus 'rendering', renderProgress rises
const PHASE_RENDER_FAIL_CAP = 50; // [fail:render]: progress stalls here until it fails at T

const PROMPT_MAX_LENGTH = 5000;

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

interface Account {
	id: string;
	/** Order of creation: names the account in request identities (`faults.perRequest`). */
	number: number;
	apiKey: string;
	firstName: string;
	lastName: string;
	email: string;
	plan: string;
	country: string;
	creditsTotal: number;
	creditsUsed: number;
}

interface VideoRecord {
	seq: number;
	id: string;
	accountId: string;
	apiKey: string;
	prompt: string;
	cleanPrompt: string;
	voice: string;
	style: string;
	durationRange: string;
	aspectRatio: string;
	language: string;
	creditsCost: number;
	outcome: VideoOutcome;
	title: string;
	description: string;
	script: string;
	hashtags: string[];
	durationSeconds: number;
	createdAtReal: number;
	createdAtSim: number;
	totalSimMs: number;
	/** The identity of the create that made it (and which of its kind): a GET of the video is identified by it. */
	identity: string;
}

/** Another client on a key (`occupy`): `perWindow` requests of every window, evenly spaced. */
interface Neighbour {
	intervalMs: number;
	/** Simulated time of its next request not yet counted. */
	nextAt: number;
}

interface VideoState {
	status: VideoStatus;
	renderStatus: RenderStatus;
	renderProgress: number | null;
	scriptReady: boolean;
	voiceReady: boolean;
	imagesReady: boolean;
}

/** What an error body may say besides its message ('detailed' mode). */
interface ErrorDetail {
	/** The request field a 400 validation error is about (→ `details`). */
	field?: string;
	/** Overrides the status phrase (e.g. 'Bad request' for malformed JSON instead of 'Validation failed'). */
	phrase?: string;
}

function emptyStats(): BlipixStats {
	return {
		requests: 0,
		rateLimited: 0,
		byRoute: {},
		creates: 0,
		creditsSpent: 0,
		injectedFailures: 0,
		faultsBeforeCommit: 0,
		faultsAfterCommit: 0,
		resets: 0,
		burst429s: 0,
	};
}

/** The `error` phrase of the 'detailed' error body (other statuses: their status text). */
const DETAILED_PHRASES: Record<number, string> = {
	400: 'Validation failed',
	401: 'Unauthorized',
	402: 'Insufficient credits',
	404: 'Not found',
	429: 'Too many requests',
};

export const BLIPIX_IP_BLOCK_MESSAGE = 'Too many failed authentication attempts from this IP. Try again later.';

/** Key of the failed-auth window that blocks every client IP (set by blockIp() without an ip). */
const ALL_IPS = '*';

// ---------------------------------------------------------------------------------------------
// Test directives and text generation
// ---------------------------------------------------------------------------------------------

interface Directives {
	fail?: 'generation' | 'render';
	never: boolean;
	renderSeconds?: number;
}

const DIRECTIVE_RE = /\[(fail(?::render)?|never|render:(\d+(?:\.\d+)?))\]/gi;

export function parseDirectives(prompt: string): Directives {
	const d: Directives = { never: false };
	for (const m of prompt.matchAll(DIRECTIVE_RE)) {
		const word = m[1].toLowerCase();
		if (word === 'never') d.never = true;
		else if (word === 'fail') d.fail = 'generation';
		else if (word === 'fail:render') d.fail = 'render';
		else if (m[2] !== undefined) d.renderSeconds = Number(m[2]);
	}
	return d;
}

function stripDirectives(prompt: string): string {
	return prompt.replace(DIRECTIVE_RE, ' ').replace(/\s+/g, ' ').trim();
}

function titleCase(s: string): string {
	return s.replace(/\b([a-z])/g, (c) => c.toUpperCase());
}

function truncate(s: string, max: number): string {
	return s.length <= max ? s : s.slice(0, max - 1).trimEnd() + '…';
}

function makeTexts(cleanPrompt: string, prng: Prng): { title: string; description: string; script: string; hashtags: string[] } {
	const topic = cleanPrompt || 'Something Interesting';
	const title = truncate(titleCase(topic.replace(/[.!?]+$/, '')), 100);
	const openers = ['Did you know', 'Here is something most people never notice:', 'Stop scrolling:', 'Imagine this:'];
	const script = [
		`${prng.pick(openers)} ${topic.charAt(0).toLowerCase()}${topic.slice(1)} is more fascinating than it looks.`,
		`In the next few moments we will walk through the key ideas behind ${topic.toLowerCase()}.`,
		'First, the background that sets everything up.',
		'Then, the surprising detail that changes how you see it.',
		'Finally, what it means for you, and why it matters today.',
		'Follow for more stories like this one.',
	].join(' ');
	const description = truncate(`A quick, engaging look at ${topic.toLowerCase()}: the essentials in one short video.`, 300);
	const words = topic
		.split(/[^\p{L}\p{N}]+/u)
		.filter((w) => w.length > 1 && !/^\d+$/.test(w))
		.slice(0, 3)
		.map((w) => '#' + w.charAt(0).toUpperCase() + w.slice(1));
	const hashtags = [...new Set([...words, '#Shorts', prng.pick(['#Facts', '#Explained', '#Viral', '#LearnOnTikTok'])])];
	return { title, description, script, hashtags };
}

// ---------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------

export interface BlipixSimDeps {
	clock: SimClock;
	/** PRNG for ids, keys, render times and texts. */
	prng: Prng;
	/** Failure injection for API requests (its own PRNG stream). */
	failures: FailureInjector;
	cdn: Cdn;
	/** Base URL of the CDN server, e.g. http://127.0.0.1:41235 */
	cdnUrl: string;
	options?: BlipixOptions;
}

export const BLIPIX_API_PREFIX = '/blipix/api/v1';
export const BLIPIX_ADMIN_PREFIX = '/__admin/blipix';

export class BlipixSim {
	readonly requestLog: BlipixRequestLogEntry[] = [];
	readonly defaultApiKey: string;

	private readonly clock: SimClock;
	private readonly prng: Prng;
	private readonly failures: FailureInjector;
	private readonly cdnUrl: string;
	private readonly cdn: Cdn;
	private readonly accounts = new Map<string, Account>(); // by api key
	private readonly videos = new Map<string, VideoRecord>(); // by id
	private readonly statsByKey = new Map<string, BlipixStats>();
	private readonly rateLimiter: SlidingWindow;
	private readonly failedAuth: SlidingWindow;
	private readonly renderSeconds: { min: number; max: number };
	private readonly videoBytes: number | undefined;
	private readonly errorBody: BlipixErrorBody;
	private readonly readyBeforeRender: boolean;
	private readonly videoUrlBeforeRender: boolean;
	private readonly ipBlockRetryAfter: boolean;
	private readonly neighbours = new Map<string, Neighbour>(); // by api key
	/** Videos made so far per create identity: the n-th video of identical creates is told apart by its number. */
	private readonly madeBy = new Map<string, number>();
	private seq = 0;

	constructor(deps: BlipixSimDeps) {
		const o = deps.options ?? {};
		this.clock = deps.clock;
		this.prng = deps.prng;
		this.failures = deps.failures;
		this.cdnUrl = deps.cdnUrl;
		this.cdn = deps.cdn;
		const rl = o.rateLimit ?? { limit: 60, windowMs: 60_000 };
		const fa = o.failedAuthLimit ?? { limit: 20, windowMs: 15 * 60_000 };
		this.rateLimiter = new SlidingWindow(rl.limit, rl.windowMs, deps.clock);
		this.failedAuth = new SlidingWindow(fa.limit, fa.windowMs, deps.clock);
		this.renderSeconds = o.renderSeconds ?? { min: 120, max: 300 };
		if (!(this.renderSeconds.min >= 0 && this.renderSeconds.max >= this.renderSeconds.min)) {
			throw new Error('renderSeconds must satisfy 0 <= min <= max');
		}
		this.videoBytes = o.videoBytes;
		this.errorBody = o.errorBody ?? 'error';
		if (!['error', 'message', 'detailed'].includes(this.errorBody)) throw new Error(`blipix.errorBody must be 'error', 'message' or 'detailed'`);
		this.readyBeforeRender = o.readyBeforeRender ?? false;
		this.videoUrlBeforeRender = o.videoUrlBeforeRender ?? false;
		this.ipBlockRetryAfter = o.ipBlock?.retryAfter ?? false;
		this.defaultApiKey = this.createAccount({ credits: o.initialCredits ?? 500, plan: 'STARTER', firstName: 'John', lastName: 'Doe' });
		this.registerCdn(deps.cdn);
	}

	// ----- controls ---------------------------------------------------------------------------

	createAccount(opts: { credits?: number; plan?: string; firstName?: string; lastName?: string } = {}): string {
		const credits = opts.credits ?? 500;
		if (!Number.isFinite(credits) || credits < 0) throw new Error('credits must be a non-negative number');
		const apiKey = 'blx_' + this.prng.token(40);
		const firstName = opts.firstName ?? this.prng.pick(FIRST_NAMES);
		const lastName = opts.lastName ?? this.prng.pick(LAST_NAMES);
		const account: Account = {
			id: 'c' + this.prng.id(24),
			number: this.accounts.size,
			apiKey,
			firstName,
			lastName,
			email: `${firstName}.${lastName}.${this.prng.id(4)}@example.com`.toLowerCase(),
			plan: opts.plan ?? 'STARTER',
			country: this.accounts.size === 0 ? 'US' : this.prng.pick(COUNTRIES),
			creditsTotal: credits,
			creditsUsed: 0,
		};
		this.accounts.set(apiKey, account);
		return apiKey;
	}

	stats(apiKey: string): BlipixStats {
		const s = this.statsByKey.get(apiKey) ?? emptyStats();
		return { ...s, byRoute: { ...s.byRoute } };
	}

	/**
	 * The next `count` API requests get `status` (error body) or, with 'drop', a destroyed socket: without
	 * being processed, or with `afterCommit: true` after being processed fully. Calls queue up.
	 */
	failNext(count: number, status: number | 'drop', opts: FailNextOptions = {}): void {
		this.failures.failNext(count, status, opts);
	}

	/** The next `count` API requests (`matching`, when given) are redirected to `toOrigin`, unprocessed (README, Faults). */
	redirectNext(count: number, toOrigin: string, opts: { status?: number; matching?: string } = {}): void {
		this.failures.redirectNext(count, toOrigin, opts);
	}

	/** The next `count` API requests are held `simMs` simulated ms before anything happens to them (then processed as usual). */
	delayNext(count: number, simMs: number): void {
		this.failures.delayNext(count, simMs / this.clock.timeScale);
	}

	/**
	 * Another client on the key, from now on: `perWindow` requests in every rate-limit window, evenly spaced,
	 * as if it had been at it for a whole window already. They count against the key's window and its
	 * X-RateLimit-Remaining like any request; they are not logged and not in stats(). 0 stops it.
	 */
	occupy(apiKey: string, perWindow: number): void {
		if (!this.accounts.has(apiKey)) throw new Error('Unknown API key');
		if (!Number.isInteger(perWindow) || perWindow < 0 || perWindow > this.rateLimiter.limit) {
			throw new Error(`perWindow must be an integer from 0 to the limit (${this.rateLimiter.limit})`);
		}
		this.countNeighbour(apiKey);
		if (perWindow === 0) {
			this.neighbours.delete(apiKey);
			return;
		}
		const now = this.clock.now();
		const intervalMs = this.rateLimiter.windowMs / perWindow;
		for (let i = perWindow - 1; i >= 0; i--) this.rateLimiter.recordAt(apiKey, now - i * intervalMs);
		this.neighbours.set(apiKey, { intervalMs, nextAt: now + intervalMs });
	}

	/** The neighbour's requests up to now, into the key's window. */
	private countNeighbour(apiKey: string): void {
		const neighbour = this.neighbours.get(apiKey);
		if (!neighbour) return;
		const now = this.clock.now();
		for (; neighbour.nextAt <= now; neighbour.nextAt += neighbour.intervalMs) this.rateLimiter.recordAt(apiKey, neighbour.nextAt);
	}

	/** Injected answers of all keys (and of requests without a known key) since the last reset(). */
	faultStats(): FaultStats {
		return this.failures.faultStats();
	}

	/**
	 * Block a client IP as if it had just made `failedAuthLimit.limit` failed authentications (every
	 * request from it gets the block's 429 for `failedAuthLimit.windowMs` simulated ms, or until reset()).
	 * Without an ip, every client IP is blocked.
	 */
	blockIp(ip: string = ALL_IPS): void {
		for (let i = 0; i < this.failedAuth.limit; i++) this.failedAuth.record(ip);
	}

	/**
	 * Clear the request log, the CDN request log, stats, pending injected failures and rate-limit windows
	 * (per key and per IP). Accounts, credits and videos stay.
	 */
	reset(): void {
		this.requestLog.length = 0;
		this.cdn.reset();
		this.statsByKey.clear();
		this.failures.reset();
		this.rateLimiter.clear();
		this.failedAuth.clear();
		this.neighbours.clear();
	}

	/** The length in seconds of the video whose file is at `url` (its videoUrl), if it is one of ours. */
	videoSecondsAt(url: string): number | undefined {
		const m = /\/videos\/([^/?#]+)\.mp4(?:[?#]|$)/.exec(url);
		if (!m || !url.startsWith(`${this.cdnUrl}/videos/`)) return undefined;
		return this.videos.get(m[1])?.durationSeconds;
	}

	video(id: string): SimVideo | undefined {
		const v = this.videos.get(id);
		if (!v) return undefined;
		const st = this.stateOf(v);
		const endReal = this.clock.toReal(v.createdAtSim + v.totalSimMs);
		const out: SimVideo = {
			id: v.id,
			accountId: v.accountId,
			apiKey: v.apiKey,
			prompt: v.prompt,
			voice: v.voice,
			style: v.style,
			durationRange: v.durationRange,
			aspectRatio: v.aspectRatio,
			language: v.language,
			creditsCost: v.creditsCost,
			outcome: v.outcome,
			title: v.title,
			description: v.description,
			script: v.script,
			hashtags: [...v.hashtags],
			durationSeconds: v.durationSeconds,
			createdAt: v.createdAtReal,
			createdAtSim: v.createdAtSim,
			totalSimMs: v.totalSimMs,
			status: st.status,
			renderStatus: st.renderStatus,
			renderProgress: st.renderProgress,
			json: this.videoJson(v, st, true),
		};
		if (v.outcome === 'ready') out.readyAt = endReal;
		if (v.outcome === 'failed' || v.outcome === 'failed-render') out.failedAt = endReal;
		return out;
	}

	videoFile(id: string): Buffer {
		const f = this.videoVirtualFile(id);
		if (!f) throw new Error(`No such video: ${id}`);
		return Buffer.from(f.read(0, f.size));
	}

	thumbnailFile(id: string): Buffer {
		if (!this.videos.has(id)) throw new Error(`No such video: ${id}`);
		return taggedJpeg(loadAsset('sample.jpg'), `thumbnail ${id}`);
	}

	audioFile(id: string): Buffer {
		if (!this.videos.has(id)) throw new Error(`No such video: ${id}`);
		return this.audioBuffer(id);
	}

	// ----- CDN ----------------------------------------------------------------------------------

	private videoVirtualFile(id: string): VirtualFile | undefined {
		if (!this.videos.has(id)) return undefined;
		return taggedMp4(loadAsset('sample.mp4'), `video ${id}`, this.videoBytes);
	}

	private audioBuffer(id: string): Buffer {
		const f = taggedMp4(loadAsset('sample.m4a'), `audio ${id}`);
		return Buffer.from(f.read(0, f.size));
	}

	private registerCdn(cdn: Cdn): void {
		const idFrom = (pathname: string, dir: string, ext: string): string | undefined => {
			const m = new RegExp(`^/${dir}/([A-Za-z0-9_-]+)\\.${ext}$`).exec(pathname);
			return m?.[1];
		};
		// Files appear on the CDN only once the API shows their URL (before that: 404, like an object not yet uploaded).
		cdn.register('/videos/', (p) => {
			const id = idFrom(p, 'videos', 'mp4');
			const v = id ? this.videos.get(id) : undefined;
			if (!v || this.stateOf(v).renderStatus !== 'completed') return undefined;
			return this.videoVirtualFile(v.id);
		});
		cdn.register('/thumbnails/', (p) => {
			const id = idFrom(p, 'thumbnails', 'jpg');
			const v = id ? this.videos.get(id) : undefined;
			if (!v || !this.stateOf(v).imagesReady) return undefined;
			return bufferFile(this.thumbnailFile(v.id), 'image/jpeg');
		});
		cdn.register('/audio/', (p) => {
			const id = idFrom(p, 'audio', 'm4a');
			const v = id ? this.videos.get(id) : undefined;
			if (!v || !this.stateOf(v).voiceReady) return undefined;
			return bufferFile(this.audioBuffer(v.id), 'audio/mp4');
		});
		cdn.register('/styles/', (p) => {
			const slug = idFrom(p, 'styles', 'jpg');
			if (!slug || !BLIPIX_STYLES.some((s) => styleSlug(s) === slug)) return undefined;
			return bufferFile(taggedJpeg(loadAsset('sample.jpg'), `style ${slug}`), 'image/jpeg');
		});
		cdn.register('/voices/', (p) => {
			const voiceId = idFrom(p, 'voices', 'm4a');
			if (!voiceId || !BLIPIX_VOICES.some((v) => v.voiceId === voiceId)) return undefined;
			const f = taggedMp4(loadAsset('sample.m4a'), `voice ${voiceId}`);
			return bufferFile(Buffer.from(f.read(0, f.size)), 'audio/mp4');
		});
	}

	// ----- lifecycle ----------------------------------------------------------------------------

	private stateOf(v: VideoRecord, simNow: number = this.clock.now()): VideoState {
		const t = simNow - v.createdAtSim;
		const T = v.totalSimMs;
		const frac = (f: number) => t >= f * T;
		if (v.outcome === 'never') {
			return { status: 'processing', renderStatus: null, renderProgress: null, scriptReady: frac(PHASE_SCRIPT), voiceReady: false, imagesReady: false };
		}
		if (v.outcome === 'failed') {
			// Fails during generation at exactly T; never reaches the render phases.
			const failed = t >= T;
			return { status: failed ? 'failed' : 'processing', renderStatus: null, renderProgress: null, scriptReady: frac(PHASE_SCRIPT), voiceReady: frac(PHASE_VOICE), imagesReady: frac(PHASE_IMAGES) };
		}
		const base = { scriptReady: frac(PHASE_SCRIPT), voiceReady: frac(PHASE_VOICE), imagesReady: frac(PHASE_IMAGES) };
		// readyBeforeRender: `status` tracks generation only, so it is 'ready' from the end of generation
		// on, whatever the render does afterwards (a failed render leaves it 'ready').
		const generated: VideoStatus = this.readyBeforeRender ? 'ready' : 'processing';
		if (t >= T) {
			if (v.outcome === 'failed-render') {
				return { ...base, status: this.readyBeforeRender ? 'ready' : 'failed', renderStatus: 'failed', renderProgress: PHASE_RENDER_FAIL_CAP };
			}
			return { ...base, status: 'ready', renderStatus: 'completed', renderProgress: 100 };
		}
		if (frac(PHASE_RENDERING)) {
			const span = (1 - PHASE_RENDERING) * T;
			let p = span > 0 ? Math.floor((100 * (t - PHASE_RENDERING * T)) / span) : 99;
			p = Math.max(0, Math.min(99, p));
			if (v.outcome === 'failed-render') p = Math.min(p, PHASE_RENDER_FAIL_CAP);
			return { ...base, status: generated, renderStatus: 'rendering', renderProgress: p };
		}
		if (frac(PHASE_QUEUED)) return { ...base, status: generated, renderStatus: 'queued', renderProgress: 0 };
		return { ...base, status: 'processing', renderStatus: null, renderProgress: null };
	}

	private videoJson(v: VideoRecord, st: VideoState, detail: boolean): Record<string, unknown> {
		const json: Record<string, unknown> = {
			id: v.id,
			title: st.scriptReady ? v.title : truncate(v.cleanPrompt || 'Untitled video', 100),
			description: st.scriptReady ? v.description : null,
		};
		if (detail) json.script = st.scriptReady ? v.script : null;
		Object.assign(json, {
			status: st.status,
			type: 'standard',
			duration: st.voiceReady ? v.durationSeconds : null,
			aspectRatio: v.aspectRatio,
			renderStatus: st.renderStatus,
		});
		if (detail) json.renderProgress = st.renderProgress;
		const urlShown = st.renderStatus === 'completed' || (this.videoUrlBeforeRender && (st.renderStatus === 'queued' || st.renderStatus === 'rendering'));
		json.videoUrl = urlShown ? `${this.cdnUrl}/videos/${v.id}.mp4` : null;
		json.thumbnailUrl = st.imagesReady ? `${this.cdnUrl}/thumbnails/${v.id}.jpg` : null;
		if (detail) json.audioUrl = st.voiceReady ? `${this.cdnUrl}/audio/${v.id}.m4a` : null;
		json.hashtags = st.scriptReady ? [...v.hashtags] : [];
		json.createdAt = this.clock.stamp(v.createdAtSim);
		return json;
	}

	// ----- HTTP: API ----------------------------------------------------------------------------

	apiMount(): Mount {
		return { prefix: BLIPIX_API_PREFIX, handle: (ctx) => this.handleApi(ctx) };
	}

	adminMount(): Mount {
		return { prefix: BLIPIX_ADMIN_PREFIX, handle: (ctx) => this.handleAdmin(ctx) };
	}

	private routeOf(method: string, subPath: string): { route: string; id?: string } {
		const p = subPath.length > 1 ? subPath.replace(/\/$/, '') : subPath;
		if (method === 'GET' && p === '/me') return { route: 'GET /me' };
		if (method === 'GET' && p === '/styles') return { route: 'GET /styles' };
		if (method === 'GET' && p === '/voices') return { route: 'GET /voices' };
		if (method === 'GET' && p === '/videos') return { route: 'GET /videos' };
		if (method === 'POST' && p === '/videos/create') return { route: 'POST /videos/create' };
		const m = /^\/videos\/([^/]+)$/.exec(p);
		if (method === 'GET' && m) {
			let id = m[1];
			try {
				id = decodeURIComponent(id);
			} catch {
				// keep it raw: it will not match any video
			}
			return { route: 'GET /videos/:id', id };
		}
		return { route: 'UNKNOWN' };
	}

	private async handleApi(ctx: RequestContext): Promise<void> {
		const { req, res, url, subPath } = ctx;
		const method = req.method ?? 'GET';
		const { route, id } = this.routeOf(method, subPath);
		const logPath = subPath + url.search;
		const presented = bearerKey(req);
		const knownKey = presented !== undefined && this.accounts.has(presented) ? presented : undefined;
		const stats = knownKey ? this.statsFor(knownKey) : undefined;
		if (stats) {
			stats.requests++;
			stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
		}
		let lateFault: InjectedFault | undefined; // an after-commit fault: replaces the answer in finish()
		let createdId: string | undefined; // set by a create that made its video

		const log = (status: number, extra: Partial<BlipixRequestLogEntry> = {}) => {
			this.requestLog.push({ at: Date.now(), ...(knownKey ? { apiKey: knownKey } : {}), method, path: logPath, route, status, ...extra });
			if (this.requestLog.length > 100_000) this.requestLog.splice(0, this.requestLog.length - 100_000);
		};
		const finish = (status: number, body: unknown, headers: Record<string, string | number> = {}) => {
			const fault = lateFault;
			if (!fault) {
				log(status);
				sendJson(res, status, body, headers);
				return;
			}
			// Processed fully; the client gets the injected answer instead (no rate-limit headers: it comes
			// from in front of the app).
			this.noteFault(fault, stats, createdId !== undefined ? { id: createdId, apiKey: knownKey! } : undefined);
			if (fault.action === 'drop') {
				log(status, { fault: 'after-commit', committedStatus: status, dropped: true });
				destroySocket(res);
				return;
			}
			log(fault.action, { fault: 'after-commit', committedStatus: status });
			sendJson(res, fault.action, this.errorJson(fault.action, statusMessage(fault.action)));
		};
		const fail = (status: number, message: string, headers: Record<string, string | number> = {}, detail: ErrorDetail = {}) =>
			finish(status, this.errorJson(status, message, detail), headers);

		// Read the body up front (so injected failures and errors never leave it unread on a keep-alive socket).
		let body: unknown;
		let bodyError: HttpError | undefined;
		if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
			try {
				body = await readJsonBody(req);
			} catch (err) {
				if (err instanceof HttpError) bodyError = err;
				else throw err;
			}
		} else {
			drain(req);
		}

		await this.failures.delay();

		// 1. Injected failures. Before commit: answered before anything else, not processed, not counted
		//    against the budget. After commit: remembered, and applied by finish() once processed.
		const request: RequestInfo = { line: `${method} ${logPath}`, identity: this.identityOf(method, route, id, logPath, presented, body) };
		const injected = this.failures.take(request);
		if (injected?.afterCommit) lateFault = injected;
		else if (injected) {
			this.noteFault(injected, stats);
			if (injected.redirectTo !== undefined && injected.action !== 'drop') {
				log(injected.action, { fault: 'before-commit' });
				res.writeHead(injected.action, { Location: injected.redirectTo + (req.url ?? '/'), 'Content-Length': 0 });
				res.end();
				return;
			}
			if (injected.action === 'drop') {
				log(0, { fault: 'before-commit', dropped: true });
				destroySocket(res);
				return;
			}
			log(injected.action, { fault: 'before-commit' });
			if (injected.source === 'burst') {
				// A burst looks like the per-key limiter's 429.
				const limit = this.rateLimiter.limit;
				sendJson(res, 429, this.errorJson(429, this.rateLimitMessage()), { 'X-RateLimit-Limit': limit, 'X-RateLimit-Remaining': 0 });
			} else {
				sendJson(res, injected.action, this.errorJson(injected.action, statusMessage(injected.action)));
			}
			return;
		}

		// 2. Per-IP failed-auth block (applies to every request from that IP while it lasts).
		const ip = clientIp(req);
		const blockedMs = Math.max(this.failedAuth.msUntilAvailable(ip), this.failedAuth.msUntilAvailable(ALL_IPS));
		if (blockedMs > 0) {
			fail(429, BLIPIX_IP_BLOCK_MESSAGE, this.ipBlockRetryAfter ? { 'Retry-After': Math.max(1, Math.ceil(blockedMs / 1000)) } : {});
			return;
		}

		// 3. Authentication.
		if (presented === undefined) {
			this.failedAuth.record(ip);
			fail(401, 'Missing API key. Send it as "Authorization: Bearer blx_...".');
			return;
		}
		if (presented === '') {
			this.failedAuth.record(ip);
			fail(401, 'Malformed Authorization header. Expected "Authorization: Bearer blx_...".');
			return;
		}
		const account = this.accounts.get(presented);
		if (!account) {
			this.failedAuth.record(ip);
			fail(401, 'Invalid API key.');
			return;
		}
		const key = account.apiKey;

		// 4. Per-key rate limit (sliding window; rejected requests do not consume budget).
		const limit = this.rateLimiter.limit;
		this.countNeighbour(key);
		if (this.rateLimiter.exhausted(key)) {
			this.failures.refused(request);
			stats!.rateLimited++;
			fail(429, this.rateLimitMessage(), {
				'X-RateLimit-Limit': limit,
				'X-RateLimit-Remaining': 0,
			});
			return;
		}
		this.rateLimiter.record(key);
		const rlHeaders = { 'X-RateLimit-Limit': limit, 'X-RateLimit-Remaining': this.rateLimiter.remaining(key) };
		const ok = (status: number, json: unknown) => finish(status, json, rlHeaders);
		const bad = (status: number, message: string, detail: ErrorDetail = {}) => fail(status, message, rlHeaders, detail);

		// 5. Routing.
		if (bodyError) {
			bad(bodyError.status, bodyError.message, { phrase: statusMessage(bodyError.status) });
			return;
		}
		switch (route) {
			case 'GET /me':
				ok(200, this.meJson(account));
				return;
			case 'GET /styles':
				ok(200, {
					count: BLIPIX_STYLES.length,
					styles: BLIPIX_STYLES.map((name) => ({ name, thumbnail: `${this.cdnUrl}/styles/${styleSlug(name)}.jpg` })),
				});
				return;
			case 'GET /voices':
				ok(200, {
					count: BLIPIX_VOICES.length,
					voices: BLIPIX_VOICES.map((v) => ({ ...v, preview: `${this.cdnUrl}/voices/${v.voiceId}.m4a` })),
				});
				return;
			case 'GET /videos': {
				const r = this.listVideos(account, url.searchParams);
				if ('error' in r) bad(400, r.error, { field: r.field });
				else ok(200, r.json);
				return;
			}
			case 'GET /videos/:id': {
				const v = id !== undefined ? this.videos.get(id) : undefined;
				if (!v || v.accountId !== account.id) {
					bad(404, 'Video not found.');
					return;
				}
				ok(200, this.videoJson(v, this.stateOf(v), true));
				return;
			}
			case 'POST /videos/create': {
				const r = this.create(account, body, request.identity);
				if ('error' in r) {
					bad(r.status, r.error, { field: r.field });
					return;
				}
				stats!.creates++;
				stats!.creditsSpent += r.creditsCost;
				createdId = r.id;
				ok(201, { id: r.id, status: 'processing', message: BLIPIX_CREATE_MESSAGE, creditsCost: r.creditsCost });
				return;
			}
			default:
				bad(404, `Not found: ${method} ${BLIPIX_API_PREFIX}${subPath}`);
		}
	}

	/** Count an injected answer (globally, and for the key if the request carried a known one). */
	private noteFault(fault: InjectedFault, stats: BlipixStats | undefined, lost?: { id: string; apiKey: string }): void {
		this.failures.record(fault, lost);
		if (!stats) return;
		stats.injectedFailures++;
		if (fault.afterCommit) stats.faultsAfterCommit++;
		else stats.faultsBeforeCommit++;
		if (fault.action === 'drop') stats.resets++;
		if (fault.source === 'burst') stats.burst429s++;
	}

	private rateLimitMessage(): string {
		return `Rate limit exceeded: ${this.rateLimiter.limit} requests per ${formatWindow(this.rateLimiter.windowMs)}.`;
	}

	/** An API error body in the configured `errorBody` shape. */
	private errorJson(status: number, message: string, detail: ErrorDetail = {}): Record<string, unknown> {
		switch (this.errorBody) {
			case 'error':
				return { error: message };
			case 'message':
				return { message };
			case 'detailed': {
				const json: Record<string, unknown> = { error: detail.phrase ?? DETAILED_PHRASES[status] ?? statusMessage(status), message };
				if (status === 400 && detail.field !== undefined) json.details = [{ field: detail.field, message }];
				return json;
			}
		}
	}

	private statsFor(key: string): BlipixStats {
		let s = this.statsByKey.get(key);
		if (!s) {
			s = emptyStats();
			this.statsByKey.set(key, s);
		}
		return s;
	}

	private meJson(a: Account): Record<string, unknown> {
		return {
			id: a.id,
			firstName: a.firstName,
			lastName: a.lastName,
			email: a.email,
			plan: a.plan,
			country: a.country,
			credits: { used: a.creditsUsed, total: a.creditsTotal, remaining: a.creditsTotal - a.creditsUsed },
		};
	}

	private listVideos(account: Account, q: URLSearchParams): { json: unknown } | { error: string; field: string } {
		let limit = 20;
		const rawLimit = q.get('limit');
		if (rawLimit !== null) {
			if (!/^\d+$/.test(rawLimit.trim()) || Number(rawLimit) < 1 || Number(rawLimit) > 100) {
				return { error: 'limit must be an integer between 1 and 100.', field: 'limit' };
			}
			limit = Number(rawLimit);
		}
		const status = q.get('status');
		if (status !== null && status !== 'ready' && status !== 'processing' && status !== 'failed') {
			return { error: 'status must be one of: ready, processing, failed.', field: 'status' };
		}
		const now = this.clock.now();
		const list = [...this.videos.values()]
			.filter((v) => v.accountId === account.id)
			.sort((a, b) => b.createdAtSim - a.createdAtSim || b.seq - a.seq)
			.map((v) => ({ v, st: this.stateOf(v, now) }))
			.filter(({ st }) => status === null || st.status === status)
			.slice(0, limit)
			.map(({ v, st }) => this.videoJson(v, st, false));
		return { json: { count: list.length, videos: list } };
	}

	/**
	 * What a request is, whatever the order of arrival (`faults.perRequest`): the account, the route, and for
	 * a video's GET the create that made the video, for a create its body.
	 */
	private identityOf(method: string, route: string, id: string | undefined, path: string, presented: string | undefined, body: unknown): string {
		const account = presented !== undefined ? this.accounts.get(presented) : undefined;
		const who = account ? `account ${account.number}` : 'no account';
		if (route === 'GET /videos/:id') {
			const video = id !== undefined ? this.videos.get(id) : undefined;
			return `${who} GET ${video ? `video of ${video.identity}` : path}`;
		}
		if (route === 'POST /videos/create') return `${who} ${method} ${path} ${canonicalJson(body)}`;
		return `${who} ${method} ${path}`;
	}

	private create(
		account: Account,
		body: unknown,
		identity: string,
	): { id: string; creditsCost: number } | { status: number; error: string; field?: string } {
		const invalid = (error: string, field?: string) => ({ status: 400, error, field });
		if (body === null || typeof body !== 'object' || Array.isArray(body)) {
			return invalid('Request body must be a JSON object.');
		}
		const b = body as Record<string, unknown>;
		const absent = (x: unknown) => x === undefined || x === null || x === '';

		if (typeof b.prompt !== 'string' || b.prompt.trim() === '') {
			return invalid('prompt is required and must be a non-empty string.', 'prompt');
		}
		if (b.prompt.length > PROMPT_MAX_LENGTH) return invalid(`prompt must be at most ${PROMPT_MAX_LENGTH} characters.`, 'prompt');
		if (absent(b.voice)) return invalid('voice is required. Get available voices from GET /voices.', 'voice');
		if (typeof b.voice !== 'string' || !BLIPIX_VOICES.some((v) => v.voiceId === b.voice)) {
			return invalid(`Invalid voice "${String(b.voice)}". Use a voiceId from GET /voices.`, 'voice');
		}
		const style = absent(b.style) ? 'Cinematic' : b.style;
		if (typeof style !== 'string' || !(BLIPIX_STYLES as readonly string[]).includes(style)) {
			return invalid(`Invalid style "${String(style)}". Use a style name from GET /styles.`, 'style');
		}
		const duration = absent(b.duration) ? '30-60' : b.duration;
		if (typeof duration !== 'string' || !(duration in BLIPIX_DURATIONS)) {
			return invalid(`Invalid duration "${String(duration)}". Must be one of: ${Object.keys(BLIPIX_DURATIONS).join(', ')}.`, 'duration');
		}
		const aspectRatio = absent(b.aspectRatio) ? '9:16' : b.aspectRatio;
		if (typeof aspectRatio !== 'string' || !(BLIPIX_ASPECT_RATIOS as readonly string[]).includes(aspectRatio)) {
			return invalid(`Invalid aspectRatio "${String(aspectRatio)}". Must be one of: ${BLIPIX_ASPECT_RATIOS.join(', ')}.`, 'aspectRatio');
		}
		const language = absent(b.language) ? 'en' : b.language;
		if (typeof language !== 'string' || !(BLIPIX_LANGUAGES as readonly string[]).includes(language)) {
			return invalid(`Invalid language "${String(language)}". Must be one of: ${BLIPIX_LANGUAGES.join(', ')}.`, 'language');
		}

		const range = BLIPIX_DURATIONS[duration];
		const remaining = account.creditsTotal - account.creditsUsed;
		if (remaining < range.credits) {
			return {
				status: 402,
				error: `Insufficient credits: this video (duration ${duration}) costs ${range.credits} credits but you have ${remaining} remaining.`,
			};
		}
		account.creditsUsed += range.credits;

		const prompt = b.prompt;
		const directives = parseDirectives(prompt);
		const cleanPrompt = stripDirectives(prompt);
		const totalSeconds =
			directives.renderSeconds ?? this.prng.range(this.renderSeconds.min, this.renderSeconds.max);
		const outcome: VideoOutcome = directives.never
			? 'never'
			: directives.fail === 'generation'
				? 'failed'
				: directives.fail === 'render'
					? 'failed-render'
					: 'ready';
		const texts = makeTexts(cleanPrompt, this.prng);
		const id = 'c' + this.prng.id(24);
		const record: VideoRecord = {
			seq: ++this.seq,
			id,
			accountId: account.id,
			apiKey: account.apiKey,
			prompt,
			cleanPrompt,
			voice: b.voice,
			style,
			durationRange: duration,
			aspectRatio,
			language,
			creditsCost: range.credits,
			outcome,
			...texts,
			durationSeconds: Math.round(this.prng.range(range.min, range.max) * 10) / 10,
			createdAtReal: Date.now(),
			createdAtSim: this.clock.now(),
			totalSimMs: totalSeconds * 1000,
			identity: `${identity} #${this.madeBy.get(identity) ?? 0}`,
		};
		this.madeBy.set(identity, (this.madeBy.get(identity) ?? 0) + 1);
		this.videos.set(id, record);
		return { id, creditsCost: range.credits };
	}

	// ----- HTTP: admin --------------------------------------------------------------------------

	private async handleAdmin(ctx: RequestContext): Promise<void> {
		const { req, res, url, subPath } = ctx;
		const method = req.method ?? 'GET';
		const body = method === 'POST' ? await readAdminBody(req) : (drain(req), {});
		const p = subPath.replace(/\/$/, '') || '/';
		let m: RegExpExecArray | null;

		if (method === 'GET' && p === '/') {
			sendJson(res, 200, { apiKey: this.defaultApiKey, accounts: this.accounts.size, videos: this.videos.size, pendingFailures: this.failures.pending() });
			return;
		}
		if (method === 'POST' && p === '/accounts') {
			const credits = body.credits === undefined ? undefined : Number(body.credits);
			const plan = body.plan === undefined ? undefined : String(body.plan);
			const apiKey = this.createAccount({ credits, plan });
			sendJson(res, 201, { apiKey, account: this.meJson(this.accounts.get(apiKey)!) });
			return;
		}
		if (method === 'GET' && (m = /^\/accounts\/([^/]+)$/.exec(p))) {
			const a = this.accounts.get(decodeURIComponent(m[1]));
			if (!a) sendError(res, 404, 'Unknown API key.');
			else sendJson(res, 200, this.meJson(a));
			return;
		}
		if (method === 'GET' && (m = /^\/stats\/([^/]+)$/.exec(p))) {
			sendJson(res, 200, this.stats(decodeURIComponent(m[1])));
			return;
		}
		if (method === 'GET' && p === '/stats') {
			const key = url.searchParams.get('apiKey');
			if (!key) sendError(res, 400, 'apiKey query parameter is required.');
			else sendJson(res, 200, this.stats(key));
			return;
		}
		if (method === 'POST' && p === '/fail-next') {
			const count = Number(body.count);
			const status = body.status === 'drop' ? 'drop' : Number(body.status);
			if (body.afterCommit !== undefined && typeof body.afterCommit !== 'boolean') {
				sendError(res, 400, 'afterCommit must be a boolean.');
				return;
			}
			try {
				this.failNext(count, status, { afterCommit: body.afterCommit as boolean | undefined, matching: body.matching as string | undefined });
			} catch (err) {
				sendError(res, 400, (err as Error).message);
				return;
			}
			sendJson(res, 200, { ok: true, pendingFailures: this.failures.pending() });
			return;
		}
		if (method === 'POST' && p === '/redirect-next') {
			try {
				this.redirectNext(Number(body.count), String(body.toOrigin), {
					status: body.status === undefined ? undefined : Number(body.status),
					matching: body.matching as string | undefined,
				});
			} catch (err) {
				sendError(res, 400, (err as Error).message);
				return;
			}
			sendJson(res, 200, { ok: true, pendingFailures: this.failures.pending() });
			return;
		}
		if (method === 'POST' && p === '/occupy') {
			try {
				this.occupy(String(body.apiKey), Number(body.perWindow));
			} catch (err) {
				sendError(res, 400, (err as Error).message);
				return;
			}
			sendJson(res, 200, { ok: true });
			return;
		}
		if (method === 'GET' && p === '/faults') {
			sendJson(res, 200, this.faultStats());
			return;
		}
		if (method === 'POST' && p === '/block-ip') {
			if (body.ip !== undefined && (typeof body.ip !== 'string' || body.ip === '')) {
				sendError(res, 400, 'ip must be a non-empty string.');
				return;
			}
			this.blockIp(body.ip as string | undefined);
			sendJson(res, 200, { ok: true, ip: body.ip ?? ALL_IPS });
			return;
		}
		if (method === 'POST' && p === '/reset') {
			this.reset();
			sendJson(res, 200, { ok: true });
			return;
		}
		if (method === 'GET' && p === '/request-log') {
			sendJson(res, 200, { count: this.requestLog.length, requests: this.requestLog });
			return;
		}
		if (method === 'GET' && (m = /^\/videos\/([^/]+)$/.exec(p))) {
			const v = this.video(decodeURIComponent(m[1]));
			if (!v) sendError(res, 404, 'Video not found.');
			else sendJson(res, 200, v);
			return;
		}
		sendError(res, 404, `Not found: ${method} ${BLIPIX_ADMIN_PREFIX}${subPath}`);
	}
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function styleSlug(name: string): string {
	return name
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

function bearerKey(req: http.IncomingMessage): string | undefined {
	const h = req.headers.authorization;
	if (!h) return undefined;
	const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
	return m ? m[1] : h.trim() === '' ? undefined : '';
}

function formatWindow(ms: number): string {
	if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
	if (ms % 1000 === 0) return `${ms / 1000} seconds`;
	return `${ms} ms`;
}

async function readAdminBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
	const raw = await readRawBody(req, 100 * 1024);
	if (raw.length === 0) return {};
	try {
		const v = JSON.parse(raw.toString('utf8'));
		return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
	} catch {
		throw new HttpError(400, 'Invalid JSON body.');
	}
}
