import type {
	IAuthenticateRuleResponseCode,
	IAuthenticateRuleResponseSuccessBody,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { baseUrlProperty } from './common';

const WRONG_PREFIX =
	'This is not a ClipMix API key: ClipMix keys start with sk_live_ (live, spends credits) or sk_test_ (free sandbox). Copy the key from the ClipMix dashboard, under API keys.';
const REJECTED =
	'ClipMix rejected the API key (HTTP 401). Copy it again from the ClipMix dashboard, under API keys: live keys start with sk_live_, sandbox keys with sk_test_.';
const NEEDS_PURCHASE =
	'ClipMix refused this live key (HTTP 403): ClipMix enables live keys after one credit purchase. Buy credits, or use a sandbox key (sk_test_…).';

/**
 * Statuses that fail the test on n8n 2.x, whose request helper reads `ignoreHttpStatusErrors:
 * { ignore, except }`: every 4xx and 5xx except 404 (a 404 is a good key's answer, see below).
 */
const FAILING_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i).filter((status) => status !== 404);

/**
 * n8n 1.x's request helper treats any `ignoreHttpStatusErrors` as "ignore every status", so there a
 * 401 or 403 reaches the test as a success and only its body can tell: one rule per plausible shape
 * of an error body (ClipMix documents none), matching either the HTTP status or the error's name.
 */
function bodyRules(status: number, names: string[], message: string): IAuthenticateRuleResponseSuccessBody[] {
	const byStatus = ['statusCode', 'status', 'code', 'error.status', 'error.statusCode', 'error.code'].flatMap((key) =>
		[status, String(status)].map((value) => ({ key, value })),
	);
	const byName = ['error.code', 'error.type', 'error', 'code', 'type', 'message', 'error.message', 'title', 'detail'].flatMap(
		(key) => names.map((value) => ({ key, value })),
	);
	return [...byStatus, ...byName].map(({ key, value }) => ({
		type: 'responseSuccessBody' as const,
		properties: { key, value, message },
	}));
}

export class ClipMixApi implements ICredentialType {
	name = 'clipMixApi';

	displayName = 'ClipMix API';

	icon = 'file:../icons/clipmix.svg' as const;

	documentationUrl = 'https://clipmixai.com/api/docs';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'sk_live_… or sk_test_…',
			hint: 'sk_live_ keys spend credits; sk_test_ keys are the free sandbox and return synthetic results',
			description: 'From the ClipMix dashboard, under API keys',
		},
		{
			displayName: 'Webhook Signing Secret',
			name: 'webhookSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only for the ClipMix Trigger: the secret ClipMix signs webhooks with, shown where you set the callback URL on the key',
		},
		baseUrlProperty('https://api.clipmixai.com/api/v1', 'ClipMix'),
	];

	/**
	 * `Authorization: Bearer <key>`, for a key with ClipMix's prefix only: any other is refused before a
	 * request is sent, with the words above (in the credential test, the HTTP Request node, everywhere).
	 */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const apiKey = String(credentials.apiKey).trim();
		if (!apiKey.startsWith('sk_live_') && !apiKey.startsWith('sk_test_')) throw new Error(WRONG_PREFIX);
		return { ...requestOptions, headers: { ...requestOptions.headers, Authorization: `Bearer ${apiKey}` } };
	}

	/**
	 * ClipMix documents no account endpoint, so the test reads a music job that cannot exist: a good key
	 * gets 404 (a success here), a bad key 401 and a live key without a credit purchase 403.
	 *
	 * n8n 2.x ignores only the statuses not in `except`, so 401 and 403 throw and the `responseCode`
	 * rules name them, whatever the body. n8n 1.x (through 1.123) ignores every status when
	 * `ignoreHttpStatusErrors` is set; there the `responseSuccessBody` rules read the body. Both
	 * versions' credential testers go through one `rules` list and pick the rules of the type they
	 * need, so the list holds both kinds.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/music/mus_n8n_credential_test',
			method: 'GET',
			ignoreHttpStatusErrors: { ignore: true, except: FAILING_STATUSES },
		},
		rules: [
			{ type: 'responseCode', properties: { value: 401, message: REJECTED } },
			{ type: 'responseCode', properties: { value: 403, message: NEEDS_PURCHASE } },
			...bodyRules(401, ['invalid_api_key', 'unauthorized', 'Unauthorized', 'UNAUTHENTICATED', 'authentication_error', 'invalid_token'], REJECTED),
			...bodyRules(403, ['live_key_requires_purchase', 'purchase_required', 'forbidden', 'Forbidden', 'PERMISSION_DENIED', 'permission_error'], NEEDS_PURCHASE),
		] as Array<IAuthenticateRuleResponseCode | IAuthenticateRuleResponseSuccessBody> as IAuthenticateRuleResponseCode[],
	};
}
