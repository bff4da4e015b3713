import type { INodePropertyOptions } from 'n8n-workflow';

export const BLIPIX_DEFAULT_BASE_URL = 'https://app.blipix.pro/api/v1';

/** Documented: 60 requests a minute per API key. */
export const BLIPIX_RATE_LIMIT = 60;
export const BLIPIX_RATE_WINDOW_MS = 60_000;

/** The documented duration ranges with their length and credit cost. */
export const DURATIONS = [
	{ value: '30-60', length: '30 to 60 seconds', credits: 10 },
	{ value: '60-90', length: '1 to 1.5 minutes', credits: 10 },
	{ value: '90-120', length: '1.5 to 2 minutes', credits: 20 },
	{ value: '120-150', length: '2 to 2.5 minutes', credits: 20 },
	{ value: '150-180', length: '2.5 to 3 minutes', credits: 30 },
	{ value: '180-210', length: '3 to 3.5 minutes', credits: 30 },
	{ value: '210-300', length: '3.5 to 5 minutes', credits: 60 },
	{ value: '300-420', length: '5 to 7 minutes', credits: 80 },
	{ value: '420-600', length: '7 to 10 minutes', credits: 120 },
	{ value: '600-720', length: '10 to 12 minutes', credits: 160 },
	{ value: '720-900', length: '12 to 15 minutes', credits: 200 },
] as const;

export const ASPECT_RATIOS: INodePropertyOptions[] = [
	{ name: '9:16 (Vertical: TikTok, Reels, Shorts)', value: '9:16' },
	{ name: '16:9 (Horizontal: YouTube)', value: '16:9' },
	{ name: '1:1 (Square)', value: '1:1' },
];

/** The documented language codes (the docs print them run together) with their English names. */
export const LANGUAGES: Record<string, string> = {
	ar: 'Arabic',
	bg: 'Bulgarian',
	zh: 'Chinese',
	hr: 'Croatian',
	cs: 'Czech',
	da: 'Danish',
	nl: 'Dutch',
	en: 'English',
	fi: 'Finnish',
	fil: 'Filipino',
	fr: 'French',
	de: 'German',
	el: 'Greek',
	hi: 'Hindi',
	hu: 'Hungarian',
	id: 'Indonesian',
	it: 'Italian',
	ja: 'Japanese',
	ko: 'Korean',
	ms: 'Malay',
	no: 'Norwegian',
	pl: 'Polish',
	pt: 'Portuguese',
	ro: 'Romanian',
	ru: 'Russian',
	sk: 'Slovak',
	es: 'Spanish',
	sv: 'Swedish',
	ta: 'Tamil',
	tr: 'Turkish',
	uk: 'Ukrainian',
	vi: 'Vietnamese',
};

export const VIDEO_STATUSES = ['ready', 'processing', 'failed'] as const;

export function creditCost(duration: string): number | undefined {
	return DURATIONS.find((option) => option.value === duration)?.credits;
}
