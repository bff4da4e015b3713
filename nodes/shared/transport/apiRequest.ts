import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { clock } from '../clock';
import { canceledError } from '../errors';
import type { ErrorBody } from './errorBody';
import { readErrorBody } from './errorBody';
import type { RequestBudget } from './requestBudget';

export type ApiContext = IExecuteFunctions | ILoadOptionsFunctions | IPollFunctions;

export interface ApiResponse<T = IDataObject> {
	body: T;
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
}

/**
 * When a request may be sent again:
 * - `safe`: reading (GET) or a POST the server de-duplicates by Idempotency-Key;
 *   re-sent after a 429, a 5xx or no answer at all.
 * - `once`: a POST that may spend credits and that the server cannot de-duplicate.
 *   Re-sent only after a 429, which means the server refused it unprocessed.
 */
export type RetryPolicy = 'safe' | 'once';

export interface ApiRequest {
	method: IHttpRequestMethods;
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	headers?: IDataObject;
	itemIndex?: number;
	retry?: RetryPolicy;
	/** How long to keep retrying after 429s before giving up; pollers use their poll interval. */
	maxRateLimitWaitMs?: number;
}

export interface ErrorText {
	message: string;
	description?: string;
}

/** What differs between the APIs; everything else about sending a request is shared. */
export interface ApiDefinition {
	label: string;
	credentialType: string;
	defaultBaseUrl: string;
	/** The pacing budget for these credentials, if the API has a documented rate limit. */
	budget?: (credentials: IDataObject, baseUrl: string) => RequestBudget;
	/** Words a no-code user understands for an HTTP error from this API, from what its body said. */
	describeError: (statusCode: number, said: ErrorBody, request: ApiRequest, retryAfterMs?: number) => ErrorText;
	/** A 429 that waiting a few minutes will not clear (e.g. an IP block), so it is not retried. */
	isLongRefusal?: (said: ErrorBody) => boolean;
	/** Checked before any request, e.g. the key's prefix. */
	checkCredentials?: (credentials: IDataObject) => ErrorText | undefined;
}

const REQUEST_TIMEOUT_MS = 60_000;
const MAX_SERVER_ERROR_RETRIES = 3;
const MAX_NO_ANSWER_RETRIES = 3;
const MAX_RATE_LIMIT_WAIT_MS = 3 * 60_000;

export function baseUrlOf(credentials: IDataObject, api: ApiDefinition): string {
	const configured = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (configured || api.defaultBaseUrl).replace(/\/+$/, '');
}

function cancelSignalOf(ctx: ApiContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

function headerNumber(headers: ApiResponse['headers'], name: string): number | undefined {
	const raw = headers[name];
	const value = Number(Array.isArray(raw) ? raw[0] : raw);
	return raw === undefined || Number.isNaN(value) ? undefined : value;
}

/** Retry-After in ms, from seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(headers: ApiResponse['headers']): number | undefined {
	const raw = headers['retry-after'];
	const value = Array.isArray(raw) ? raw[0] : raw;
	if (!value) return undefined;
	const seconds = Number(value);
	const ms = Number.isNaN(seconds) ? Date.parse(value) - Date.now() : seconds * 1000;
	return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * An error after which nobody knows whether a create that may spend credits took place (no
 * answer, or a 5xx): `context.unconfirmed` lets the caller look for what it may have made.
 */
export function isUnconfirmedCreate(error: unknown): error is NodeApiError {
	return error instanceof NodeApiError && error.context.unconfirmed === true;
}

/**
 * A create sent with an Idempotency-Key that never got a clear answer may have been made: the
 * key is what finds it again, without paying twice, so the error names it.
 */
function withReplayHint(error: NodeApiError, request: ApiRequest): NodeApiError {
	const key = request.headers?.['Idempotency-Key'];
	if (request.method !== 'POST' || typeof key !== 'string') return error;
	error.description = `${error.description ?? ''} The create may have been made anyway: sent again with the same Idempotency-Key within 24 hours (${key}: put it under Options → Idempotency Key), it returns that job without a second charge.`.trim();
	return error;
}

function asObject(body: unknown): IDataObject {
	if (body && typeof body === 'object' && !Array.isArray(body)) return body as IDataObject;
	if (typeof body === 'string' && body.length > 0) return { message: body };
	return {};
}

/**
 * The one way the package talks to an API: paced, authenticated by n8n, retried only where
 * that cannot cost credits twice, and failing with a NodeApiError that names the item.
 */
export async function apiRequest<T = IDataObject>(
	ctx: ApiContext,
	api: ApiDefinition,
	request: ApiRequest,
): Promise<ApiResponse<T>> {
	const node = ctx.getNode();
	const {
		itemIndex,
		retry = request.method === 'GET' ? 'safe' : 'once',
		maxRateLimitWaitMs = MAX_RATE_LIMIT_WAIT_MS,
	} = request;
	const credentials = await ctx.getCredentials(api.credentialType, itemIndex ?? 0);
	const credentialProblem = api.checkCredentials?.(credentials);
	if (credentialProblem) {
		throw new NodeApiError(node, {}, { ...credentialProblem, itemIndex, httpCode: '401' });
	}
	const baseUrl = baseUrlOf(credentials, api);
	const budget = api.budget?.(credentials, baseUrl);
	const signal = cancelSignalOf(ctx);

	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${baseUrl}${request.path}`,
		qs: request.qs,
		body: request.body,
		headers: request.headers,
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: REQUEST_TIMEOUT_MS,
		// The key belongs to the API's own host only, even if it redirects elsewhere.
		sendCredentialsOnCrossOriginRedirect: false,
	};

	let rateLimitedSince: number | undefined;
	let serverErrors = 0;
	let noAnswers = 0;
	for (let attempt = 0; ; attempt++) {
		const answered = budget ? await budget.acquire(signal) : undefined;
		let response: ApiResponse;
		try {
			response = (await ctx.helpers.httpRequestWithAuthentication.call(
				ctx,
				api.credentialType,
				options,
			)) as ApiResponse;
		} catch (error) {
			answered?.();
			if (signal?.aborted) throw canceledError(node, itemIndex);
			// No HTTP answer at all: the request may or may not have reached the server.
			if (retry === 'safe' && noAnswers++ < MAX_NO_ANSWER_RETRIES) {
				await clock.sleep(1000 * 2 ** noAnswers, signal);
				continue;
			}
			// n8n already wrapped it in a NodeApiError, which would ignore our wording: pass the cause.
			const noAnswer = new NodeApiError(node, { message: (error as Error).message }, {
				itemIndex,
				message: `No answer from ${api.label}`,
				description:
					retry === 'safe'
						? `${api.label} did not answer after ${noAnswers} attempts (${(error as Error).message}). Check the Base URL in the credential and try again later.`
						: `${api.label} did not answer (${(error as Error).message}). The request was not sent again, because it may already have been processed and a second one could spend credits twice. Check your ${api.label} account before running this item again.`,
			});
			noAnswer.context.unconfirmed = retry === 'once';
			throw withReplayHint(noAnswer, request);
		}
		// A 429 was refused unprocessed: the server did not count it against the key.
		answered?.(response.statusCode === 429 ? 'refused' : 'answered');
		response.body = asObject(response.body);

		budget?.observe(
			headerNumber(response.headers, 'x-ratelimit-limit'),
			headerNumber(response.headers, 'x-ratelimit-remaining'),
		);

		const { statusCode } = response;
		if (statusCode < 300) return response as ApiResponse<T>;

		const said = readErrorBody(response.body);
		const waitHint = retryAfterMs(response.headers);
		// A 429 means the request was refused unprocessed, so re-sending it is always safe.
		if (statusCode === 429 && !api.isLongRefusal?.(said)) {
			budget?.refused();
			rateLimitedSince ??= clock.now();
			const backOff = Math.max(waitHint ?? 0, Math.min((budget?.spacingMs ?? 1000) * 2 ** Math.min(attempt, 6), 60_000));
			if (clock.now() + backOff - rateLimitedSince <= maxRateLimitWaitMs) {
				await clock.sleep(backOff, signal);
				continue;
			}
		} else if (statusCode >= 500 && retry === 'safe' && serverErrors++ < MAX_SERVER_ERROR_RETRIES) {
			await clock.sleep(1000 * 2 ** serverErrors, signal);
			continue;
		}

		const failure = new NodeApiError(node, response.body as JsonObject, {
			...api.describeError(statusCode, said, request, waitHint),
			itemIndex,
			httpCode: String(statusCode),
		});
		failure.context.unconfirmed = statusCode >= 500 && retry === 'once';
		throw statusCode >= 500 ? withReplayHint(failure, request) : failure;
	}
}
