import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

export const binaryPropertyProperty: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	hint: 'The name of the output binary field to put the file in',
};

export const maxFileSizeProperty: INodeProperties = {
	displayName: 'Max File Size (MB)',
	name: 'maxFileSize',
	type: 'number',
	typeOptions: { minValue: 0 },
	default: 0,
	description: 'Files larger than this are not saved, and the item says so. 0 means no limit.',
};

/** Max File Size of one item, in bytes (0: no limit). */
export function maxBytesOf(ctx: IExecuteFunctions, itemIndex: number): number {
	const megabytes = Number(ctx.getNodeParameter('maxFileSize', itemIndex, 0));
	return megabytes > 0 ? Math.round(megabytes * 1024 * 1024) : 0;
}

/** The "Filters" collection of a Get Many operation. */
export function filtersProperty(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Filters', name: 'filters', type: 'collection', placeholder: 'Add Filter', default: {}, options };
}

/** The "Options" collection of optional settings. */
export function optionsProperty(options: INodeProperties[]): INodeProperties {
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options };
}
