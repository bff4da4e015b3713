import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { BlipixVoice } from '../../../shared/blipix/types';
import { filtersProperty } from '../../../shared/descriptions';
import { blipixRequest } from '../../../shared/blipix/transport';

const properties: INodeProperties[] = [
	filtersProperty([
		{
			displayName: 'Gender',
			name: 'gender',
			type: 'options',
			options: [
				{ name: 'Female', value: 'female' },
				{ name: 'Male', value: 'male' },
			],
			default: 'female',
		},
		{
			displayName: 'Language',
			name: 'language',
			type: 'string',
			default: '',
			placeholder: 'en',
			description: 'Only voices for this language code',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['voice'], operation: ['getAll'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const language = String(filters.language ?? '').trim().toLowerCase();
	const gender = String(filters.gender ?? '').toLowerCase();

	const { voices } = await blipixRequest<{ voices: BlipixVoice[] }>(this, {
		method: 'GET',
		path: '/voices',
		itemIndex,
	});
	return voices
		.filter((voice) => !language || voice.language.toLowerCase() === language)
		.filter((voice) => !gender || voice.gender.toLowerCase() === gender)
		.map((voice) => ({ json: voice }));
}
