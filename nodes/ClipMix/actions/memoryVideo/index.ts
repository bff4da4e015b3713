import type { INodeProperties } from 'n8n-workflow';

import { optionalText, requireOneOf, urlListParameter, urlParameter } from '../../../shared/validation';
import { serviceResource } from '../serviceResource';

// INFERRED: the family-videos endpoint and its four modes are named in the launch post; the fields are not.
const MODES = ['moment', 'story', 'album', 'chronicle'];

const fields: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		options: [
			{ name: 'Album', value: 'album', description: 'Many photos as a flowing album' },
			{ name: 'Chronicle', value: 'chronicle', description: 'A long story across many photos' },
			{ name: 'Moment', value: 'moment', description: 'One short cinematic moment' },
			{ name: 'Story', value: 'story', description: 'A short story across a few photos' },
		],
		default: 'moment',
	},
	{
		displayName: 'Photo URLs',
		name: 'photoUrls',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'https://example.com/photo-1.jpg\nhttps://example.com/photo-2.jpg',
		description: 'Public links to the photos, one per line (or an array by expression)',
	},
	{
		displayName: 'Song URL',
		name: 'songUrl',
		type: 'string',
		default: '',
		description: 'Optional: a public link to the song to use',
	},
	{
		displayName: 'Music Prompt',
		name: 'musicPrompt',
		type: 'string',
		default: '',
		description: 'Optional: describe music for ClipMix to generate instead of a song URL',
	},
	{
		displayName: 'Title',
		name: 'title',
		type: 'string',
		default: '',
	},
];

export const { description, operations } = serviceResource({
	service: 'memoryVideo',
	fields,
	read: (ctx, itemIndex) => ({
		mode: requireOneOf(ctx, ctx.getNodeParameter('mode', itemIndex), MODES, 'Mode', itemIndex),
		photoUrls: urlListParameter(ctx, 'photoUrls', 'Photo URLs', itemIndex),
		songUrl: urlParameter(ctx, 'songUrl', 'Song URL', itemIndex, false),
		musicPrompt: optionalText(ctx, 'musicPrompt', itemIndex),
		title: optionalText(ctx, 'title', itemIndex),
	}),
});
