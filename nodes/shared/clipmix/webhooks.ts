import { createHmac, timingSafeEqual } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

/** `sha256=` and exactly 64 hex digits: anything else is refused before any comparison. */
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureProblem = 'missing' | 'malformed' | 'mismatch';

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
	eventId?: string;
	event: string;
	job: IDataObject;
}

export function readEvent(payload: IDataObject, eventIdHeader: unknown): ClipMixEvent {
	const event = String(payload.type ?? payload.event ?? '');
	const job = (payload.data ?? payload.job ?? {}) as IDataObject;
	const eventId = payload.id ?? eventIdHeader;
	return { event, job: job && typeof job === 'object' ? job : {}, eventId: eventId ? String(eventId) : undefined };
}

/** The key that identifies one event across redeliveries. */
export function deliveryKey({ eventId, event, job }: ClipMixEvent): string {
	return eventId ? `event:${eventId}` : `job:${String(job.id ?? '')}:${event}`;
}

/**
 * Remembers the last `capacity` delivery keys in the workflow's static data, so a
 * redelivered event is acknowledged without starting the workflow again.
 */
export function rememberDelivery(store: IDataObject, key: string, capacity: number): boolean {
	// Changed in place: n8n wraps static data in change-tracking proxies, and assigning the
	// array back on every delivery would wrap it once more each time.
	store.seenDeliveries ??= [];
	const seen = store.seenDeliveries as string[];
	if (seen.includes(key)) return false;
	seen.push(key);
	if (seen.length > capacity) seen.splice(0, seen.length - capacity);
	return true;
}
