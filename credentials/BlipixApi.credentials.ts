import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

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
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://app.blipix.pro/api/v1',
			description:
				'Leave as is for the real Blipix API. Change it only to use a proxy or the local simulator.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/me',
			method: 'GET',
		},
	};
}
