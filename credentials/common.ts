import type { IAuthenticateGeneric, INodeProperties } from 'n8n-workflow';

/** Both APIs take their key as a Bearer token. */
export const bearerAuthentication: IAuthenticateGeneric = {
	type: 'generic',
	properties: {
		headers: {
			Authorization: '=Bearer {{ String($credentials.apiKey).trim() }}',
		},
	},
};

/** The API's address, editable so a proxy or the local simulator can stand in. */
export function baseUrlProperty(defaultUrl: string, api: string): INodeProperties {
	return {
		displayName: 'Base URL',
		name: 'baseUrl',
		type: 'string',
		default: defaultUrl,
		description: `Leave as is for the real ${api} API. Change it only to use a proxy or the local simulator.`,
	};
}
