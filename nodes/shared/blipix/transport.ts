import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import type { ApiContext, ApiDefinition, ApiRequest, ApiResponse } from '../transport/apiRequest';
import { apiRequest, baseUrlOf } from '../transport/apiRequest';
import { withFields } from '../transport/errorBody';
import { budgetFor } from '../transport/requestBudget';
import { BLIPIX_DEFAULT_BASE_URL, BLIPIX_RATE_LIMIT, BLIPIX_RATE_WINDOW_MS } from './constants';

/**
 * The per-IP block the docs name ("20 failed auth attempts per 15 minutes"): a 429 that even a
 * good key gets, so waiting for the key's budget cannot help. Told apart from the key's rate
 * limit by its words.
 */
const IP_BLOCK = /fail\w* (auth|login|sign)|authentication attempts|\bIP\b|blocked/i;

/** Names one API key at one base URL in process-wide maps, which so never hold the key itself. */
export function keyHashOf(credentials: IDataObject, baseUrl: string): string {
	return createHash('sha256').update(`${baseUrl} ${String(credentials.apiKey).trim()}`).digest('hex');
}

export const blipixApi: ApiDefinition = {
	label: 'Blipix',
	credentialType: 'blipixApi',
	defaultBaseUrl: BLIPIX_DEFAULT_BASE_URL,

	budget: (credentials, baseUrl) => budgetFor(keyHashOf(credentials, baseUrl), BLIPIX_RATE_LIMIT, BLIPIX_RATE_WINDOW_MS),

	isLongRefusal: (said) => IP_BLOCK.test(`${said.code} ${said.message}`),

	describeError(statusCode, said, request, retryAfterMs) {
		const words = withFields(said);
		switch (true) {
			case statusCode === 400:
				return { message: `Blipix rejected the request: ${words || 'invalid input'}` };
			case statusCode === 401:
				return {
					message: 'Blipix rejected the API key',
					description:
						'Check the API key in the Blipix credential: it starts with blx_ and is shown in the Blipix app under Settings.',
				};
			case statusCode === 402 || /credit/i.test(said.message):
				return { message: `Not enough Blipix credits${words ? `: ${words}` : ''}`, description: 'Nothing was charged for this item.' };
			case statusCode === 404 && request.path.startsWith('/videos/'):
				return {
					message: `No Blipix video with ID "${decodeURIComponent(request.path.split('/')[2])}"`,
					description: 'Check the Video ID. It is the "id" returned by Video → Create.',
				};
			case statusCode === 429 && blipixApi.isLongRefusal?.(said) === true:
				return {
					message: 'Blipix is refusing requests from this machine for now: too many failed sign-ins',
					description: `Blipix blocks an IP address after 20 requests with a wrong API key in 15 minutes, whatever key it sends next. ${retryAfterMs ? `It said to wait ${Math.ceil(retryAfterMs / 60_000)} minute(s).` : 'It clears within 15 minutes.'} Fix any workflow or app on this machine that uses a wrong key, then run this again. It said: "${said.message}"`,
				};
			case statusCode === 429:
				return {
					message: 'Blipix rate limit reached',
					description:
						'Blipix allows 60 requests a minute per API key. The node paced its requests and kept retrying for 3 minutes, but the key stayed at its limit: another workflow or app is probably using the same key.',
				};
			case statusCode >= 500 && request.method === 'POST':
				return {
					message: `Blipix answered HTTP ${statusCode} to the create, and it was not sent again`,
					description: `Blipix may have made the video anyway, and a second create could pay twice. ${words ? `It said: "${words}". ` : ''}Check your Blipix account (Video → Get Many) before running this item again.`,
				};
			case statusCode >= 500:
				return {
					message: `Blipix had a server problem (HTTP ${statusCode})`,
					description: `This is on Blipix's side. ${words ? `It said: "${words}". ` : ''}Try again in a few minutes.`,
				};
			default:
				return { message: `Blipix answered HTTP ${statusCode}${words ? `: ${words}` : ''}` };
		}
	},
};

/** A paced, authenticated Blipix call; resolves to the parsed JSON body. */
export async function blipixRequest<T = IDataObject>(
	ctx: ApiContext,
	request: ApiRequest,
): Promise<T> {
	const response: ApiResponse<T> = await apiRequest<T>(ctx, blipixApi, request);
	return response.body;
}

/** The API base URL from the credential, for deciding which hosts may see the key. */
export async function blipixBaseUrl(ctx: ApiContext, itemIndex = 0): Promise<string> {
	return baseUrlOf(await ctx.getCredentials(blipixApi.credentialType, itemIndex), blipixApi);
}
