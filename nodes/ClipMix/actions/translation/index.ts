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
/**
 * Credits per target language and started minute of video. Premium is the post's ("Translating a
 * 1-minute video premium-tier costs ~190 credits"); standard is INFERRED as half of it.
 */
const CREDITS_PER_LANGUAGE_MINUTE: Record<string, number> = { standard: 95, premium: 190 };
const COST_RULE = 'ClipMix charges each target language for each started minute of the video';

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
		description: 'One dubbed version per language, each a file of its own',
		hint: `${COST_RULE}: 3 languages of a 2-minute video cost 6 × the tier's rate`,
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
			{ name: 'Standard', value: 'standard', description: 'About 95 credits per language and minute of video (inferred)' },
			{ name: 'Premium', value: 'premium', description: 'About 190 credits per language and minute of video' },
		],
		default: 'standard',
	},
	{
		displayName: 'Video Length (Seconds)',
		name: 'videoSeconds',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description:
			'How long the video is, for the cost check (Max Credits per Job) only: ClipMix measures the video itself. After Blipix, drag in the video duration. 0: not known.',
	},
];

export const { description, operations } = serviceResource({
	service: 'translation',
	fields,
	costRule: COST_RULE,
	estimateCredits(ctx, itemIndex, values) {
		const seconds = Number(ctx.getNodeParameter('videoSeconds', itemIndex, 0));
		if (!(seconds > 0)) return undefined;
		const languages = (values.targetLanguages as string[]).length;
		return languages * Math.max(1, Math.ceil(seconds / 60)) * CREDITS_PER_LANGUAGE_MINUTE[values.qualityTier as string];
	},
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
