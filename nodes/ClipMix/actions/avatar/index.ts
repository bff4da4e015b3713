import type { INodeProperties } from 'n8n-workflow';

import { integerParameter, requireOneOf, requireText, urlParameter } from '../../../shared/validation';
import { serviceResource } from '../serviceResource';

// INFERRED: the launch post names "faceswap & avatars" and their price, not the fields.
const QUALITY_TIERS = ['fast', 'balanced', 'premium'];
const INPUTS = ['script', 'audio', 'faceswap'];

const fields: INodeProperties[] = [
	{
		displayName: 'Face Image URL',
		name: 'faceImageUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/face.jpg',
		description: 'A public link to a clear photo of the face',
	},
	{
		displayName: 'Make',
		name: 'avatarInput',
		type: 'options',
		options: [
			{ name: 'Talking Avatar From a Script', value: 'script' },
			{ name: 'Talking Avatar From Audio', value: 'audio' },
			{ name: 'Faceswap Into a Video', value: 'faceswap' },
		],
		default: 'script',
	},
	{
		displayName: 'Script',
		name: 'script',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		description: 'What the avatar says',
		displayOptions: { show: { avatarInput: ['script'] } },
	},
	{
		displayName: 'Audio URL',
		name: 'audioUrl',
		type: 'string',
		required: true,
		default: '',
		description: 'A public link to the speech the avatar lip-syncs to',
		displayOptions: { show: { avatarInput: ['audio'] } },
	},
	{
		displayName: 'Target Video URL',
		name: 'targetVideoUrl',
		type: 'string',
		required: true,
		default: '',
		description: 'A public link to the video whose face is swapped',
		displayOptions: { show: { avatarInput: ['faceswap'] } },
	},
	{
		displayName: 'Duration Seconds',
		name: 'durationSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30,
		displayOptions: { show: { avatarInput: ['script', 'audio'] } },
	},
	{
		displayName: 'Quality Tier',
		name: 'qualityTier',
		type: 'options',
		options: [
			{ name: 'Balanced', value: 'balanced', description: 'About 450 credits for 30 seconds' },
			{ name: 'Fast', value: 'fast' },
			{ name: 'Premium', value: 'premium' },
		],
		default: 'balanced',
	},
];

export const { description, operations } = serviceResource({
	service: 'avatar',
	fields,
	read(ctx, itemIndex) {
		const input = requireOneOf(ctx, ctx.getNodeParameter('avatarInput', itemIndex), INPUTS, 'Make', itemIndex);
		return {
			faceImageUrl: urlParameter(ctx, 'faceImageUrl', 'Face Image URL', itemIndex, true),
			script: input === 'script' ? requireText(ctx, 'script', 'Script', itemIndex) : undefined,
			audioUrl: input === 'audio' ? urlParameter(ctx, 'audioUrl', 'Audio URL', itemIndex, true) : undefined,
			targetVideoUrl:
				input === 'faceswap' ? urlParameter(ctx, 'targetVideoUrl', 'Target Video URL', itemIndex, true) : undefined,
			durationSeconds:
				input === 'faceswap' ? undefined : integerParameter(ctx, 'durationSeconds', 'Duration Seconds', itemIndex, 1),
			qualityTier: requireOneOf(ctx, ctx.getNodeParameter('qualityTier', itemIndex), QUALITY_TIERS, 'Quality tier', itemIndex),
		};
	},
});
