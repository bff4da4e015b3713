import type { IDataObject } from 'n8n-workflow';

import type { ApiContext, ApiDefinition, ApiRequest } from '../transport/apiRequest';
import { apiRequest, baseUrlOf } from '../transport/apiRequest';
import { withFields } from '../transport/errorBody';
import { CLIPMIX_SERVICES, serviceByPath } from './services';

export const CLIPMIX_DEFAULT_BASE_URL = 'https://api.clipmixai.com/api/v1';

export function isSandboxKey(apiKey: unknown): boolean {
	return String(apiKey ?? '').startsWith('sk_test_');
}

export const clipMixApi: ApiDefinition = {
	label: 'ClipMix',
	credentialType: 'clipMixApi',
	defaultBaseUrl: CLIPMIX_DEFAULT_BASE_URL,

	checkCredentials(credentials) {
		const key = String(credentials.apiKey ?? '').trim();
		if (key.startsWith('sk_live_') || key.startsWith('sk_test_')) return undefined;
		return {
			message: 'This does not look like a ClipMix API key',
			description: 'ClipMix keys start with sk_live_ (live, spends credits) or sk_test_ (free sandbox), and this one starts with neither. Copy the key from the ClipMix dashboard, under API keys.',
		};
	},

	describeError(statusCode, said, request) {
		const { code } = said;
		const words = withFields(said);
		const service = serviceByPath(request.path);
		switch (true) {
			// Only the code says a 422 is a reused key: validation errors may be 422s too.
			case code === 'idempotency_key_reuse':
				return {
					message: 'This Idempotency-Key was already used with a different request',
					description:
						`ClipMix keeps each key for 24 hours and refuses it for a different body, so nothing was created or charged. Leave "Idempotency Key" empty for an automatic key per item, or use a new one. (Key: ${String(request.headers?.['Idempotency-Key'] ?? '')})`,
				};
			case statusCode === 400 || statusCode === 422:
				return { message: `ClipMix rejected the request: ${words || 'invalid input'}` };
			case statusCode === 401:
				return {
					message: 'ClipMix rejected the API key',
					description: 'Check the key in the ClipMix credential: live keys start with sk_live_, sandbox keys with sk_test_.',
				};
			case statusCode === 402 || /credit/.test(code):
				return {
					message: `Not enough ClipMix credits${words ? `: ${words}` : ''}`,
					description: 'Nothing was charged. Top up in the ClipMix dashboard.',
				};
			case statusCode === 403 && /purchase/i.test(`${code} ${said.message}`):
				return {
					message: 'This live ClipMix key cannot be used yet',
					description: `ClipMix enables live keys after one credit purchase. Buy credits, or use a sandbox key (sk_test_…) to try things for free.${words ? ` It said: "${words}"` : ''}`,
				};
			case statusCode === 404 && request.method === 'GET' && service !== undefined:
				return {
					message: `No ClipMix ${CLIPMIX_SERVICES[service].label.toLowerCase()} job with ID "${decodeURIComponent(request.path.split('/').pop() ?? '')}"`,
					description: 'Check the Job ID and that the Service matches the one that created the job.',
				};
			case statusCode === 404:
				return {
					message: `ClipMix has no endpoint ${request.method} ${request.path}`,
					description: 'Paths other than /music are inferred from the ClipMix launch post (see the README). If ClipMix moved one, correct it in nodes/shared/clipmix/services.ts.',
				};
			case statusCode === 429:
				return { message: 'ClipMix rate limit reached', description: `The node waited and retried for 3 minutes. Try again later.${words ? ` It said: "${words}"` : ''}` };
			case statusCode >= 500:
				return {
					message: `ClipMix had a server problem (HTTP ${statusCode})`,
					description: `This is on ClipMix's side. ${words ? `It said: "${words}". ` : ''}Try again in a few minutes.`,
				};
			default:
				return { message: `ClipMix answered HTTP ${statusCode}${words ? `: ${words}` : ''}` };
		}
	},
};

export async function clipMixRequest<T = IDataObject>(ctx: ApiContext, request: ApiRequest): Promise<T> {
	return (await apiRequest<T>(ctx, clipMixApi, request)).body;
}

export async function clipMixCredentials(ctx: ApiContext, itemIndex = 0) {
	const credentials = await ctx.getCredentials(clipMixApi.credentialType, itemIndex);
	return { baseUrl: baseUrlOf(credentials, clipMixApi), sandbox: isSandboxKey(credentials.apiKey) };
}
