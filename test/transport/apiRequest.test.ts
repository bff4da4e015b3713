/**
 * The transport on its own, against a scripted server: which requests it sends again and after how long,
 * what it reads from Retry-After and X-RateLimit headers, and the words and flags of the error it fails
 * with. API time is the package's clock, which here moves only when the transport waits: every wait is
 * recorded exactly, and nothing waits in real time.
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { WaitCancelledError, clock } from '../../nodes/shared/clock';
import type { ApiContext, ApiDefinition, ApiRequest, ErrorText } from '../../nodes/shared/transport/apiRequest';
import { apiRequest, isUnconfirmedCreate } from '../../nodes/shared/transport/apiRequest';
import type { ErrorBody } from '../../nodes/shared/transport/errorBody';
import type { RequestBudget } from '../../nodes/shared/transport/requestBudget';

/** An HTTP answer, or an Error for a request that got none. */
type Answer = { statusCode: number; headers?: Record<string, string | string[]>; body?: unknown } | Error;

const DEFAULT_BASE_URL = 'https://api.test/v1';
/** Scripted answers run out (a mutant looping for ever) after this many requests: the test then fails. */
const MAX_REQUESTS = 100;

let apiNow = 0;
let waits: number[] = [];

beforeEach(() => {
	apiNow = 0;
	waits = [];
	jest.spyOn(clock, 'now').mockImplementation(() => apiNow);
	jest.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) throw new WaitCancelledError();
		waits.push(ms);
		apiNow += ms;
	});
});

afterEach(() => jest.restoreAllMocks());

interface Script {
	/** Answered in turn; the last one for ever. */
	answers: Answer[];
	credentials?: IDataObject;
	api?: Partial<ApiDefinition>;
	/** Called as each request goes out, before it is answered. */
	onSend?: (sent: number) => void;
	signal?: AbortSignal;
}

/** A fake execution context and API whose server answers as scripted, recording what was sent and what was described. */
function scripted({ answers, credentials = { apiKey: 'key' }, api = {}, onSend, signal }: Script) {
	const sent: IHttpRequestOptions[] = [];
	const credentialItems: unknown[] = [];
	const described: Array<{ statusCode: number; said: ErrorBody; retryAfterMs?: number }> = [];
	const ctx = {
		getNode: () => ({ id: 'test', name: 'Test', type: 'test', typeVersion: 1, position: [0, 0], parameters: {} }),
		getCredentials: async (_type: string, itemIndex?: number) => {
			credentialItems.push(itemIndex);
			return credentials;
		},
		getExecutionCancelSignal: () => signal,
		helpers: {
			async httpRequestWithAuthentication(_credentialType: string, options: IHttpRequestOptions) {
				sent.push(options);
				if (sent.length > MAX_REQUESTS) throw new Error('the script ran out');
				onSend?.(sent.length);
				const answer = answers[Math.min(sent.length, answers.length) - 1];
				if (answer instanceof Error) throw answer;
				return { headers: {}, body: {}, ...answer };
			},
		},
	} as unknown as ApiContext;
	const definition: ApiDefinition = {
		label: 'Test',
		credentialType: 'testApi',
		defaultBaseUrl: DEFAULT_BASE_URL,
		describeError: (statusCode, said, _request, retryAfterMs): ErrorText => {
			described.push({ statusCode, said, retryAfterMs });
			return { message: `HTTP ${statusCode}`, description: `Described ${statusCode}.` };
		},
		...api,
	};
	const send = async (request: ApiRequest) => await apiRequest(ctx, definition, request);
	const failure = async (request: ApiRequest) => {
		const error = await send(request).then(
			() => undefined,
			(thrown: unknown) => thrown,
		);
		if (!(error instanceof NodeApiError || error instanceof NodeOperationError)) throw new Error(`expected a node error, got ${String(error)}`);
		return error;
	};
	return { send, failure, sent, described, credentialItems };
}

const GET: ApiRequest = { method: 'GET', path: '/things/1', itemIndex: 2 };
const CREATE: ApiRequest = { method: 'POST', path: '/things', body: { name: 'x' }, headers: { 'Idempotency-Key': 'key-42' }, itemIndex: 2 };
const ok: Answer = { statusCode: 200, body: { id: 'thing-1' } };
const status = (statusCode: number, headers: Record<string, string> = {}): Answer => ({ statusCode, headers, body: {} });

describe('where requests go', () => {
	it.each([
		['no Base URL', {}, `${DEFAULT_BASE_URL}/things/1`],
		['a blank Base URL', { baseUrl: '  ' }, `${DEFAULT_BASE_URL}/things/1`],
		['its own Base URL, without trailing slashes', { baseUrl: ' https://eu.api.test/v2// ' }, 'https://eu.api.test/v2/things/1'],
	])('a credential with %s', async (_, credentials, url) => {
		const { send, sent } = scripted({ answers: [ok], credentials: { apiKey: 'key', ...credentials } });
		await send(GET);
		expect(sent.map((options) => options.url)).toEqual([url]);
	});

	it('reads the credential for the request’s item (item 0 when it names none)', async () => {
		const { send, credentialItems } = scripted({ answers: [ok] });
		await send(GET);
		await send({ method: 'GET', path: '/things' });
		expect(credentialItems).toEqual([2, 0]);
	});

	it('asks n8n for JSON and the whole response, keeps every status for itself, and never sends the key to another origin', async () => {
		const { send, sent } = scripted({ answers: [ok] });
		await send(CREATE);
		expect(sent[0]).toMatchObject({ json: true, returnFullResponse: true, ignoreHttpStatusErrors: true, sendCredentialsOnCrossOriginRedirect: false });
	});

	it('a credential the API refuses to use fails as a 401 naming the item, before any request', async () => {
		const { failure, sent } = scripted({
			answers: [ok],
			api: { checkCredentials: () => ({ message: 'Not a key', description: 'Keys start with k_.' }) },
		});
		const error = await failure(GET);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toMatchObject({ message: 'Not a key', description: 'Keys start with k_.', httpCode: '401', context: { itemIndex: 2 } });
		expect(sent).toHaveLength(0);
	});
});

describe('what a response body becomes', () => {
	it('an empty text body of a success is an empty object', async () => {
		const { send } = scripted({ answers: [{ statusCode: 200, body: '' }] });
		expect((await send(GET)).body).toEqual({});
	});

	it('a text error body (a proxy’s error page) is what the server said', async () => {
		const { failure, described } = scripted({ answers: [{ statusCode: 502, body: 'Bad gateway' }] });
		await failure({ ...GET, retry: 'once' });
		expect(described.map((entry) => entry.said.message)).toEqual(['Bad gateway']);
	});
});

describe('429: refused unprocessed, so always sent again', () => {
	it('backs off from one second, doubling up to a minute, for three minutes; then fails in the API’s words', async () => {
		const { failure, sent } = scripted({ answers: [status(429)] });
		const error = await failure(CREATE);
		expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
		expect(sent).toHaveLength(8);
		expect(error).toMatchObject({ message: 'HTTP 429', httpCode: '429' });
		expect(isUnconfirmedCreate(error)).toBe(false);
	});

	it('sends again while the next wait still ends within the limit, counted from the first 429', async () => {
		const { send, sent } = scripted({ answers: [status(429), status(429), status(429), ok] });
		// 1 s, then 2 s: ends exactly at the limit, so allowed; then 4 s: past it.
		await expect(send({ ...GET, maxRateLimitWaitMs: 3000 })).rejects.toThrow('HTTP 429');
		expect(waits).toEqual([1000, 2000]);
		expect(sent).toHaveLength(3);
	});

	it('succeeds once the server lets it through', async () => {
		const { send, sent } = scripted({ answers: [status(429), status(429), ok] });
		expect((await send(CREATE)).body).toEqual({ id: 'thing-1' });
		expect(sent).toHaveLength(3);
	});

	it('waits as long as Retry-After says when that is longer than its own back-off', async () => {
		const { send } = scripted({ answers: [status(429, { 'retry-after': '30' }), ok] });
		await send(GET);
		expect(waits).toEqual([30_000]);
	});

	it('keeps its own back-off when Retry-After is unreadable', async () => {
		const { send } = scripted({ answers: [status(429, { 'retry-after': 'soon' }), ok] });
		await send(GET);
		expect(waits).toEqual([1000]);
	});
});

describe('Retry-After, handed to the API’s error wording', () => {
	// A whole second, so an HTTP date (whole seconds) names an exact wait.
	const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
	const httpDate = (offsetMs: number) => new Date(NOW + offsetMs).toUTCString();

	it.each([
		['seconds', '30', 30_000],
		['an HTTP date', httpDate(120_000), 120_000],
		['a list, first value', ['45', '90'], 45_000],
		['absent', undefined, undefined],
		['unreadable', 'soon', undefined],
		['zero seconds', '0', undefined],
		['an HTTP date already past', httpDate(-5000), undefined],
		['negative seconds', '-5', undefined],
	])('%s', async (_, header, expected) => {
		jest.spyOn(Date, 'now').mockReturnValue(NOW);
		const headers: Record<string, string | string[]> = header === undefined ? {} : { 'retry-after': header };
		const { failure, described } = scripted({ answers: [{ statusCode: 503, headers }] });
		await failure(CREATE);
		expect(described).toEqual([expect.objectContaining({ statusCode: 503, retryAfterMs: expected })]);
	});
});

describe('5xx: sent again only when that cannot spend credits twice', () => {
	it('a read is sent again three times, two, four then eight seconds apart', async () => {
		const { failure, sent } = scripted({ answers: [status(503)] });
		const error = await failure(GET);
		expect(waits).toEqual([2000, 4000, 8000]);
		expect(sent).toHaveLength(4);
		expect(error).toMatchObject({ message: 'HTTP 503', description: 'Described 503.', httpCode: '503' });
		expect(isUnconfirmedCreate(error)).toBe(false);
	});

	it.each([500, 503])('a create that got %i is not sent again, and may have been made', async (code) => {
		const { failure, sent } = scripted({ answers: [status(code)] });
		const error = await failure(CREATE);
		expect(sent).toHaveLength(1);
		expect(isUnconfirmedCreate(error)).toBe(true);
	});

	it.each([400, 404, 499])('a create refused with %i was not made', async (code) => {
		const { failure } = scripted({ answers: [status(code)] });
		expect(isUnconfirmedCreate(await failure(CREATE))).toBe(false);
	});
});

describe('no answer at all', () => {
	const lost = new Error('socket hang up');

	it('a read is sent again three times, two, four then eight seconds apart, and the error counts the attempts', async () => {
		const { failure, sent } = scripted({ answers: [lost] });
		const error = await failure(GET);
		expect(waits).toEqual([2000, 4000, 8000]);
		expect(sent).toHaveLength(4);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error).toMatchObject({
			message: 'No answer from Test',
			description: 'Test did not answer after 4 attempts (socket hang up). Check the Base URL in the credential and try again later.',
			context: { itemIndex: 2 },
		});
		// The cause's own words stay with the error, for the execution log.
		expect((error as NodeApiError).messages).toContain('socket hang up');
		expect(isUnconfirmedCreate(error)).toBe(false);
	});

	it('a create is not sent again, may have been made, and the error says why', async () => {
		const { failure, sent } = scripted({ answers: [lost] });
		const error = await failure({ ...CREATE, headers: undefined });
		expect(sent).toHaveLength(1);
		expect(waits).toEqual([]);
		expect(error).toMatchObject({
			message: 'No answer from Test',
			description:
				'Test did not answer (socket hang up). The request was not sent again, because it may already have been processed and a second one could spend credits twice. Check your Test account before running this item again.',
			context: { itemIndex: 2 },
		});
		expect(isUnconfirmedCreate(error)).toBe(true);
	});

	it('after the execution was cancelled, fails as cancelled, not as lost', async () => {
		const controller = new AbortController();
		const { failure, sent } = scripted({ answers: [lost], signal: controller.signal, onSend: () => controller.abort() });
		const error = await failure(CREATE);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('The execution was canceled');
		expect(sent).toHaveLength(1);
	});
});

describe('a create that may have been made names its Idempotency-Key', () => {
	const HINT = 'The create may have been made anyway: sent again with the same Idempotency-Key within 24 hours (key-42: put it under Options → Idempotency Key), it returns that job without a second charge.';
	const lost = new Error('socket hang up');

	it.each([
		['a create with a key, 500', CREATE, status(500), `Described 500. ${HINT}`],
		['a create with a key, no answer', CREATE, lost, expect.stringMatching(/^Test did not answer \(socket hang up\)\. .* account before running this item again\. The create may have been made anyway: .*\(key-42: /)],
		['a create without a key, 500', { ...CREATE, headers: undefined }, status(500), 'Described 500.'],
		['a create refused with 400', CREATE, status(400), 'Described 400.'],
		['a read carrying a key, 503', { ...CREATE, method: 'GET' as const }, status(503), 'Described 503.'],
	])('%s', async (_, request, answer, description) => {
		const { failure } = scripted({ answers: [answer] });
		expect((await failure(request)).description).toEqual(description);
	});

	it('starts with the hint when the API had nothing to describe', async () => {
		const { failure } = scripted({ answers: [status(500)], api: { describeError: () => ({ message: 'Server error' }) } });
		expect((await failure(CREATE)).description).toBe(HINT);
	});
});

describe('what the pacing budget hears', () => {
	it('whether each request counted: a 429 was refused unprocessed, any other answer was not', async () => {
		const heard: unknown[] = [];
		const budget = {
			acquire: async () => (outcome?: string) => heard.push(outcome),
			observe: () => undefined,
			refused: () => undefined,
			spacingMs: 1000,
		} as unknown as RequestBudget;
		const { send } = scripted({ answers: [status(429, { 'retry-after': '1' }), status(503), ok], api: { budget: () => budget } });
		await send(GET);
		expect(heard).toEqual(['refused', 'answered', 'answered']);
	});


	it.each([
		['numbers', { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '12' }, [60, 12]],
		['lists, first value', { 'x-ratelimit-limit': ['60', '30'], 'x-ratelimit-remaining': ['0'] }, [60, 0]],
		['unreadable headers as unknown', { 'x-ratelimit-limit': 'many', 'x-ratelimit-remaining': 'some' }, [undefined, undefined]],
		['absent headers as unknown', {}, [undefined, undefined]],
	])('%s', async (_, headers, expected) => {
		const observed: unknown[][] = [];
		const budget = {
			acquire: async () => () => undefined,
			observe: (...args: unknown[]) => observed.push(args),
			refused: () => undefined,
			spacingMs: 1000,
		} as unknown as RequestBudget;
		const { send } = scripted({ answers: [{ statusCode: 200, headers, body: {} }], api: { budget: () => budget } });
		await send(GET);
		expect(observed).toEqual([expected]);
	});
});

describe('what counts as success', () => {
	it.each([
		[200, true],
		[299, true],
		[300, false],
		[304, false],
	])('HTTP %i is a success: %s', async (statusCode, success) => {
		const { send, described } = scripted({ answers: [status(statusCode)] });
		const outcome = await send(GET).then(
			() => true,
			() => false,
		);
		expect(outcome).toBe(success);
		expect(described.map((each) => each.statusCode)).toEqual(success ? [] : [statusCode]);
	});
});
