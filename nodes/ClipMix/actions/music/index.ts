import type { INodeProperties } from 'n8n-workflow';

import { integerParameter, optionalText, requireText } from '../../../shared/validation';
import { serviceResource } from '../serviceResource';

// The one service ClipMix documents field by field.
const fields: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 3 },
		required: true,
		default: '',
		placeholder: 'Uplifting synthwave with female vocals',
		description: 'The style and mood of the song',
	},
	{
		displayName: 'Lyrics',
		name: 'lyrics',
		type: 'string',
		typeOptions: { rows: 6 },
		default: '',
		placeholder: '[verse]\nRunning through neon lights...\n[chorus]\n...',
		hint: 'Mark sections with tags such as [verse] and [chorus], each on its own line',
	},
	{
		displayName: 'Duration Seconds',
		name: 'durationSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 60,
		description: 'Length of the song. A live key spends 1 credit per second (60 s = 60 credits).',
	},
];

export const { description, operations } = serviceResource({
	service: 'music',
	fields,
	read: (ctx, itemIndex) => ({
		prompt: requireText(ctx, 'prompt', 'Prompt', itemIndex),
		lyrics: optionalText(ctx, 'lyrics', itemIndex),
		durationSeconds: integerParameter(ctx, 'durationSeconds', 'Duration Seconds', itemIndex, 1),
	}),
});
