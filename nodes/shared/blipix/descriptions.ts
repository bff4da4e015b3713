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

