import { createHmac } from 'crypto';

import {
	CLOCK_SKEW_MS,
	EVENT_TIME_FIELDS,
	JOB_TIME_FIELDS,
	checkEventTime,
	checkSignature,
	deliveryKey,
	eventTime,
	parseTime,
	readEvent,
	signingSecret,
	visibleHeaders,
	withDefaultZone,
} from '../../nodes/shared/clipmix/webhooks';

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

	it.each<[string, unknown, string | undefined]>([
		['a string', 'evt_1', 'evt_1'],
		['a number', 42, '42'],
		['blank', ' \t', undefined],
		['Infinity (1e400 in JSON)', (JSON.parse('{"id":1e400}') as { id: number }).id, undefined],
		['NaN', NaN, undefined],
		['true', true, undefined],
	])('an event id is a non-empty string or a finite number: %s', (_name, id, expected) => {
		expect(readEvent({ id: id as never, type: 'x' }).eventId).toBe(expected);
	});

	it.each<[string, Record<string, unknown>, { event: string; job: unknown }]>([
		['type and data', { type: 'job.completed', data: { id: 1 } }, { event: 'job.completed', job: { id: 1 } }],
		['event and job', { event: 'job.failed', job: { id: 2 } }, { event: 'job.failed', job: { id: 2 } }],
		['neither event type nor job', {}, { event: '', job: {} }],
		['a null job', { type: 'x', data: null }, { event: 'x', job: {} }],
		['a text job', { type: 'x', data: 'mus_1' }, { event: 'x', job: {} }],
		['a list as job', { type: 'x', data: [{ id: 1 }] }, { event: 'x', job: {} }],
	])('the event type is a string and the job an object, else empty: %s', (_name, payload, expected) => {
		expect(readEvent(payload as never)).toEqual(expected);
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
		['ISO without a zone, with blanks around', ' 2026-12-01T11:00:00\n', NOW - HOUR],
		['epoch seconds as digits with a fraction', `${(NOW - HOUR) / 1000}.25`, NOW - HOUR + 250],
		['epoch seconds as digits with blanks around', ` ${(NOW - HOUR) / 1000}\n`, NOW - HOUR],
		['the last epoch second, 1e11 - 1', 1e11 - 1, (1e11 - 1) * 1000],
		['1e11, the first number read as ms (1973)', 1e11, 1e11],
		['a date without a four-digit year', '12/1/26', undefined],
		['garbage', 'yesterday', undefined],
		['zero', 0, undefined],
		['an object', { at: 1 }, undefined],
		['empty', '', undefined],
	])('parses %s', (_name, value, expected) => {
		expect(parseTime(value)).toBe(expected);
	});

	it.each([
		['2026-12-01 11:00', '2026-12-01T11:00Z'],
		['2026-12-01T11:00:00', '2026-12-01T11:00:00Z'],
		['2026-12-01 11:00:00.123456', '2026-12-01T11:00:00.123456Z'],
		['2026-12-01T11:00:00Z', '2026-12-01T11:00:00Z'],
		['2026-12-01T11:00:00+01:00', '2026-12-01T11:00:00+01:00'],
		['Tue 2026-12-01 11:00', 'Tue 2026-12-01 11:00'],
		['12026-12-01T11:00', '12026-12-01T11:00'],
		['2026-12-01T11:00:0', '2026-12-01T11:00:0'],
		['2026-12-01T11:00:00.', '2026-12-01T11:00:00.'],
		['2026-12-01', '2026-12-01'],
	])('an ISO date-time without a zone is read as UTC, whatever the server\'s zone: %s', (text, parsed) => {
		expect(withDefaultZone(text)).toBe(parsed);
	});

	it.each([...EVENT_TIME_FIELDS.map((field) => ({ [field]: '2026-12-01T11:00:00Z' })), ...JOB_TIME_FIELDS.map((field) => ({ data: { [field]: '2026-12-01T11:00:00Z' } }))])(
		'is found in any one of its fields: %j',
		(payload) => {
			expect(eventTime(payload as never, ((payload as { data?: object }).data ?? {}) as never)).toBe(NOW - HOUR);
		},
	);

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
		expect(checkEventTime(NOW + 5 * MIN, NOW, limits)).toBeUndefined();
		expect(checkEventTime(NOW + 5 * MIN + 1, NOW, limits)).toBe('future');
		const full = { ...limits, forgottenThrough: NOW - 2 * HOUR };
		expect(checkEventTime(NOW - 2 * HOUR, NOW, full)).toBe('forgotten');
		expect(checkEventTime(NOW - 2 * HOUR + 1, NOW, full)).toBeUndefined();
	});

	it('the trigger allows an event signed up to 5 minutes ahead of this server (clock skew), not more', () => {
		const limits = { maxAgeMs: 24 * HOUR, skewMs: CLOCK_SKEW_MS, forgottenThrough: 0 };
		expect(checkEventTime(NOW + 5 * MIN, NOW, limits)).toBeUndefined();
		expect(checkEventTime(NOW + 5 * MIN + 1, NOW, limits)).toBe('future');
	});

	it('a store that forgot nothing (forgottenThrough 0) refuses no time as forgotten, not even the epoch', () => {
		expect(checkEventTime(0, HOUR, { maxAgeMs: 24 * HOUR, skewMs: 5 * MIN, forgottenThrough: 0 })).toBeUndefined();
	});
});

describe('webhook signature', () => {
	const body = Buffer.from('{"type":"job.completed"}');
	const good = `sha256=${createHmac('sha256', 'whsec_x').update(body).digest('hex')}`;
	it.each<[string, unknown, string | undefined]>([
		['no header', undefined, 'missing'],
		['an empty header', '', 'missing'],
		['a repeated header', [good, good], 'missing'],
		['no sha256= prefix', good.slice('sha256='.length), 'malformed'],
		['anything before sha256=', `t=1,${good}`, 'malformed'],
		['a short digest', good.slice(0, -2), 'malformed'],
		['another secret\'s digest', `sha256=${createHmac('sha256', 'whsec_y').update(body).digest('hex')}`, 'mismatch'],
		['the right digest in capitals', good.toUpperCase().replace('SHA256=', 'sha256='), undefined],
	])('is checked against the raw body: %s', (_name, header, expected) => {
		expect(checkSignature(body, header, 'whsec_x')).toBe(expected);
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
