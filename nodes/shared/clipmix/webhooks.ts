import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

/** `sha256=` and exactly 64 hex digits: anything else is refused before any comparison. */
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureProblem = 'missing' | 'malformed' | 'mismatch';

/**
 * The credential's Webhook Signing Secret, trimmed: a secret pasted with a trailing newline or
 * space would otherwise fail every delivery with 401. (ClipMix secrets have no outer whitespace.)
 */
export function signingSecret(credentials: IDataObject): string {
	return String(credentials.webhookSecret ?? '').trim();
}

/**
 * Checks `X-ClipMix-Signature: sha256=<hex>` against HMAC-SHA256(secret, raw body bytes),
 * in constant time. Returns what is wrong, or undefined when the signature is good.
 */
export function checkSignature(rawBody: Buffer, header: unknown, secret: string): SignatureProblem | undefined {
	if (typeof header !== 'string' || header === '') return 'missing';
	const match = SIGNATURE.exec(header);
	if (!match) return 'malformed';
	const expected = createHmac('sha256', secret).update(rawBody).digest();
	const given = Buffer.from(match[1], 'hex');
	return timingSafeEqual(expected, given) ? undefined : 'mismatch';
}

/** The fields a workflow needs, from either plausible payload shape (`type`/`event`; job under `data`/`job`). */
export interface ClipMixEvent {
	/** The event's own id, from the signed body only (never from a header, which nobody signs). */
	eventId?: string;
	event: string;
	job: IDataObject;
}

/** A usable id: a non-empty string or a finite number. Anything else (an object, `true`, Infinity) is no id. */
function idOf(value: unknown): string | undefined {
	if (Number.isFinite(value)) return String(value);
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function readEvent(payload: IDataObject): ClipMixEvent {
	const event = String(payload.type ?? payload.event ?? '');
	const job = payload.data ?? payload.job;
	return {
		event,
		job: job && typeof job === 'object' && !Array.isArray(job) ? (job as IDataObject) : {},
		eventId: idOf(payload.id),
	};
}

/**
 * The key that identifies one event across redeliveries, from the signed body alone: its event id,
 * or else its job id and event type, or else (a body with neither) the hash of the body's bytes,
 * which an exact replay repeats. An unsigned header such as `X-ClipMix-Event-Id` never counts:
 * a replayed body with a new header value would otherwise be a new event.
 */
export function deliveryKey({ eventId, event, job }: ClipMixEvent, rawBody: Buffer): string {
	if (eventId) return `event:${eventId}`;
	const jobId = idOf(job.id);
	if (jobId) return `job:${jobId}:${event}`;
	return `body:${createHash('sha256').update(rawBody).digest('hex')}`;
}

/**
 * Where a signed event may carry its time. ClipMix does not document the envelope; these are the
 * usual names, tried in order. The event's own fields come first; the job's fields only name when
 * it reached the state the event reports (never its `created_at`: a job may run for hours).
 */
export const EVENT_TIME_FIELDS = ['created_at', 'createdAt', 'timestamp', 'created', 'sent_at', 'sentAt', 'occurred_at', 'occurredAt'] as const;
export const JOB_TIME_FIELDS = ['completed_at', 'completedAt', 'failed_at', 'failedAt', 'finished_at', 'finishedAt', 'updated_at', 'updatedAt'] as const;

/** Epoch seconds below this are seconds (1e11 s is the year 5138; 1e11 ms is 1973), above it ms. */
const SECONDS_BELOW = 1e11;
const ISO_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A date string as Date.parse should read it: an ISO date-time without a zone is UTC, as APIs mean
 * it, not the n8n server's local time, so it gets `Z` (and `T` for a space). Anything else is as given.
 */
export function withDefaultZone(text: string): string {
	return ISO_WITHOUT_ZONE.test(text) ? `${text.replace(' ', 'T')}Z` : text;
}

/** A time as ms epoch, from seconds or ms since the epoch (number or digits) or a date string. */
export function parseTime(value: unknown): number | undefined {
	let ms: number;
	if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
		const n = Number(value);
		ms = n < SECONDS_BELOW ? n * 1000 : n;
	} else if (typeof value === 'string' && /\d{4}/.test(value)) {
		ms = Date.parse(withDefaultZone(value.trim()));
	} else {
		return undefined;
	}
	return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The event's time from its signed body, ms epoch, or undefined when it carries none. */
export function eventTime(payload: IDataObject, job: IDataObject): number | undefined {
	for (const field of EVENT_TIME_FIELDS) {
		const at = parseTime(payload[field]);
		if (at !== undefined) return at;
	}
	for (const field of JOB_TIME_FIELDS) {
		const at = parseTime(job[field]);
		if (at !== undefined) return at;
	}
	return undefined;
}

/** Default Max Event Age: well past ClipMix's last retry, about 1 h 5 min after the event. */
export const DEFAULT_MAX_EVENT_AGE_HOURS = 24;

/** How far an event's signed time may be ahead of this server's clock (the two clocks' skew). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The most delivery keys the trigger remembers (about 50 bytes each in static data, which n8n
 * loads and saves with every delivery). Past it within Max Event Age, the oldest are forgotten
 * early, and events stamped before them are refused rather than let through as new.
 */
export const REMEMBERED_EVENTS = 10_000;

/** Where the trigger's de-duplication store lives in its node's static data (`seenDeliveries` in 0.1). */
export const STORE_FIELD = 'deliveries';

export type EventTimeProblem = 'old' | 'future' | 'forgotten';

/**
 * Whether an event's signed time is acceptable: younger than `maxAgeMs`, not more than `skewMs`
 * ahead of our clock, and not so old that the de-duplication store, which had to forget keys
 * whose time is at or before `forgottenThrough`, could no longer recognise it as a repeat.
 *
 * The store remembers each key until its event time + `maxAgeMs` (see emitOnce's `claim`), the
 * very moment this check starts refusing the event as too old: no replay falls in between.
 */
export function checkEventTime(
	at: number,
	now: number,
	limits: { maxAgeMs: number; skewMs: number; forgottenThrough: number },
): EventTimeProblem | undefined {
	if (at > now + limits.skewMs) return 'future';
	if (at <= now - limits.maxAgeMs) return 'old';
	if (limits.forgottenThrough > 0 && at <= limits.forgottenThrough) return 'forgotten';
	return undefined;
}

/** Request headers that are never copied into the output: credentials, and the signature itself. */
export const HIDDEN_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'x-clipmix-signature'];

/** The request headers without HIDDEN_HEADERS, for the Include Headers option. */
export function visibleHeaders(headers: Record<string, unknown>): IDataObject {
	const visible: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) {
		if (!HIDDEN_HEADERS.includes(name.toLowerCase())) visible[name] = value as IDataObject[string];
	}
	return visible;
}
