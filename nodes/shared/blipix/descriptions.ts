import type { INodeProperties } from 'n8n-workflow';

export const videoIdProperty: INodeProperties = {
	displayName: 'Video ID',
	name: 'videoId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'abc123',
	description: 'The ID that Video → Create returned',
};


/** The "Filters" collection of a Get Many operation. */
export function filtersProperty(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options,
	};
}
