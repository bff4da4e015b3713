/**
 * Each API's errors in words: what a user reads when Blipix or ClipMix refuses a request. The
 * message and description are the user interface of a failure (they say whether credits were
 * spent and what to do next), so every branch is pinned here word for word, with and without the
 * server's own words, at the edges of each status range. Also the small rules beside them: which
 * key prefix each credential takes, which key is a sandbox key, the default base URLs, and the
 * name an API key is kept under.
 */
import type { IDataObject } from 'n8n-workflow';

import { BLIPIX_DEFAULT_BASE_URL } from '../../nodes/shared/blipix/constants';
import { blipixApi, keyHashOf } from '../../nodes/shared/blipix/transport';
import { CLIPMIX_DEFAULT_BASE_URL, clipMixApi, isSandboxKey } from '../../nodes/shared/clipmix/transport';
import type { ApiRequest, ErrorText } from '../../nodes/shared/transport/apiRequest';
import { baseUrlOf } from '../../nodes/shared/transport/apiRequest';
import type { ErrorBody } from '../../nodes/shared/transport/errorBody';

const said = (message = '', code = '', fields: string[] = []): ErrorBody => ({ message, code, fields });
const GET = (path: string, headers?: IDataObject): ApiRequest => ({ method: 'GET', path, headers });
const POST = (path: string, headers?: IDataObject): ApiRequest => ({ method: 'POST', path, headers });

/** The words an error has: message always, description only when there is one. */
const words = ({ message, description }: ErrorText) => (description === undefined ? { message } : { message, description });

describe('Blipix errors in words', () => {
	const BLOCKED = 'Too many failed authentication attempts from your IP';
	const cases: Array<[string, number, ErrorBody, ApiRequest, number | undefined, ErrorText]> = [
		['a 400 with the fields it names', 400, said('Too long', '', ['duration']), POST('/videos'), undefined, { message: 'Blipix rejected the request: Too long (field: duration)' }],
		['a 400 that says nothing', 400, said(), POST('/videos'), undefined, { message: 'Blipix rejected the request: invalid input' }],
		[
			'a 401',
			401,
			said('Unauthorized'),
			GET('/videos'),
			undefined,
			{ message: 'Blipix rejected the API key', description: 'Check the API key in the Blipix credential: it starts with blx_ and is shown in the Blipix app under Settings.' },
		],
		['a 402', 402, said('Insufficient balance'), POST('/videos'), undefined, { message: 'Not enough Blipix credits: Insufficient balance', description: 'Nothing was charged for this item.' }],
		['a 402 that says nothing', 402, said(), POST('/videos'), undefined, { message: 'Not enough Blipix credits', description: 'Nothing was charged for this item.' }],
		['a 403 about credits, in any case', 403, said('No CREDITS left'), POST('/videos'), undefined, { message: 'Not enough Blipix credits: No CREDITS left', description: 'Nothing was charged for this item.' }],
		[
			'a 404 for a video, its ID decoded',
			404,
			said('Not found'),
			GET('/videos/abc%20d'),
			undefined,
			{ message: 'No Blipix video with ID "abc d"', description: 'Check the Video ID. It is the "id" returned by Video → Create.' },
		],
		['a 404 for anything else', 404, said('Not found'), GET('/account'), undefined, { message: 'Blipix answered HTTP 404: Not found' }],
		['a 403 that names an IP (only a 429 is the sign-in block)', 403, said('Your IP is blocked'), GET('/videos'), undefined, { message: 'Blipix answered HTTP 403: Your IP is blocked' }],
		[
			'a 429 for failed sign-ins, with a wait',
			429,
			said(BLOCKED),
			GET('/videos'),
			61_000,
			{
				message: 'Blipix is refusing requests from this machine for now: too many failed sign-ins',
				description: `Blipix blocks an IP address after 20 requests with a wrong API key in 15 minutes, whatever key it sends next. It said to wait 2 minute(s). Fix any workflow or app on this machine that uses a wrong key, then run this again. It said: "${BLOCKED}"`,
			},
		],
		[
			'a 429 for failed sign-ins, without a wait',
			429,
			said(BLOCKED),
			GET('/videos'),
			undefined,
			{
				message: 'Blipix is refusing requests from this machine for now: too many failed sign-ins',
				description: `Blipix blocks an IP address after 20 requests with a wrong API key in 15 minutes, whatever key it sends next. It clears within 15 minutes. Fix any workflow or app on this machine that uses a wrong key, then run this again. It said: "${BLOCKED}"`,
			},
		],
		[
			'a 429 of the key’s rate limit',
			429,
			said('Rate limit exceeded'),
			GET('/videos'),
			5_000,
			{
				message: 'Blipix rate limit reached',
				description:
					'Blipix allows 60 requests a minute per API key. The node paced its requests and kept retrying for 3 minutes, but the key stayed at its limit: another workflow or app is probably using the same key.',
			},
		],
		[
			'a 500 to a create',
			500,
			said('Oops'),
			POST('/videos'),
			undefined,
			{
				message: 'Blipix answered HTTP 500 to the create, and it was not sent again',
				description: 'Blipix may have made the video anyway, and a second create could pay twice. It said: "Oops". Check your Blipix account (Video → Get Many) before running this item again.',
			},
		],
		[
			'a 503 to a create that says nothing',
			503,
			said(),
			POST('/videos'),
			undefined,
			{
				message: 'Blipix answered HTTP 503 to the create, and it was not sent again',
				description: 'Blipix may have made the video anyway, and a second create could pay twice. Check your Blipix account (Video → Get Many) before running this item again.',
			},
		],
		['a 500 to a read', 500, said('Oops'), GET('/videos'), undefined, { message: 'Blipix had a server problem (HTTP 500)', description: 'This is on Blipix\'s side. It said: "Oops". Try again in a few minutes.' }],
		['a 502 to a read that says nothing', 502, said(), GET('/videos'), undefined, { message: 'Blipix had a server problem (HTTP 502)', description: "This is on Blipix's side. Try again in a few minutes." }],
		['a 500 to a read of one video', 500, said(), GET('/videos/abc'), undefined, { message: 'Blipix had a server problem (HTTP 500)', description: "This is on Blipix's side. Try again in a few minutes." }],
		['a 499, below the server range, to a create', 499, said('Closed'), POST('/videos'), undefined, { message: 'Blipix answered HTTP 499: Closed' }],
		['another status that says nothing', 418, said(), GET('/videos'), undefined, { message: 'Blipix answered HTTP 418' }],
	];

	it.each(cases)('%s', (_name, status, body, request, retryAfterMs, expected) => {
		expect(words(blipixApi.describeError(status, body, request, retryAfterMs))).toEqual(expected);
	});

	it.each([
		['Too many failed auth attempts', true],
		['failed login attempts: wait', true],
		['Failure sign-in limit', true],
		['too many authentication attempts', true],
		['Your IP is blocked', true],
		['ip temporarily refused', true],
		['Rate limit exceeded', false],
		['Send a zip file', false],
		['failedauth', false],
	])('a 429 saying "%s" is an IP block (not retried): %s', (message, expected) => {
		expect(blipixApi.isLongRefusal?.(said(message))).toBe(expected);
	});

	it('an IP block may be said by the code alone', () => {
		expect(blipixApi.isLongRefusal?.(said('', 'ip_blocked'))).toBe(true);
		expect(blipixApi.isLongRefusal?.(said('', 'rate_limited'))).toBe(false);
	});

	it('names itself Blipix, and its default base URL is the documented one', () => {
		expect(blipixApi.label).toBe('Blipix');
		expect(baseUrlOf({}, blipixApi)).toBe('https://app.blipix.pro/api/v1');
		expect(BLIPIX_DEFAULT_BASE_URL).toBe('https://app.blipix.pro/api/v1');
	});

	it('keeps an API key under a hash of the key (as pasted, spaces and all) and the base URL, never the key', () => {
		const hash = keyHashOf({ apiKey: 'blx_secret' }, 'https://app.blipix.pro/api/v1');
		expect(hash).toMatch(/^[0-9a-f]{64}$/);
		expect(hash).not.toContain('blx_secret');
		expect(keyHashOf({ apiKey: '  blx_secret\n' }, 'https://app.blipix.pro/api/v1')).toBe(hash);
		expect(keyHashOf({ apiKey: 'blx_other' }, 'https://app.blipix.pro/api/v1')).not.toBe(hash);
		expect(keyHashOf({ apiKey: 'blx_secret' }, 'http://localhost:5678/api/v1')).not.toBe(hash);
		// One budget per key and base URL: the same key pasted with a space shares it.
		const budget = blipixApi.budget?.({ apiKey: 'blx_secret' }, 'https://app.blipix.pro/api/v1');
		expect(blipixApi.budget?.({ apiKey: ' blx_secret ' }, 'https://app.blipix.pro/api/v1')).toBe(budget);
		expect(blipixApi.budget?.({ apiKey: 'blx_other' }, 'https://app.blipix.pro/api/v1')).not.toBe(budget);
	});
});

describe('ClipMix errors in words', () => {
	const REUSE = 'ClipMix keeps each key for 24 hours and refuses it for a different body, so nothing was created or charged. Leave "Idempotency Key" empty for an automatic key per item, or use a new one.';
	const cases: Array<[string, number, ErrorBody, ApiRequest, ErrorText]> = [
		[
			'a reused Idempotency-Key, whatever the status',
			422,
			said('Key reused', 'idempotency_key_reuse'),
			POST('/music', { 'Idempotency-Key': 'item-key-1' }),
			{ message: 'This Idempotency-Key was already used with a different request', description: `${REUSE} (Key: item-key-1)` },
		],
		['a reused key the request did not show', 409, said('', 'idempotency_key_reuse'), POST('/music'), { message: 'This Idempotency-Key was already used with a different request', description: `${REUSE} (Key: )` }],
		['a 400 with the fields it names', 400, said('Unknown value', '', ['voice']), POST('/music'), { message: 'ClipMix rejected the request: Unknown value (field: voice)' }],
		['a 422 that says nothing', 422, said(), POST('/music'), { message: 'ClipMix rejected the request: invalid input' }],
		[
			'a 401',
			401,
			said('Invalid key'),
			GET('/music/j1'),
			{ message: 'ClipMix rejected the API key', description: 'Check the key in the ClipMix credential: live keys start with sk_live_, sandbox keys with sk_test_.' },
		],
		['a 402', 402, said('Balance too low'), POST('/music'), { message: 'Not enough ClipMix credits: Balance too low', description: 'Nothing was charged. Top up in the ClipMix dashboard.' }],
		['a 402 that says nothing', 402, said(), POST('/music'), { message: 'Not enough ClipMix credits', description: 'Nothing was charged. Top up in the ClipMix dashboard.' }],
		['a credits code on another status', 409, said('', 'insufficient_credits'), POST('/music'), { message: 'Not enough ClipMix credits', description: 'Nothing was charged. Top up in the ClipMix dashboard.' }],
		[
			'a 403 for a live key before any purchase (by its code)',
			403,
			said('', 'purchase_required'),
			POST('/music'),
			{ message: 'This live ClipMix key cannot be used yet', description: 'ClipMix enables live keys after one credit purchase. Buy credits, or use a sandbox key (sk_test_…) to try things for free.' },
		],
		[
			'a 403 for a live key before any purchase (by its words)',
			403,
			said('Make a Purchase first'),
			POST('/music'),
			{
				message: 'This live ClipMix key cannot be used yet',
				description: 'ClipMix enables live keys after one credit purchase. Buy credits, or use a sandbox key (sk_test_…) to try things for free. It said: "Make a Purchase first"',
			},
		],
		['another 403', 403, said('Forbidden'), POST('/music'), { message: 'ClipMix answered HTTP 403: Forbidden' }],
		['a 400 mentioning a purchase is still a rejected request', 400, said('purchase_id is wrong'), POST('/music'), { message: 'ClipMix rejected the request: purchase_id is wrong' }],
		['a 409 mentioning a purchase', 409, said('Purchase already in progress'), POST('/music'), { message: 'ClipMix answered HTTP 409: Purchase already in progress' }],
		[
			'a 404 for a job, its ID decoded',
			404,
			said('Not found'),
			GET('/translations/tr%2F1'),
			{ message: 'No ClipMix video translation job with ID "tr/1"', description: 'Check the Job ID and that the Service matches the one that created the job.' },
		],
		[
			'a 404 to a create',
			404,
			said('Not found'),
			POST('/music/generate'),
			{
				message: 'ClipMix has no endpoint POST /music/generate',
				description: 'Paths other than /music are inferred from the ClipMix launch post (see the README). If ClipMix moved one, correct it in nodes/shared/clipmix/services.ts.',
			},
		],
		[
			'a 404 for a path of no service',
			404,
			said(),
			GET('/voices/x'),
			{
				message: 'ClipMix has no endpoint GET /voices/x',
				description: 'Paths other than /music are inferred from the ClipMix launch post (see the README). If ClipMix moved one, correct it in nodes/shared/clipmix/services.ts.',
			},
		],
		['a 429', 429, said('Slow down'), GET('/music/j1'), { message: 'ClipMix rate limit reached', description: 'The node waited and retried for 3 minutes. Try again later. It said: "Slow down"' }],
		['a 429 that says nothing', 429, said(), GET('/music/j1'), { message: 'ClipMix rate limit reached', description: 'The node waited and retried for 3 minutes. Try again later.' }],
		['a 500', 500, said('Oops'), POST('/music'), { message: 'ClipMix had a server problem (HTTP 500)', description: 'This is on ClipMix\'s side. It said: "Oops". Try again in a few minutes.' }],
		['a 503 that says nothing', 503, said(), GET('/music/j1'), { message: 'ClipMix had a server problem (HTTP 503)', description: "This is on ClipMix's side. Try again in a few minutes." }],
		['a 499, below the server range', 499, said('Closed'), GET('/music/j1'), { message: 'ClipMix answered HTTP 499: Closed' }],
		['another status that says nothing', 418, said(), GET('/music/j1'), { message: 'ClipMix answered HTTP 418' }],
	];

	it.each(cases)('%s', (_name, status, body, request, expected) => {
		expect(words(clipMixApi.describeError(status, body, request))).toEqual(expected);
	});

	it.each([
		['sk_live_abc', true],
		['sk_test_abc', true],
		['  sk_test_abc\n', true],
		['blx_abc', false],
		['abc_sk_live_', false],
		[undefined, false],
	])('the key %j has a ClipMix prefix: %s', (apiKey, accepted) => {
		const problem = clipMixApi.checkCredentials?.({ apiKey });
		if (accepted) expect(problem).toBeUndefined();
		else {
			expect(problem).toEqual({
				message: 'This does not look like a ClipMix API key',
				description:
					'ClipMix keys start with sk_live_ (live, spends credits) or sk_test_ (free sandbox), and this one starts with neither. Copy the key from the ClipMix dashboard, under API keys.',
			});
		}
	});

	it.each([
		['sk_test_abc', true],
		['sk_live_abc', false],
		['sk_live_sk_test_', false],
		['', false],
		[undefined, false],
		[null, false],
	])('the key %j is a sandbox key: %s', (apiKey, sandbox) => {
		expect(isSandboxKey(apiKey)).toBe(sandbox);
	});

	it('names itself ClipMix, and its default base URL is the documented one', () => {
		expect(clipMixApi.label).toBe('ClipMix');
		expect(baseUrlOf({}, clipMixApi)).toBe('https://api.clipmixai.com/api/v1');
		expect(CLIPMIX_DEFAULT_BASE_URL).toBe('https://api.clipmixai.com/api/v1');
	});
});
