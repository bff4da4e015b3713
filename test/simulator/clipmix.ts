/**
 * The simulated ClipMix API (`/clipmix/api/v1/...`, real base `https://api.clipmixai.com/api/v1`), its
 * health page (`/clipmix/api/status`) and admin endpoints (`/__admin/clipmix/...`).
 *
 * Source: the launch post (`shared/seeds/002_03d45ee82d28dac5.txt`). Only the music endpoint is shown
 * field by field there; every other path and field is INFERRED and kept in the one table below
 * (`CLIPMIX_SERVICES`), which the n8n node mirrors. Every choice where the post is silent is in README.md.
 *
 * Job state is computed lazily from timestamps on every read. The only timers are the (unref'd) ones
 * that fire webhooks when a live job settles, and the webhook retries (see webhooks.ts).
 */
import type * as http from 'node:http';
import { type Cdn, type VirtualFile, bufferFile, loadAsset, taggedMp4 } from './cdn';
import {
	HttpError,
	type FailureInjector,
	type FaultOptions,
	type FaultStats,
	type FailNextOptions,
	type InjectedFault,
	type Mount,
	type Prng,
	type RequestContext,
	type RequestInfo,
	type SimClock,
	TimerSet,
	canonicalJson,
	destroySocket,
	drain,
	readJsonBody,
	readRawBody,
	statusMessage,
} from './server';
import { type DeliveryLogEntry, type WebhookEvent, WebhookDispatcher } from './webhooks';

// ---------------------------------------------------------------------------------------------
// THE SERVICE TABLE. Only `music` is documented; everything marked `inferred: true` is INFERRED.
// ---------------------------------------------------------------------------------------------

export type ClipMixService = 'music' | 'translation' | 'memoryVideo' | 'avatar';

/**
 * Paths (below `/api/v1`), create-body fields, prices and default simulated job durations.
 *
 * | service key | path | create body fields | cost (credits) |
 * | --- | --- | --- | --- |
 * | music (documented) | /music | prompt (string, req), lyrics (string, opt), duration_seconds (int 10–240, default 60) | 1 per second |
 * | translation (INFERRED) | /translations | video_url (http(s) URL, req), target_languages (non-empty array of language codes, req), voice_cloning (bool, default false), tier (standard\|premium, default standard) | per target language: premium 190, standard 95 |
 * | memoryVideo (INFERRED) | /family-videos | mode (moment\|story\|album\|chronicle, req), photo_urls (1–100 http(s) URLs, req), song_url (URL, opt), music_prompt (string, opt), title (string, opt) | moment 50, story 100, album 150, chronicle 300 |
 * | avatar (INFERRED) | /avatars | face_image_url (URL, req), script (string) or audio_url (URL) — one required unless target_video_url (URL, faceswap) — tier (fast\|balanced\|premium, default balanced), duration_seconds (int 5–300, default 30) | per second: fast 8, balanced 15, premium 25 |
 */
export const CLIPMIX_SERVICES = {
	music: {
		inferred: false,
		path: '/music',
		idPrefix: 'mus_',
		result: { ext: 'm4a', contentType: 'audio/mp4' },
		jobSeconds: { min: 60, max: 120 },
		fields: {
			prompt: 'string, required',
			lyrics: 'string, optional',
			duration_seconds: 'integer 10..240, default 60',
		},
		durationSeconds: { min: 10, max: 240, default: 60 },
		/** "A 60-second song costs 60 credits." */
		creditsPerSecond: 1,
	},
	translation: {
		inferred: true,
		path: '/translations',
		idPrefix: 'trn_',
		result: { ext: 'mp4', contentType: 'video/mp4' },
		jobSeconds: { min: 120, max: 300 },
		fields: {
			video_url: 'http(s) URL, required',
			target_languages: 'non-empty array of language codes, required',
			voice_cloning: 'boolean, default false',
			tier: '"standard" | "premium", default "standard"',
		},
		qualityTiers: ['standard', 'premium'],
		defaultQualityTier: 'standard',
		/** Per target language and started minute of video ("Translating a 1-minute video premium-tier costs ~190 credits"). */
		creditsPerLanguage: { standard: 95, premium: 190 },
	},
	memoryVideo: {
		inferred: true,
		/** "the family-videos endpoint" */
		path: '/family-videos',
		idPrefix: 'fam_',
		result: { ext: 'mp4', contentType: 'video/mp4' },
		jobSeconds: { min: 90, max: 240 },
		fields: {
			mode: '"moment" | "story" | "album" | "chronicle", required',
			photo_urls: 'array of 1..100 http(s) URLs, required',
			song_url: 'http(s) URL, optional',
			music_prompt: 'string, optional',
			title: 'string, optional',
		},
		modes: ['moment', 'story', 'album', 'chronicle'],
		photoUrls: { min: 1, max: 100 },
		creditsByMode: { moment: 50, story: 100, album: 150, chronicle: 300 },
	},
	avatar: {
		inferred: true,
		/** "faceswap & avatars" */
		path: '/avatars',
		idPrefix: 'avt_',
		result: { ext: 'mp4', contentType: 'video/mp4' },
		jobSeconds: { min: 120, max: 300 },
		fields: {
			face_image_url: 'http(s) URL, required',
			script: 'string; this or audio_url required unless target_video_url is given',
			audio_url: 'http(s) URL; this or script required unless target_video_url is given',
			target_video_url: 'http(s) URL, optional (faceswap)',
			tier: '"fast" | "balanced" | "premium", default "balanced"',
			duration_seconds: 'integer 5..300, default 30',
		},
		qualityTiers: ['fast', 'balanced', 'premium'],
		defaultQualityTier: 'balanced',
		durationSeconds: { min: 5, max: 300, default: 30 },
		/** "A 30-second talking-head avatar costs 450 credits at the balanced tier." */
		creditsPerSecond: { fast: 8, balanced: 15, premium: 25 },
	},
} as const;

export const CLIPMIX_SERVICE_KEYS = Object.keys(CLIPMIX_SERVICES) as ClipMixService[];

/** A source video's length when the simulator cannot tell it: "a 1-minute video". */
export const DEFAULT_VIDEO_SECONDS = 60;

/**
 * Credits a (validated) create costs on a live key. A translation is charged per target language
 * and per started minute of the source video, `videoSeconds` (ClipMix measures the video itself).
 */
export function clipmixCost(service: ClipMixService, input: Record<string, unknown>, videoSeconds = DEFAULT_VIDEO_SECONDS): number {
	switch (service) {
		case 'music':
			return CLIPMIX_SERVICES.music.creditsPerSecond * (input.duration_seconds as number);
		case 'translation':
			return (
				CLIPMIX_SERVICES.translation.creditsPerLanguage[input.tier as 'standard' | 'premium'] *
				(input.target_languages as string[]).length *
				Math.max(1, Math.ceil(videoSeconds / 60))
			);
		case 'memoryVideo':
			return CLIPMIX_SERVICES.memoryVideo.creditsByMode[input.mode as 'moment' | 'story' | 'album' | 'chronicle'];
		case 'avatar':
			return (
				CLIPMIX_SERVICES.avatar.creditsPerSecond[input.tier as 'fast' | 'balanced' | 'premium'] *
				(input.duration_seconds as number)
			);
	}
}

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface ClipMixOptions {
	/** Simulated seconds from create to completion, per service (defaults in CLIPMIX_SERVICES[*].jobSeconds). */
	jobSeconds?: Partial<Record<ClipMixService, { min: number; max: number }>>;
	/** Credits of the default account; default 10_000. */
	initialCredits?: number;
	/** Fraction (0..1) of API requests answered with a random 500/502/503; default 0. */
	errorRate?: number;
	/** Real ms added to every API response; default 0. */
	latencyMs?: number;
	/** Real ms a webhook receiver has to answer with a 2xx; default 10_000. */
	webhookTimeoutMs?: number;

	// ----- the other plausible choices where the post is silent (all off by default; README.md) -----

	/** Random 5xx/resets before or after processing, and 429 bursts; default none. */
	faults?: FaultOptions;
	/** Where a completed job's file URL appears (GET, create answer, webhook data); default 'result_url'. */
	resultShape?: ClipMixResultShape;
	/**
	 * Error body shape: 'nested' (default) `{ error: { code, message } }`; 'flat' `{ error: code, message }`;
	 * 'code' `{ code, message }`.
	 */
	errorBody?: ClipMixErrorBody;
	/** Code of the 403 for a live key of an account without a purchase; default 'live_key_requires_purchase'. */
	purchaseErrorCode?: string;
	/** Status of a create's field validation error: 400 `invalid_request` (default) or 422 `validation_error`. */
	validationStatus?: 400 | 422;
}

export type ClipMixResultShape =
	| 'result_url'
	| 'resultUrl'
	| 'output'
	| 'output_url'
	| 'result'
	| 'outputs'
	| 'none'
	// One file per target language of a translation (one file for the other services):
	| 'results'
	| 'result_urls_by_language'
	| 'result_urls'
	| 'output_files'
	| 'output_videos';
export type ClipMixErrorBody = 'nested' | 'flat' | 'code';

export const CLIPMIX_RESULT_SHAPES: readonly ClipMixResultShape[] = [
	'result_url',
	'resultUrl',
	'output',
	'output_url',
	'result',
	'outputs',
	'none',
	'results',
	'result_urls_by_language',
	'result_urls',
	'output_files',
	'output_videos',
];
export const CLIPMIX_PURCHASE_ERROR_CODE = 'live_key_requires_purchase';
/** Length in seconds of the sample result files (reported by resultShape 'output' when the input has no duration). */
const SAMPLE_SECONDS = 2;

export type ClipMixJobStatus = 'processing' | 'completed' | 'failed';

/** The job JSON of every create response, GET and webhook event. */
export interface ClipMixJobJson {
	id: string;
	service: ClipMixService;
	status: ClipMixJobStatus;
	test: boolean;
	created_at: string;
	updated_at: string;
	credits_cost: number;
	/** resultShape 'result_url' (default): the CDN URL once completed, else null. */
	result_url?: string | null;
	/** resultShape 'resultUrl'. */
	resultUrl?: string | null;
	/** resultShape 'output_url'. */
	output_url?: string | null;
	/**
	 * resultShape 'output' (`audio_url` for music, `video_url` for the other services), or
	 * 'output_files' / 'output_videos' (one entry per target language).
	 */
	output?:
		| { url: string; audio_url?: string; video_url?: string; format: string; duration_seconds: number }
		| { files: Array<{ language: string | null; url: string; format: string }> }
		| { videos: Array<{ target_language: string | null; url: string }> }
		| null;
	/** resultShape 'result'. */
	result?: { url: string } | null;
	/** resultShape 'outputs' ([] until completed). */
	outputs?: Array<{ url: string; format: string }>;
	/** resultShape 'results' ([] until completed): one per target language. */
	results?: Array<{ language: string | null; url: string }>;
	/** resultShape 'result_urls_by_language' ({ <language>: url }) or 'result_urls' ([url], the language in each path); null until completed. */
	result_urls?: Record<string, string> | string[] | null;
	error: { code: string; message: string } | null;
	input: Record<string, unknown>;
}

export interface ClipMixCharge {
	apiKey: string;
	jobId: string;
	credits: number;
	/** Real ms epoch of the charge. */
	at: number;
	idempotencyKey?: string;
}

export interface ClipMixRequestLogEntry {
	/** Real ms epoch when the response was sent (or the socket destroyed). */
	at: number;
	/** The key, when the request carried a known one. */
	apiKey?: string;
	method: string;
	/** Path below the base URL, with query string, e.g. '/music/mus_abc'. */
	path: string;
	/** The service whose path this was (absent for unknown paths). */
	service?: ClipMixService;
	/** Status sent (for a request dropped after processing: the status it would have had; 0 for one dropped before). */
	status: number;
	idempotencyKey?: string;
	/** True when the answer was an idempotent replay. */
	replayed?: boolean;
	/** True when an injected 'drop' (failNext or faults.resetRate) destroyed the socket instead of answering. */
	dropped?: boolean;
	/** Present when an injected fault replaced the answer (failNext, errorRate, faults, rateLimitBursts). */
	fault?: 'before-commit' | 'after-commit';
	/** After-commit faults: the status the processing produced (e.g. 201 for a create that made its job). */
	committedStatus?: number;
}

export type ClipMixOutcome = 'completed' | 'failed' | 'never';

/** Internal state of one job, as of the moment `job(id)` was called. */
export interface SimJob {
	id: string;
	service: ClipMixService;
	apiKey: string;
	accountId: string;
	test: boolean;
	/** The validated input, defaults filled in (as in the JSON). */
	input: Record<string, unknown>;
	/** Credits charged (0 for sandbox jobs). */
	creditsCost: number;
	outcome: ClipMixOutcome;
	idempotencyKey?: string;
	/** Real ms epoch of the create request. */
	createdAt: number;
	/** Simulated ms epoch of the create request (what `created_at` shows). */
	createdAtSim: number;
	/** Simulated ms from create to settling (null for [never]). */
	totalSimMs: number | null;
	/** Real ms epoch at which the job settles / settled (completed or failed; may be in the future). Absent for [never]. */
	settleAt?: number;
	/** Simulated ms epoch of the same moment. */
	settleAtSim?: number;
	/** True once the settle timer ran (webhook event sent if the key had a webhook). Sandbox jobs: true at once. */
	settled: boolean;
	status: ClipMixJobStatus;
	/** The API's JSON right now. */
	json: ClipMixJobJson;
}

export interface ClipMixHealth {
	updated_at: string;
	services: Record<ClipMixService, { status: 'operational' | 'degraded' | 'outage'; requests: number; errors: number; error_rate: number }>;
}

export type { DeliveryLogEntry, WebhookEvent };

// ---------------------------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------------------------

interface Account {
	id: string;
	/** Order of creation: names the account in request identities (`faults.perRequest`). */
	number: number;
	liveKey: string;
	testKey: string;
	credits: number;
	purchased: boolean;
}

interface KeyInfo {
	account: Account;
	mode: 'live' | 'test';
}

interface JobRecord {
	id: string;
	service: ClipMixService;
	apiKey: string;
	accountId: string;
	test: boolean;
	input: Record<string, unknown>;
	creditsCost: number;
	outcome: ClipMixOutcome;
	idempotencyKey?: string;
	createdAtReal: number;
	createdAtSim: number;
	/** undefined for [never] */
	settleAtSim?: number;
	settled: boolean;
	/** The identity of the create that made it (and which of its kind): a GET of the job is identified by it. */
	identity: string;
}

interface IdempotencyEntry {
	fingerprint: string;
	status: number;
	text: string;
	storedAtSim: number;
}

/** 24 simulated hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** Health window: 5 simulated minutes. */
export const HEALTH_WINDOW_MS = 5 * 60_000;
const IDEMPOTENCY_KEY_MAX = 255;
const BODY_LIMIT = 1024 * 1024;
const REQUEST_LOG_MAX = 100_000;

export const CLIPMIX_ROOT_PREFIX = '/clipmix';
export const CLIPMIX_API_PREFIX = '/clipmix/api/v1';
export const CLIPMIX_STATUS_PATH = '/clipmix/api/status';
export const CLIPMIX_ADMIN_PREFIX = '/__admin/clipmix';

const ERROR_CODES: Record<number, string> = {
	400: 'invalid_request',
	401: 'invalid_api_key',
	402: 'insufficient_credits',
	403: 'forbidden',
	404: 'not_found',
	405: 'method_not_allowed',
	408: 'request_timeout',
	409: 'conflict',
	413: 'request_too_large',
	422: 'unprocessable_entity',
	429: 'rate_limited',
	500: 'internal_error',
	502: 'bad_gateway',
	503: 'service_unavailable',
	504: 'gateway_timeout',
};

export function clipmixErrorCode(status: number): string {
	return ERROR_CODES[status] ?? `http_${status}`;
}

// ---------------------------------------------------------------------------------------------
// Test directives: in any string of the body (URL-decoded too, so a URL's query works)
// ---------------------------------------------------------------------------------------------

interface Directives {
	fail: boolean;
	never: boolean;
	renderSeconds?: number;
}

const DIRECTIVE_RE = /\[(fail|never|render:(\d+(?:\.\d+)?))\]/gi;

function collectStrings(v: unknown, out: string[]): void {
	if (typeof v === 'string') {
		out.push(v);
		try {
			const decoded = decodeURIComponent(v.replace(/\+/g, ' '));
			if (decoded !== v) out.push(decoded);
		} catch {
			// not URI-encoded
		}
	} else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
	else if (v && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, out);
}

export function parseClipMixDirectives(body: unknown): Directives {
	const d: Directives = { fail: false, never: false };
	const strings: string[] = [];
	collectStrings(body, strings);
	for (const s of strings) {
		for (const m of s.matchAll(DIRECTIVE_RE)) {
			const word = m[1].toLowerCase();
			if (word === 'never') d.never = true;
			else if (word === 'fail') d.fail = true;
			else if (m[2] !== undefined) d.renderSeconds = Number(m[2]);
		}
	}
	return d;
}

// ---------------------------------------------------------------------------------------------
// Validation (each error names the field)
// ---------------------------------------------------------------------------------------------

type Validated = { input: Record<string, unknown> } | { error: string };

const absent = (x: unknown) => x === undefined || x === null;

function isHttpUrl(x: unknown): x is string {
	if (typeof x !== 'string' || x.trim() === '') return false;
	try {
		const u = new URL(x);
		return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
	} catch {
		return false;
	}
}

const LANGUAGE_RE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function intInRange(name: string, v: unknown, r: { min: number; max: number; default: number }): { value: number } | { error: string } {
	if (absent(v)) return { value: r.default };
	if (typeof v !== 'number' || !Number.isInteger(v) || v < r.min || v > r.max) {
		return { error: `${name} must be an integer between ${r.min} and ${r.max}.` };
	}
	return { value: v };
}

function enumValue<T extends string>(name: string, v: unknown, values: readonly T[], def?: T): { value: T } | { error: string } {
	if (absent(v) && def !== undefined) return { value: def };
	if (absent(v)) return { error: `${name} is required: one of ${values.join(', ')}.` };
	if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
		return { error: `${name} must be one of: ${values.join(', ')} (got ${JSON.stringify(v)}).` };
	}
	return { value: v as T };
}

function optionalUrl(name: string, v: unknown): { value: string | null } | { error: string } {
	if (absent(v)) return { value: null };
	if (!isHttpUrl(v)) return { error: `${name} must be an http(s) URL.` };
	return { value: v };
}

function optionalString(name: string, v: unknown): { value: string | null } | { error: string } {
	if (absent(v)) return { value: null };
	if (typeof v !== 'string') return { error: `${name} must be a string.` };
	return { value: v };
}

export function validateClipMixCreate(service: ClipMixService, body: unknown): Validated {
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'Request body must be a JSON object.' };
	const b = body as Record<string, unknown>;
	const fail = (r: { error: string } | object): r is { error: string } => 'error' in r;

	switch (service) {
		case 'music': {
			const t = CLIPMIX_SERVICES.music;
			if (typeof b.prompt !== 'string' || b.prompt.trim() === '') return { error: 'prompt is required and must be a non-empty string.' };
			const lyrics = optionalString('lyrics', b.lyrics);
			if (fail(lyrics)) return lyrics;
			const dur = intInRange('duration_seconds', b.duration_seconds, t.durationSeconds);
			if (fail(dur)) return dur;
			return { input: { prompt: b.prompt, lyrics: lyrics.value, duration_seconds: dur.value } };
		}
		case 'translation': {
			const t = CLIPMIX_SERVICES.translation;
			if (absent(b.video_url)) return { error: 'video_url is required: an http(s) URL of the video to translate.' };
			if (!isHttpUrl(b.video_url)) return { error: 'video_url must be an http(s) URL.' };
			const langs = b.target_languages;
			if (!Array.isArray(langs) || langs.length === 0) {
				return { error: 'target_languages is required: a non-empty array of language codes, e.g. ["es", "pt-BR"].' };
			}
			for (let i = 0; i < langs.length; i++) {
				if (typeof langs[i] !== 'string' || !LANGUAGE_RE.test(langs[i])) {
					return { error: `target_languages[${i}] must be a language code such as "es" or "pt-BR" (got ${JSON.stringify(langs[i])}).` };
				}
			}
			if (new Set(langs).size !== langs.length) return { error: 'target_languages must not contain duplicates.' };
			if (!absent(b.voice_cloning) && typeof b.voice_cloning !== 'boolean') return { error: 'voice_cloning must be a boolean.' };
			const tier = enumValue('tier', b.tier, t.qualityTiers, t.defaultQualityTier);
			if (fail(tier)) return tier;
			return {
				input: {
					video_url: b.video_url,
					target_languages: [...(langs as string[])],
					voice_cloning: b.voice_cloning === true,
					tier: tier.value,
				},
			};
		}
		case 'memoryVideo': {
			const t = CLIPMIX_SERVICES.memoryVideo;
			const mode = enumValue('mode', b.mode, t.modes);
			if (fail(mode)) return mode;
			const photos = b.photo_urls;
			if (!Array.isArray(photos) || photos.length < t.photoUrls.min || photos.length > t.photoUrls.max) {
				return { error: `photo_urls is required: an array of ${t.photoUrls.min} to ${t.photoUrls.max} http(s) URLs.` };
			}
			for (let i = 0; i < photos.length; i++) {
				if (!isHttpUrl(photos[i])) return { error: `photo_urls[${i}] must be an http(s) URL.` };
			}
			const song = optionalUrl('song_url', b.song_url);
			if (fail(song)) return song;
			const musicPrompt = optionalString('music_prompt', b.music_prompt);
			if (fail(musicPrompt)) return musicPrompt;
			const title = optionalString('title', b.title);
			if (fail(title)) return title;
			return {
				input: { mode: mode.value, photo_urls: [...(photos as string[])], song_url: song.value, music_prompt: musicPrompt.value, title: title.value },
			};
		}
		case 'avatar': {
			const t = CLIPMIX_SERVICES.avatar;
			if (absent(b.face_image_url)) return { error: 'face_image_url is required: an http(s) URL of the face image.' };
			if (!isHttpUrl(b.face_image_url)) return { error: 'face_image_url must be an http(s) URL.' };
			const target = optionalUrl('target_video_url', b.target_video_url);
			if (fail(target)) return target;
			if (!absent(b.script) && (typeof b.script !== 'string' || b.script.trim() === '')) {
				return { error: 'script must be a non-empty string.' };
			}
			const audio = optionalUrl('audio_url', b.audio_url);
			if (fail(audio)) return audio;
			const script = absent(b.script) ? null : (b.script as string);
			if (script !== null && audio.value !== null) return { error: 'Give either script or audio_url, not both.' };
			if (script === null && audio.value === null && target.value === null) {
				return { error: 'script or audio_url is required (unless target_video_url is given for a faceswap).' };
			}
			const tier = enumValue('tier', b.tier, t.qualityTiers, t.defaultQualityTier);
			if (fail(tier)) return tier;
			const dur = intInRange('duration_seconds', b.duration_seconds, t.durationSeconds);
			if (fail(dur)) return dur;
			return {
				input: {
					face_image_url: b.face_image_url,
					script,
					audio_url: audio.value,
					target_video_url: target.value,
					tier: tier.value,
					duration_seconds: dur.value,
				},
			};
		}
	}
}

// Canonical JSON (idempotency fingerprints: key order does not matter) lives in server.ts.
export { canonicalJson };

// ---------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------

export interface ClipMixSimDeps {
	clock: SimClock;
	/** PRNG for keys, ids and job durations. */
	prng: Prng;
	/** PRNG for webhook event ids. */
	webhookPrng: Prng;
	/** failNext, faults, errorRate and latency for API requests (its own PRNG streams). */
	failures: FailureInjector;
	cdn: Cdn;
	cdnUrl: string;
	options?: ClipMixOptions;
	/** The length of a source video the simulator itself serves (a Blipix video's file); else DEFAULT_VIDEO_SECONDS. */
	videoSecondsOf?: (url: string) => number | undefined;
}

type Route =
	| { kind: 'create'; service: ClipMixService }
	| { kind: 'get'; service: ClipMixService; id: string }
	| { kind: 'unknown'; service?: ClipMixService };

export class ClipMixSim {
	readonly requestLog: ClipMixRequestLogEntry[] = [];
	readonly ledger: ClipMixCharge[] = [];
	readonly defaultKeys: { liveKey: string; testKey: string };
	readonly webhooks: WebhookDispatcher;

	private readonly clock: SimClock;
	private readonly prng: Prng;
	private readonly failures: FailureInjector;
	private readonly cdn: Cdn;
	private readonly cdnUrl: string;
	private readonly videoSecondsOf: (url: string) => number | undefined;
	private readonly jobSeconds: Record<ClipMixService, { min: number; max: number }>;
	private readonly accounts = new Map<string, Account>(); // by id
	private readonly keys = new Map<string, KeyInfo>(); // by api key
	private readonly jobs = new Map<string, JobRecord>();
	/** Jobs made so far per create identity: the n-th job of identical creates is told apart by its number. */
	private readonly madeBy = new Map<string, number>();
	private readonly idempotency = new Map<string, IdempotencyEntry>(); // `${apiKey}\n${idempotencyKey}`
	private readonly health = new Map<ClipMixService, Array<{ at: number; status: number }>>();
	private readonly settleTimers = new TimerSet();
	private readonly resultShape: ClipMixResultShape;
	private readonly errorBody: ClipMixErrorBody;
	private readonly purchaseErrorCode: string;
	private readonly validationStatus: 400 | 422;

	constructor(deps: ClipMixSimDeps) {
		const o = deps.options ?? {};
		this.clock = deps.clock;
		this.prng = deps.prng;
		this.failures = deps.failures;
		this.cdn = deps.cdn;
		this.cdnUrl = deps.cdnUrl;
		this.videoSecondsOf = deps.videoSecondsOf ?? (() => undefined);
		const js = {} as Record<ClipMixService, { min: number; max: number }>;
		for (const s of CLIPMIX_SERVICE_KEYS) {
			const r = o.jobSeconds?.[s] ?? CLIPMIX_SERVICES[s].jobSeconds;
			if (!(r.min >= 0 && r.max >= r.min)) throw new Error(`clipmix.jobSeconds.${s} must satisfy 0 <= min <= max`);
			js[s] = { min: r.min, max: r.max };
		}
		this.jobSeconds = js;
		this.resultShape = o.resultShape ?? 'result_url';
		if (!CLIPMIX_RESULT_SHAPES.includes(this.resultShape)) throw new Error(`clipmix.resultShape must be one of: ${CLIPMIX_RESULT_SHAPES.join(', ')}`);
		this.errorBody = o.errorBody ?? 'nested';
		if (!['nested', 'flat', 'code'].includes(this.errorBody)) throw new Error(`clipmix.errorBody must be 'nested', 'flat' or 'code'`);
		this.purchaseErrorCode = o.purchaseErrorCode ?? CLIPMIX_PURCHASE_ERROR_CODE;
		this.validationStatus = o.validationStatus ?? 400;
		if (this.validationStatus !== 400 && this.validationStatus !== 422) throw new Error('clipmix.validationStatus must be 400 or 422');
		this.webhooks = new WebhookDispatcher({ clock: deps.clock, prng: deps.webhookPrng, timeoutMs: o.webhookTimeoutMs });
		this.defaultKeys = this.createAccount({ credits: o.initialCredits ?? 10_000, purchased: true });
		this.registerCdn(deps.cdn);
	}

	// ----- controls ---------------------------------------------------------------------------

	/** A new account with one live and one test key. Default 10_000 credits, purchased: true. */
	createAccount(opts: { credits?: number; purchased?: boolean } = {}): { liveKey: string; testKey: string } {
		const credits = opts.credits ?? 10_000;
		if (!Number.isFinite(credits) || credits < 0) throw new Error('credits must be a non-negative number');
		const account: Account = {
			id: 'acct_' + this.prng.id(16),
			number: this.accounts.size,
			liveKey: 'sk_live_' + this.prng.token(32),
			testKey: 'sk_test_' + this.prng.token(32),
			credits,
			purchased: opts.purchased ?? true,
		};
		this.accounts.set(account.id, account);
		this.keys.set(account.liveKey, { account, mode: 'live' });
		this.keys.set(account.testKey, { account, mode: 'test' });
		return { liveKey: account.liveKey, testKey: account.testKey };
	}

	/** The account of a (live or test) key, or undefined. */
	account(apiKey: string): { id: string; credits: number; purchased: boolean; liveKey: string; testKey: string } | undefined {
		const k = this.keys.get(apiKey);
		if (!k) return undefined;
		const a = k.account;
		return { id: a.id, credits: a.credits, purchased: a.purchased, liveKey: a.liveKey, testKey: a.testKey };
	}

	/** Credits left in the wallet of the key's account (live and test key share it). Throws for an unknown key. */
	balance(apiKey: string): number {
		const k = this.keys.get(apiKey);
		if (!k) throw new Error(`Unknown ClipMix API key: ${apiKey}`);
		return k.account.credits;
	}

	setWebhook(apiKey: string, url: string, secret: string): void {
		if (!this.keys.has(apiKey)) throw new Error(`Unknown ClipMix API key: ${apiKey}`);
		this.webhooks.set(apiKey, url, secret);
	}

	/** Send a `webhook.test` event to the key's webhook; resolves with the first attempt's log entry. */
	async fireTest(apiKey: string): Promise<{ event: WebhookEvent; delivery: DeliveryLogEntry }> {
		if (!this.keys.has(apiKey)) throw new Error(`Unknown ClipMix API key: ${apiKey}`);
		const sent = this.webhooks.send(apiKey, 'webhook.test', {
			test: true,
			message: 'This is a test event from ClipMix. If you can read this, your webhook endpoint works.',
		});
		if (!sent) throw new Error('No webhook is configured for this key.');
		return { event: sent.event, delivery: await sent.first };
	}

	deliveries(apiKey: string): DeliveryLogEntry[] {
		return this.webhooks.deliveries(apiKey);
	}

	/**
	 * The next `count` ClipMix API requests get `status` (error body) or, with 'drop', a destroyed socket.
	 * `afterCommit` (default: false for a status, true for 'drop'): the request is processed fully first
	 * (job created, credits charged, idempotent answer stored); otherwise nothing is processed. Calls queue up.
	 */
	failNext(count: number, status: number | 'drop', opts: FailNextOptions = {}): void {
		this.failures.failNext(count, status, { ...opts, afterCommit: opts.afterCommit ?? status === 'drop' });
	}

	/** The next `count` API requests (`matching`, when given) are redirected to `toOrigin`, unprocessed (README, Faults). */
	redirectNext(count: number, toOrigin: string, opts: { status?: number; matching?: string } = {}): void {
		this.failures.redirectNext(count, toOrigin, opts);
	}

	pendingFailures(): number {
		return this.failures.pending();
	}

	/** Injected answers since the last reset() (see FaultStats). */
	faultStats(): FaultStats {
		return this.failures.faultStats();
	}

	/**
	 * Clear the request log, the charge ledger, the CDN request log, pending failNext failures, the fault
	 * stats (and the rateLimitBursts request count), the idempotency cache, the health windows, the webhook delivery logs and pending webhook retries.
	 * Accounts, balances, webhook configurations and jobs (and their settle timers) stay.
	 */
	reset(): void {
		this.requestLog.length = 0;
		this.ledger.length = 0;
		this.cdn.reset();
		this.failures.reset();
		this.idempotency.clear();
		this.health.clear();
		this.webhooks.reset();
	}

	/** Cancel every timer (settling, webhook retries) and abort in-flight webhook deliveries. */
	close(): void {
		this.settleTimers.clear();
		this.webhooks.close();
	}

	job(id: string): SimJob | undefined {
		const j = this.jobs.get(id);
		if (!j) return undefined;
		const now = this.clock.now();
		const json = this.jobJson(j, now);
		const out: SimJob = {
			id: j.id,
			service: j.service,
			apiKey: j.apiKey,
			accountId: j.accountId,
			test: j.test,
			input: structuredClone(j.input),
			creditsCost: j.creditsCost,
			outcome: j.outcome,
			createdAt: j.createdAtReal,
			createdAtSim: j.createdAtSim,
			totalSimMs: j.settleAtSim === undefined ? null : j.settleAtSim - j.createdAtSim,
			settled: j.settled,
			status: json.status,
			json,
		};
		if (j.idempotencyKey !== undefined) out.idempotencyKey = j.idempotencyKey;
		if (j.settleAtSim !== undefined) {
			out.settleAtSim = j.settleAtSim;
			out.settleAt = j.test ? j.createdAtReal : this.clock.toReal(j.settleAtSim);
		}
		return out;
	}

	/**
	 * Exact bytes the CDN serves at the job's result_url (whatever its status), or, with `language`,
	 * at a translation's file in that language (the per-language result shapes).
	 */
	resultFile(id: string, language?: string): Buffer {
		const j = this.jobs.get(id);
		if (!j) throw new Error(`No such ClipMix job: ${id}`);
		if (language !== undefined && !this.languagesOf(j).includes(language)) throw new Error(`Job ${id} has no file in ${language}`);
		const f = this.resultVirtualFile(j, language);
		return Buffer.from(f.read(0, f.size));
	}

	/** The health page's JSON right now. */
	healthJson(): ClipMixHealth {
		const now = this.clock.now();
		const services = {} as ClipMixHealth['services'];
		for (const s of CLIPMIX_SERVICE_KEYS) {
			const list = this.pruneHealth(s, now);
			const errors = list.filter((e) => e.status >= 500).length;
			const rate = list.length === 0 ? 0 : errors / list.length;
			services[s] = {
				status: rate > 0.5 ? 'outage' : rate > 0.1 ? 'degraded' : 'operational',
				requests: list.length,
				errors,
				error_rate: Math.round(rate * 10_000) / 10_000,
			};
		}
		return { updated_at: this.clock.stamp(now), services };
	}

	// ----- lifecycle ----------------------------------------------------------------------------

	private statusAt(j: JobRecord, simNow: number): ClipMixJobStatus {
		if (j.settleAtSim === undefined || simNow < j.settleAtSim) return 'processing';
		return j.outcome === 'failed' ? 'failed' : 'completed';
	}

	private resultUrl(j: JobRecord): string {
		return `${this.cdnUrl}/clipmix/results/${j.id}.${CLIPMIX_SERVICES[j.service].result.ext}`;
	}

	/** A translation's target languages; [] for the other services. */
	private languagesOf(j: JobRecord): string[] {
		const raw = j.service === 'translation' ? j.input.target_languages : undefined;
		return Array.isArray(raw) ? raw.map(String) : [];
	}

	/**
	 * The files a per-language shape names: one per target language of a translation, at
	 * `/clipmix/results/<id>/<language>.mp4`; the one result file for the other services.
	 */
	private resultFilesOf(j: JobRecord): Array<{ language: string | null; url: string }> {
		const languages = this.languagesOf(j);
		if (languages.length === 0) return [{ language: null, url: this.resultUrl(j) }];
		const ext = CLIPMIX_SERVICES[j.service].result.ext;
		return languages.map((language) => ({ language, url: `${this.cdnUrl}/clipmix/results/${j.id}/${language}.${ext}` }));
	}

	private jobJson(j: JobRecord, simNow: number): ClipMixJobJson {
		const status = this.statusAt(j, simNow);
		const created = this.clock.stamp(j.createdAtSim);
		return {
			id: j.id,
			service: j.service,
			status,
			test: j.test,
			created_at: created,
			updated_at: status === 'processing' ? created : this.clock.stamp(j.settleAtSim!),
			credits_cost: j.creditsCost,
			...this.resultFields(j, status === 'completed'),
			error:
				status === 'failed'
					? { code: 'generation_failed', message: `The ${j.service} job failed during generation (simulated by the [fail] directive).` }
					: null,
			input: structuredClone(j.input),
		};
	}

	/** The job's result key(s) in the configured `resultShape`: null / empty until completed. */
	private resultFields(j: JobRecord, completed: boolean): Partial<ClipMixJobJson> {
		const url = completed ? this.resultUrl(j) : null;
		const format = CLIPMIX_SERVICES[j.service].result.ext;
		switch (this.resultShape) {
			case 'result_url':
				return { result_url: url };
			case 'resultUrl':
				return { resultUrl: url };
			case 'output_url':
				return { output_url: url };
			case 'output': {
				if (url === null) return { output: null };
				const duration = j.input.duration_seconds;
				return {
					output: {
						url,
						...(j.service === 'music' ? { audio_url: url } : { video_url: url }),
						format,
						duration_seconds: typeof duration === 'number' ? duration : SAMPLE_SECONDS,
					},
				};
			}
			case 'result':
				return { result: url === null ? null : { url } };
			case 'outputs':
				return { outputs: url === null ? [] : [{ url, format }] };
			case 'none':
				return {};
		}
		const files = completed ? this.resultFilesOf(j) : [];
		switch (this.resultShape) {
			case 'results':
				return { results: files };
			case 'result_urls_by_language':
				return { result_urls: completed ? Object.fromEntries(files.map((f) => [f.language ?? 'file', f.url])) : null };
			case 'result_urls':
				return { result_urls: completed ? files.map((f) => f.url) : null };
			case 'output_files':
				return { output: completed ? { files: files.map((f) => ({ ...f, format })) } : null };
			case 'output_videos':
				return { output: completed ? { videos: files.map((f) => ({ target_language: f.language, url: f.url })) } : null };
		}
		return {};
	}

	/** Runs when a live job settles: sends job.completed / job.failed to the key's webhook, if any. */
	private settle(j: JobRecord): void {
		if (j.settled) return;
		j.settled = true;
		const json = this.jobJson(j, Math.max(this.clock.now(), j.settleAtSim!));
		this.webhooks.send(j.apiKey, json.status === 'failed' ? 'job.failed' : 'job.completed', json);
	}

	// ----- CDN ----------------------------------------------------------------------------------

	/** A job's result file; a translation's file in one `language` when given (its own bytes). */
	private resultVirtualFile(j: JobRecord, language?: string): VirtualFile {
		const r = CLIPMIX_SERVICES[j.service].result;
		if (j.service === 'music') {
			const f = taggedMp4(loadAsset('sample.m4a'), `clipmix ${j.service} ${j.id}`);
			return bufferFile(Buffer.from(f.read(0, f.size)), r.contentType);
		}
		return taggedMp4(loadAsset('sample.mp4'), `clipmix ${j.service} ${j.id}${language ? ` ${language}` : ''}`);
	}

	private registerCdn(cdn: Cdn): void {
		// Served only once the API shows result_url (completed); 404 before, for failed and unknown jobs.
		cdn.register('/clipmix/results/', (p) => {
			const m = /^\/clipmix\/results\/([A-Za-z0-9_]+)(?:\/([A-Za-z-]{2,8}))?\.(m4a|mp4)$/.exec(p);
			const j = m ? this.jobs.get(m[1]) : undefined;
			if (!j || m![3] !== CLIPMIX_SERVICES[j.service].result.ext) return undefined;
			if (this.statusAt(j, this.clock.now()) !== 'completed') return undefined;
			const language = m![2];
			if (language !== undefined && !this.languagesOf(j).includes(language)) return undefined;
			return this.resultVirtualFile(j, language);
		});
	}

	// ----- health ---------------------------------------------------------------------------------

	private recordHealth(service: ClipMixService | undefined, status: number): void {
		if (!service) return;
		let list = this.health.get(service);
		if (!list) {
			list = [];
			this.health.set(service, list);
		}
		list.push({ at: this.clock.now(), status });
	}

	private pruneHealth(service: ClipMixService, now: number): Array<{ at: number; status: number }> {
		const list = this.health.get(service);
		if (!list) return [];
		const cutoff = now - HEALTH_WINDOW_MS;
		let drop = 0;
		while (drop < list.length && list[drop].at <= cutoff) drop++;
		if (drop > 0) list.splice(0, drop);
		return list;
	}

	// ----- HTTP: API ------------------------------------------------------------------------------

	apiMount(): Mount {
		return { prefix: CLIPMIX_ROOT_PREFIX, handle: (ctx) => this.handleRoot(ctx) };
	}

	adminMount(): Mount {
		return { prefix: CLIPMIX_ADMIN_PREFIX, handle: (ctx) => this.handleAdminSafe(ctx) };
	}

	private async handleRoot(ctx: RequestContext): Promise<void> {
		const { req, res, subPath } = ctx;
		try {
			const p = subPath.length > 1 ? subPath.replace(/\/$/, '') : subPath;
			if (p === '/api/status') {
				drain(req);
				if (req.method !== 'GET' && req.method !== 'HEAD') {
					sendClipMixError(res, 405, 'method_not_allowed', 'Only GET is supported here.', { Allow: 'GET, HEAD' }, this.errorBody);
					return;
				}
				sendText(res, 200, JSON.stringify(this.healthJson()));
				return;
			}
			if (subPath === '/api/v1' || subPath.startsWith('/api/v1/')) {
				await this.handleApi(ctx, subPath.slice('/api/v1'.length) || '/');
				return;
			}
			drain(req);
			sendClipMixError(res, 404, 'not_found', `Not found: ${req.method} ${CLIPMIX_ROOT_PREFIX}${subPath}`, {}, this.errorBody);
		} catch (err) {
			drain(req);
			sendClipMixError(res, 500, 'internal_error', `Simulator error: ${(err as Error)?.message ?? String(err)}`, {}, this.errorBody);
		}
	}

	/** An API error body in the configured `errorBody` shape. */
	private errorText(code: string, message: string): string {
		return clipmixErrorText(this.errorBody, code, message);
	}

	private routeOf(method: string, sub: string): Route {
		const p = sub.length > 1 ? sub.replace(/\/$/, '') : sub;
		for (const service of CLIPMIX_SERVICE_KEYS) {
			const base = CLIPMIX_SERVICES[service].path;
			if (p === base) return method === 'POST' ? { kind: 'create', service } : { kind: 'unknown', service };
			if (p.startsWith(base + '/')) {
				const rest = p.slice(base.length + 1);
				if (method === 'GET' && rest !== '' && !rest.includes('/')) {
					let id = rest;
					try {
						id = decodeURIComponent(rest);
					} catch {
						// keep it raw: it will not match any job
					}
					return { kind: 'get', service, id };
				}
				return { kind: 'unknown', service };
			}
		}
		return { kind: 'unknown' };
	}

	private async handleApi(ctx: RequestContext, sub: string): Promise<void> {
		const { req, res, url } = ctx;
		const method = req.method ?? 'GET';
		const route = this.routeOf(method, sub);
		const presented = bearerKey(req);
		const keyInfo = presented ? this.keys.get(presented) : undefined;
		const rawIdem = req.headers['idempotency-key'];
		const idemHeader = typeof rawIdem === 'string' && rawIdem.trim() !== '' ? rawIdem.trim() : undefined;
		let lateFault: InjectedFault | undefined; // an after-commit fault: replaces the answer in finish()
		let created: JobRecord | undefined; // set by a create that made its job

		const log = (status: number, extra: Partial<ClipMixRequestLogEntry> = {}, replayed = false) => {
			const entry: ClipMixRequestLogEntry = { at: Date.now(), method, path: sub + url.search, status };
			if (keyInfo) entry.apiKey = presented;
			if (route.service) entry.service = route.service;
			if (idemHeader !== undefined) entry.idempotencyKey = idemHeader;
			if (replayed) entry.replayed = true;
			Object.assign(entry, extra);
			this.requestLog.push(entry);
			if (this.requestLog.length > REQUEST_LOG_MAX) this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_MAX);
			this.recordHealth(route.service, status);
		};
		const finish = (status: number, text: string, headers: Record<string, string> = {}, replayed = false) => {
			const fault = lateFault;
			if (!fault) {
				log(status, {}, replayed);
				sendText(res, status, text, headers);
				return;
			}
			// Processed fully; the client gets the injected answer instead.
			const lost = created && { id: created.id, apiKey: created.apiKey, ...(idemHeader !== undefined ? { idempotencyKey: idemHeader } : {}) };
			this.failures.record(fault, lost);
			if (fault.action === 'drop') {
				log(status, { fault: 'after-commit', committedStatus: status, dropped: true }, replayed);
				destroySocket(res);
				return;
			}
			log(fault.action, { fault: 'after-commit', committedStatus: status }, replayed);
			sendText(res, fault.action, this.errorText(clipmixErrorCode(fault.action), statusMessage(fault.action)));
		};
		const fail = (status: number, code: string, message: string) => finish(status, this.errorText(code, message));

		// Read the body up front (so no answer leaves it unread on a keep-alive socket).
		let body: unknown;
		let bodyError: HttpError | undefined;
		if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
			try {
				body = await readJsonBody(req, BODY_LIMIT);
			} catch (err) {
				if (err instanceof HttpError) bodyError = err;
				else throw err;
			}
		} else {
			drain(req);
		}

		await this.failures.delay();

		// 1. Injected failures. Before commit: answered at once (nothing processed, nothing cached), or the
		//    socket destroyed. After commit (e.g. failNext(…, 'drop')): the request is processed normally
		//    and finish() answers with the fault instead.
		const request: RequestInfo = { line: `${method} ${sub}${url.search}`, identity: this.identityOf(method, route, sub + url.search, keyInfo, body) };
		const injected = this.failures.take(request);
		if (injected?.afterCommit) lateFault = injected;
		else if (injected) {
			this.failures.record(injected);
			if (injected.redirectTo !== undefined && injected.action !== 'drop') {
				log(injected.action, { fault: 'before-commit' });
				sendText(res, injected.action, '', { Location: injected.redirectTo + (req.url ?? '/') });
				return;
			}
			if (injected.action === 'drop') {
				log(0, { fault: 'before-commit', dropped: true });
				destroySocket(res);
				return;
			}
			log(injected.action, { fault: 'before-commit' });
			const message = injected.source === 'burst' ? 'Rate limit exceeded. Slow down and retry later.' : statusMessage(injected.action);
			sendText(res, injected.action, this.errorText(clipmixErrorCode(injected.action), message));
			return;
		}

		// 2. Authentication.
		if (presented === undefined) {
			fail(401, 'invalid_api_key', 'Missing API key. Send it as "Authorization: Bearer sk_live_..." or "Bearer sk_test_...".');
			return;
		}
		if (presented === '') {
			fail(401, 'invalid_api_key', 'Malformed Authorization header. Expected "Authorization: Bearer sk_live_..." or "Bearer sk_test_...".');
			return;
		}
		if (!keyInfo) {
			fail(401, 'invalid_api_key', 'Invalid API key.');
			return;
		}
		const apiKey = presented;
		const { account, mode } = keyInfo;

		// 3. Live keys need one prior credit purchase.
		if (mode === 'live' && !account.purchased) {
			fail(
				403,
				this.purchaseErrorCode,
				'Live keys require one prior credit purchase on this account. Buy credits in the dashboard, or use your sk_test_ key.',
			);
			return;
		}

		// 4. Routing.
		if (route.kind === 'unknown') {
			fail(404, 'not_found', `Not found: ${method} /api/v1${sub}`);
			return;
		}
		if (route.kind === 'get') {
			const j = this.jobs.get(route.id);
			if (!j || j.apiKey !== apiKey || j.service !== route.service) {
				fail(404, 'not_found', `No ${route.service} job with id "${route.id}".`);
				return;
			}
			finish(200, JSON.stringify(this.jobJson(j, this.clock.now())));
			return;
		}

		// 5. Create.
		if (bodyError) {
			fail(bodyError.status, clipmixErrorCode(bodyError.status), bodyError.message);
			return;
		}
		if (idemHeader !== undefined && idemHeader.length > IDEMPOTENCY_KEY_MAX) {
			fail(400, 'invalid_request', `Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX} characters.`);
			return;
		}
		const now = this.clock.now();
		const cacheKey = idemHeader !== undefined ? `${apiKey}\n${idemHeader}` : undefined;
		const fingerprint = `${method} ${CLIPMIX_SERVICES[route.service].path} ${canonicalJson(body)}`;
		if (cacheKey !== undefined) {
			const hit = this.idempotency.get(cacheKey);
			if (hit && now - hit.storedAtSim >= IDEMPOTENCY_TTL_MS) this.idempotency.delete(cacheKey);
			else if (hit) {
				if (hit.fingerprint !== fingerprint) {
					fail(
						422,
						'idempotency_key_reuse',
						`Idempotency-Key "${idemHeader}" was already used with a different request body (or endpoint) in the last 24 hours. Use a new key for a new request.`,
					);
				} else {
					finish(hit.status, hit.text, { 'Idempotent-Replayed': 'true' }, true);
				}
				return;
			}
		}

		const result = this.create(apiKey, keyInfo, route.service, body, idemHeader, request.identity);
		created = result.job;
		if (cacheKey !== undefined && result.status < 500) {
			this.idempotency.set(cacheKey, { fingerprint, status: result.status, text: result.text, storedAtSim: now });
		}
		finish(result.status, result.text);

		// Sandbox jobs are complete at once: job.completed goes out right after the response.
		if (result.job?.test) {
			const j = result.job;
			this.settleTimers.at(Date.now(), () => {
				j.settled = true;
				this.webhooks.send(j.apiKey, 'job.completed', this.jobJson(j, j.createdAtSim));
			});
		}
	}

	/**
	 * What a request is, whatever the order of arrival (`faults.perRequest`): the account and key mode, the
	 * route, and for a job's GET the create that made the job, for a create its body. Not the
	 * Idempotency-Key: a client derives it from ids of its own (n8n: the instance, the execution) that
	 * differ from run to run.
	 */
	private identityOf(method: string, route: ReturnType<ClipMixSim['routeOf']>, path: string, keyInfo: KeyInfo | undefined, body: unknown): string {
		const who = keyInfo ? `account ${keyInfo.account.number} ${keyInfo.mode}` : 'no account';
		if (route.kind === 'get') {
			const job = this.jobs.get(route.id);
			return `${who} GET ${job ? `job of ${job.identity}` : path}`;
		}
		if (route.kind === 'create') return `${who} ${method} ${path} ${canonicalJson(body)}`;
		return `${who} ${method} ${path}`;
	}

	private create(
		apiKey: string,
		keyInfo: KeyInfo,
		service: ClipMixService,
		body: unknown,
		idempotencyKey: string | undefined,
		identity: string,
	): { status: number; text: string; job?: JobRecord } {
		const v = validateClipMixCreate(service, body);
		if ('error' in v) {
			const code = this.validationStatus === 422 ? 'validation_error' : 'invalid_request';
			return { status: this.validationStatus, text: this.errorText(code, v.error) };
		}
		const test = keyInfo.mode === 'test';
		const account = keyInfo.account;
		const price = clipmixCost(service, v.input, service === 'translation' ? this.videoSecondsOf(String(v.input.video_url)) : undefined);
		if (!test && account.credits < price) {
			return {
				status: 402,
				text: this.errorText(
					'insufficient_credits',
					`Insufficient credits: this ${service} job costs ${price} credits but your balance is ${account.credits}.`,
				),
			};
		}

		const nowSim = this.clock.now();
		const nowReal = Date.now();
		const id = CLIPMIX_SERVICES[service].idPrefix + this.prng.token(24);
		let outcome: ClipMixOutcome = 'completed';
		let settleAtSim: number | undefined = nowSim;
		if (!test) {
			// Sandbox jobs ignore directives: they are always completed at once.
			const d = parseClipMixDirectives(body);
			const range = this.jobSeconds[service];
			const seconds = d.renderSeconds ?? this.prng.range(range.min, range.max);
			outcome = d.never ? 'never' : d.fail ? 'failed' : 'completed';
			settleAtSim = d.never ? undefined : nowSim + Math.max(1, seconds * 1000);
		}
		const job: JobRecord = {
			id,
			service,
			apiKey,
			accountId: account.id,
			test,
			input: v.input,
			creditsCost: test ? 0 : price,
			outcome,
			createdAtReal: nowReal,
			createdAtSim: nowSim,
			settleAtSim,
			settled: test,
			identity: `${identity} #${this.madeBy.get(identity) ?? 0}`,
		};
		this.madeBy.set(identity, (this.madeBy.get(identity) ?? 0) + 1);
		if (idempotencyKey !== undefined) job.idempotencyKey = idempotencyKey;
		this.jobs.set(id, job);
		if (!test) {
			account.credits -= price;
			const charge: ClipMixCharge = { apiKey, jobId: id, credits: price, at: nowReal };
			if (idempotencyKey !== undefined) charge.idempotencyKey = idempotencyKey;
			this.ledger.push(charge);
			if (settleAtSim !== undefined) this.settleTimers.at(this.clock.toReal(settleAtSim), () => this.settle(job));
		}
		return { status: 201, text: JSON.stringify(this.jobJson(job, nowSim)), job };
	}

	// ----- HTTP: admin --------------------------------------------------------------------------

	private async handleAdminSafe(ctx: RequestContext): Promise<void> {
		try {
			await this.handleAdmin(ctx);
		} catch (err) {
			drain(ctx.req);
			if (err instanceof HttpError) sendClipMixError(ctx.res, err.status, clipmixErrorCode(err.status), err.message);
			else sendClipMixError(ctx.res, 500, 'internal_error', `Simulator error: ${(err as Error)?.message ?? String(err)}`);
		}
	}

	private async handleAdmin(ctx: RequestContext): Promise<void> {
		const { req, res, url, subPath } = ctx;
		const method = req.method ?? 'GET';
		const body = method === 'POST' ? await readAdminBody(req) : (drain(req), {});
		const p = subPath.replace(/\/$/, '') || '/';
		const ok = (status: number, json: unknown) => sendText(res, status, JSON.stringify(json));
		const err = (status: number, message: string) => sendClipMixError(res, status, clipmixErrorCode(status), message);
		const keyParam = (m: RegExpExecArray | null) => (m?.[1] ? decodeURIComponent(m[1]) : url.searchParams.get('apiKey') ?? '');
		let m: RegExpExecArray | null;

		if (method === 'GET' && p === '/') {
			ok(200, {
				liveKey: this.defaultKeys.liveKey,
				testKey: this.defaultKeys.testKey,
				accounts: this.accounts.size,
				jobs: this.jobs.size,
				pendingFailures: this.pendingFailures(),
			});
			return;
		}
		if (method === 'POST' && p === '/accounts') {
			const credits = body.credits === undefined ? undefined : Number(body.credits);
			if (body.purchased !== undefined && typeof body.purchased !== 'boolean') return err(400, 'purchased must be a boolean.');
			let keys: { liveKey: string; testKey: string };
			try {
				keys = this.createAccount({ credits, purchased: body.purchased as boolean | undefined });
			} catch (e) {
				return err(400, (e as Error).message);
			}
			ok(201, { ...keys, account: this.accountView(keys.liveKey) });
			return;
		}
		if (method === 'GET' && (m = /^\/accounts\/([^/]+)$/.exec(p))) {
			const a = this.accountView(decodeURIComponent(m[1]));
			if (!a) return err(404, 'Unknown API key.');
			ok(200, a);
			return;
		}
		if (method === 'POST' && p === '/webhooks') {
			const apiKey = String(body.apiKey ?? '');
			if (!this.keys.has(apiKey)) return err(404, 'Unknown API key.');
			try {
				this.setWebhook(apiKey, String(body.url ?? ''), String(body.secret ?? ''));
			} catch (e) {
				return err(400, (e as Error).message);
			}
			ok(200, { ok: true, apiKey, webhook: this.webhooks.get(apiKey) ?? null });
			return;
		}
		if (method === 'POST' && p === '/webhooks/test') {
			const apiKey = String(body.apiKey ?? '');
			if (!this.keys.has(apiKey)) return err(404, 'Unknown API key.');
			if (!this.webhooks.get(apiKey)) return err(400, 'No webhook is configured for this key.');
			const r = await this.fireTest(apiKey);
			ok(200, { eventId: r.event.id, delivery: r.delivery });
			return;
		}
		if (method === 'GET' && (m = /^\/webhooks(?:\/([^/]+))?$/.exec(p))) {
			const apiKey = keyParam(m);
			if (!this.keys.has(apiKey)) return err(404, 'Unknown API key.');
			ok(200, { apiKey, webhook: this.webhooks.get(apiKey) ?? null });
			return;
		}
		if (method === 'GET' && (m = /^\/deliveries(?:\/([^/]+))?$/.exec(p))) {
			const apiKey = keyParam(m);
			if (!apiKey) return err(400, 'apiKey is required.');
			const list = this.deliveries(apiKey);
			ok(200, { count: list.length, deliveries: list });
			return;
		}
		if (method === 'GET' && p === '/ledger') {
			const apiKey = url.searchParams.get('apiKey');
			const charges = apiKey ? this.ledger.filter((c) => c.apiKey === apiKey) : this.ledger;
			ok(200, { count: charges.length, total: charges.reduce((s, c) => s + c.credits, 0), charges });
			return;
		}
		if (method === 'GET' && p === '/request-log') {
			ok(200, { count: this.requestLog.length, requests: this.requestLog });
			return;
		}
		if (method === 'POST' && p === '/fail-next') {
			const count = Number(body.count);
			const status = body.status === 'drop' ? 'drop' : Number(body.status);
			if (body.afterCommit !== undefined && typeof body.afterCommit !== 'boolean') return err(400, 'afterCommit must be a boolean.');
			try {
				this.failNext(count, status, { afterCommit: body.afterCommit as boolean | undefined, matching: body.matching as string | undefined });
			} catch (e) {
				return err(400, (e as Error).message);
			}
			ok(200, { ok: true, pendingFailures: this.pendingFailures() });
			return;
		}
		if (method === 'POST' && p === '/redirect-next') {
			try {
				this.redirectNext(Number(body.count), String(body.toOrigin), {
					status: body.status === undefined ? undefined : Number(body.status),
					matching: body.matching as string | undefined,
				});
			} catch (e) {
				return err(400, (e as Error).message);
			}
			ok(200, { ok: true, pendingFailures: this.pendingFailures() });
			return;
		}
		if (method === 'GET' && p === '/faults') {
			ok(200, this.faultStats());
			return;
		}
		if (method === 'POST' && p === '/reset') {
			this.reset();
			ok(200, { ok: true });
			return;
		}
		if (method === 'GET' && (m = /^\/jobs\/([^/]+)$/.exec(p))) {
			const j = this.job(decodeURIComponent(m[1]));
			if (!j) return err(404, 'Job not found.');
			ok(200, j);
			return;
		}
		err(404, `Not found: ${method} ${CLIPMIX_ADMIN_PREFIX}${subPath}`);
	}

	private accountView(apiKey: string): Record<string, unknown> | undefined {
		const a = this.account(apiKey);
		if (!a) return undefined;
		return {
			...a,
			webhooks: { live: this.webhooks.get(a.liveKey)?.url ?? null, test: this.webhooks.get(a.testKey)?.url ?? null },
		};
	}
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A ClipMix error body in one of the `errorBody` shapes. */
export function clipmixErrorText(shape: ClipMixErrorBody, code: string, message: string): string {
	switch (shape) {
		case 'nested':
			return JSON.stringify({ error: { code, message } });
		case 'flat':
			return JSON.stringify({ error: code, message });
		case 'code':
			return JSON.stringify({ code, message });
	}
}

function sendText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string | number> = {}): void {
	if (res.headersSent || res.destroyed) return;
	res.writeHead(status, {
		...headers,
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
	});
	res.end(text);
}

/** A ClipMix error; by default `{ "error": { "code": "...", "message": "..." } }` (admin errors always are). */
export function sendClipMixError(
	res: http.ServerResponse,
	status: number,
	code: string,
	message: string,
	headers: Record<string, string | number> = {},
	shape: ClipMixErrorBody = 'nested',
): void {
	sendText(res, status, clipmixErrorText(shape, code, message), headers);
}

function bearerKey(req: http.IncomingMessage): string | undefined {
	const h = req.headers.authorization;
	if (!h) return undefined;
	const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
	return m ? m[1] : h.trim() === '' ? undefined : '';
}

async function readAdminBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
	const raw = await readRawBody(req, BODY_LIMIT);
	if (raw.length === 0) return {};
	try {
		const v = JSON.parse(raw.toString('utf8'));
		return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
	} catch {
		throw new HttpError(400, 'Invalid JSON body.');
	}
}
