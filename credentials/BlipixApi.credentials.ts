import type {
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { baseUrlProperty, bearerAuthentication } from './common';

export class BlipixApi implements ICredentialType {
	name = 'blipixApi';

	displayName = 'Blipix API';

	icon = 'file:../icons/blipix.svg' as const;

	documentationUrl = 'https://app.blipix.pro/docs';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'blx_…',
			description: 'Your Blipix API key, from Settings in the Blipix app',
		},
		baseUrlProperty('https://app.blipix.pro/api/v1', 'Blipix'),
	];

	authenticate = bearerAuthentication;

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/me',
			method: 'GET',
		},
	};
}
