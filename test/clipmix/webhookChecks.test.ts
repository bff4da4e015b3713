import { checkEventTime, deliveryKey, eventTime, parseTime, readEvent, signingSecret, visibleHeaders } from '../../nodes/shared/clipmix/webhooks';

const NOW = Date.UTC(2026, 11, 1, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('webhook event identity', () => {
	it('comes from the signed body only', () => {
		const body = Buffer.from('{}');
		expect(deliveryKey(readEvent({ id: 'evt_1', type: 'job.completed', data: { id: 'mus_1' } }), body)).toBe('event:evt_1');
		expect(deliveryKey(readEvent({ type: 'job.completed', data: { id: 'mus_1' } }), body)).toBe('job:mus_1:job.completed');
		expect(deliveryKey(readEvent({ event: 'job.failed', job: { id: 42 } }), body)).toBe('job:42:job.failed');
		// No id at all: the body's own bytes, so only an exact replay matches.
		const a = deliveryKey(readEvent({ type: 'job.completed', data: {} }), Buffer.from('{"a":1}'));
		const b = deliveryKey(readEvent({ type: 'job.completed', data: {} }), Buffer.from('{"a":2}'));
		expect(a).toMatch(/^body:[0-9a-f]{64}$/);
		expect(a).not.toBe(b);
		// Ids that are not ids are ignored rather than turned into "[object Object]" or "".
		expect(readEvent({ id: { x: 1 }, type: 'x' }).eventId).toBeUndefined();
		expect(readEvent({ id: '', type: 'x' }).eventId).toBeUndefined();
		expect(deliveryKey(readEvent({ type: 'x', data: { id: '' } }), body)).toMatch(/^body:/);
	});

	it('readEvent has no header parameter left to fall back on', () => {
		expect(readEvent.length).toBe(1);
	});
});

describe('webhook event time', () => {
	it.each<[string, unknown, number | undefined]>([
		['ISO with Z', '2026-12-01T11:00:00.000Z', NOW - HOUR],
		['ISO with an offset', '2026-12-01T12:00:00+01:00', NOW - HOUR],
		['ISO without a zone (UTC)', '2026-12-01T11:00:00', NOW - HOUR],
		['ISO with a space', '2026-12-01 11:00:00', NOW - HOUR],
		['epoch seconds', (NOW - HOUR) / 1000, NOW - HOUR],
		['epoch seconds as digits', String((NOW - HOUR) / 1000), NOW - HOUR],
		['epoch ms', NOW - HOUR, NOW - HOUR],
		['RFC 2822', 'Tue, 01 Dec 2026 11:00:00 GMT', NOW - HOUR],
		['garbage', 'yesterday', undefined],
		['zero', 0, undefined],
		['an object', { at: 1 }, undefined],
		['empty', '', undefined],
	])('parses %s', (_name, value, expected) => {
		expect(parseTime(value)).toBe(expected);
	});

	it('is read from the event first, then from when the job finished, never from when it was created', () => {
		const at = (payload: Record<string, unknown>) => eventTime(payload as never, ((payload.data ?? {}) as never));
		expect(at({ created_at: '2026-12-01T11:00:00Z', data: { completed_at: '2026-11-01T00:00:00Z' } })).toBe(NOW - HOUR);
		expect(at({ createdAt: NOW - HOUR })).toBe(NOW - HOUR);
		expect(at({ timestamp: (NOW - HOUR) / 1000 })).toBe(NOW - HOUR);
		expect(at({ created: (NOW - HOUR) / 1000 })).toBe(NOW - HOUR);
		expect(at({ sent_at: '2026-12-01T11:00:00Z' })).toBe(NOW - HOUR);
		expect(at({ created_at: 'soon', data: { completed_at: '2026-12-01T11:00:00Z' } })).toBe(NOW - HOUR);
		expect(at({ data: { created_at: '2026-01-01T00:00:00Z' } })).toBeUndefined();
		expect(at({})).toBeUndefined();
	});

	it('refuses old, future and forgotten times, and accepts ClipMix\'s last retry', () => {
		const limits = { maxAgeMs: 24 * HOUR, skewMs: 5 * MIN, forgottenThrough: 0 };
		expect(checkEventTime(NOW - 65 * MIN, NOW, limits)).toBeUndefined();
		expect(checkEventTime(NOW - 24 * HOUR + 1, NOW, limits)).toBeUndefined();
		// The store forgets a key at its time + 24 h: from that moment on, the event is too old.
		expect(checkEventTime(NOW - 24 * HOUR, NOW, limits)).toBe('old');
		expect(checkEventTime(NOW + 4 * MIN, NOW, limits)).toBeUndefined();
		expect(checkEventTime(NOW + 6 * MIN, NOW, limits)).toBe('future');
		const full = { ...limits, forgottenThrough: NOW - 2 * HOUR };
		expect(checkEventTime(NOW - 2 * HOUR, NOW, full)).toBe('forgotten');
		expect(checkEventTime(NOW - 2 * HOUR + 1, NOW, full)).toBeUndefined();
	});
});

describe('webhook secret and headers', () => {
	it('trims the pasted secret', () => {
		expect(signingSecret({ webhookSecret: ' whsec_x\r\n' })).toBe('whsec_x');
		expect(signingSecret({ webhookSecret: '\n' })).toBe('');
		expect(signingSecret({})).toBe('');
	});

	it('leaves credentials and the signature out of the headers', () => {
		expect(
			visibleHeaders({
				authorization: 'Bearer x',
				'proxy-authorization': 'Basic y',
				cookie: 'a=b',
				'x-clipmix-signature': 'sha256=00',
				'content-type': 'application/json',
				'x-clipmix-event-id': 'evt_1',
			}),
		).toEqual({ 'content-type': 'application/json', 'x-clipmix-event-id': 'evt_1' });
	});
});
