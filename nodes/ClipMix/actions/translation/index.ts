import type { INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { requireOneOf, urlParameter } from '../../../shared/validation';
import { serviceResource } from '../serviceResource';

// INFERRED: the launch post describes the service, not its fields (see services.ts).
const LANGUAGES: Record<string, string> = {
	ar: 'Arabic',
	de: 'German',
	en: 'English',
	es: 'Spanish',
	fr: 'French',
	hi: 'Hindi',
	id: 'Indonesian',
	it: 'Italian',
	ja: 'Japanese',
	ko: 'Korean',
	nl: 'Dutch',
	pl: 'Polish',
	pt: 'Portuguese',
	ru: 'Russian',
	sv: 'Swedish',
	th: 'Thai',
	tr: 'Turkish',
	uk: 'Ukrainian',
	vi: 'Vietnamese',
	zh: 'Chinese',
};
const QUALITY_TIERS = ['standard', 'premium'];

const fields: INodeProperties[] = [
	{
		displayName: 'Video URL',
		name: 'videoUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://example.com/episode-12.mp4',
		description: 'A public link to the video to dub',
	},
	{
		displayName: 'Target Languages',
		name: 'targetLanguages',
		type: 'multiOptions',
		required: true,
		options: Object.entries(LANGUAGES)
			.map(([value, name]) => ({ name, value }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		default: [],
		description: 'One dubbed version per language',
	},
	{
		displayName: 'Voice Cloning',
		name: 'voiceCloning',
		type: 'boolean',
		default: false,
		description: "Whether to keep the speaker's own voice in the dubbed versions",
	},
	{
		displayName: 'Quality Tier',
		name: 'qualityTier',
		type: 'options',
		options: [
			{ name: 'Standard', value: 'standard' },
			{ name: 'Premium', value: 'premium', description: 'About 190 credits per minute of video' },
		],
		default: 'standard',
	},
];

export const { description, operations } = serviceResource({
	service: 'translation',
	fields,
	read(ctx, itemIndex) {
		const raw = ctx.getNodeParameter('targetLanguages', itemIndex, []) as unknown;
		const targetLanguages = (Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(','))
			.map((code) => code.trim())
			.filter(Boolean);
		if (targetLanguages.length === 0) {
			throw new NodeOperationError(ctx.getNode(), 'Target Languages is empty', {
				itemIndex,
				description: 'Choose at least one language to translate the video into.',
			});
		}
		return {
			videoUrl: urlParameter(ctx, 'videoUrl', 'Video URL', itemIndex, true),
			targetLanguages,
			voiceCloning: ctx.getNodeParameter('voiceCloning', itemIndex, false) as boolean,
			qualityTier: requireOneOf(ctx, ctx.getNodeParameter('qualityTier', itemIndex), QUALITY_TIERS, 'Quality tier', itemIndex),
		};
	},
});
