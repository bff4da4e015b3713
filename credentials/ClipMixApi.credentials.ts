import type {
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { baseUrlProperty, bearerAuthentication } from './common';

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

	authenticate = bearerAuthentication;

	// ClipMix documents no account endpoint, so the test reads a music job that cannot exist:
	// a good key gets 404 (accepted below), a bad key 401 and a live key without a purchase 403.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/music/mus_n8n_credential_test',
			method: 'GET',
			ignoreHttpStatusErrors: { ignore: true, except: [401, 403] },
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error.code',
					value: 'invalid_api_key',
					message: 'ClipMix rejected the API key. Live keys start with sk_live_, sandbox keys with sk_test_.',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error.code',
					value: 'live_key_requires_purchase',
					message: 'ClipMix enables live keys after one credit purchase. Buy credits, or use a sandbox key (sk_test_…).',
				},
			},
		],
	};
}
