import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import type { ApiContext, ApiDefinition, ApiRequest, ApiResponse } from '../transport/apiRequest';
import { apiRequest, baseUrlOf } from '../transport/apiRequest';
import { budgetFor } from '../transport/requestBudget';
import { BLIPIX_DEFAULT_BASE_URL, BLIPIX_RATE_LIMIT, BLIPIX_RATE_WINDOW_MS } from './constants';

function apiMessage(body: IDataObject): string {
	const text = body.error ?? body.message;
	return typeof text === 'string' ? text : '';
}

export const blipixApi: ApiDefinition = {
	label: 'Blipix',
	credentialType: 'blipixApi',
	defaultBaseUrl: BLIPIX_DEFAULT_BASE_URL,

	budget(credentials, baseUrl) {
		// Keyed by a hash, so the map never holds the key itself.
		const key = createHash('sha256').update(`${baseUrl} ${String(credentials.apiKey)}`).digest('hex');
		return budgetFor(key, BLIPIX_RATE_LIMIT, BLIPIX_RATE_WINDOW_MS);
	},

	describeError(statusCode, body, request) {
		const said = apiMessage(body);
		switch (true) {
			case statusCode === 400:
				return { message: `Blipix rejected the request: ${said || 'invalid input'}` };
			case statusCode === 401:
				return {
					message: 'Blipix rejected the API key',
					description:
						'Check the API key in the Blipix credential: it starts with blx_ and is shown in the Blipix app under Settings.',
				};
			case statusCode === 402 || /credit/i.test(said):
				return { message: `Not enough Blipix credits: ${said}` };
			case statusCode === 404 && request.path.startsWith('/videos/'):
				return {
					message: `No Blipix video with ID "${decodeURIComponent(request.path.split('/')[2])}"`,
					description: 'Check the Video ID. It is the "id" returned by Video → Create.',
				};
			case statusCode === 429:
				return {
					message: 'Blipix rate limit reached',
					description:
						'Blipix allows 60 requests a minute per API key. The node paced its requests and kept retrying for 3 minutes, but the key stayed at its limit: another workflow or app is probably using the same key.',
				};
			case statusCode >= 500:
				return {
					message: `Blipix had a server problem (HTTP ${statusCode})`,
					description: `This is on Blipix's side. ${said ? `It said: "${said}". ` : ''}Try again in a few minutes.`,
				};
			default:
				return { message: `Blipix answered HTTP ${statusCode}${said ? `: ${said}` : ''}` };
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
