import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import {
	ASPECT_RATIOS,
	DURATIONS,
	LANGUAGES,
	creditCost,
} from '../../../shared/blipix/constants';
import { renderWaitProperties, waitForRenders } from '../../../shared/blipix/renderWait';
import { waitForCreated } from '../../../shared/jobWait';
import { blipixRequest } from '../../../shared/blipix/transport';
import { optionsProperty } from '../../../shared/descriptions';
import type { BlipixAccount } from '../../../shared/blipix/types';
import { requireOneOf, requireText } from '../../../shared/validation';

const properties: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'Top 5 AI tools in 2026',
		description: 'Describe the video. Blipix writes the script, makes the visuals and renders the MP4.',
	},
	{
		displayName: 'Voice Name or ID',
		name: 'voice',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getVoices' },
		required: true,
		default: '',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
	},
	{
		displayName: 'Style Name or ID',
		name: 'style',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getStyles' },
		default: 'Cinematic',
		description:
			'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
	},
	{
		displayName: 'Duration',
		name: 'duration',
		type: 'options',
		options: DURATIONS.map(({ value, length, credits }) => ({
			name: `${length} (${credits} credits)`,
			value,
		})),
		default: '30-60',
		description: 'How long the video should be, and what it costs',
	},
	{
		displayName: 'Aspect Ratio',
		name: 'aspectRatio',
		type: 'options',
		options: ASPECT_RATIOS,
		default: '9:16',
	},
	{
		displayName: 'Language',
		name: 'language',
		type: 'options',
		options: Object.entries(LANGUAGES)
			.map(([value, name]) => ({ name, value }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		default: 'en',
		description: 'The language of the script and narration',
	},
	optionsProperty([
		{
			displayName: 'Check Credits First',
			name: 'checkCreditsFirst',
			type: 'boolean',
			default: true,
			description:
				'Whether to look up the remaining credits first and fail this item, spending nothing, if they do not cover the chosen duration',
		},
	]),
	{
		displayName: 'Wait for Render',
		name: 'waitForRender',
		type: 'boolean',
		default: false,
		description:
			'Whether to wait until the videos are rendered, as the Blipix Wait for Render node does, and output them on "Ready" or "Failed or Timed Out"',
	},
];

export const description = [
	...updateDisplayOptions({ show: { resource: ['video'], operation: ['create'] } }, properties),
	...updateDisplayOptions(
		{ show: { resource: ['video'], operation: ['create'], waitForRender: [true] } },
		renderWaitProperties,
	),
];

/** Reads and checks one item's input; throws before any request if something is off. */
function readCreateBody(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const body: IDataObject = {
		prompt: requireText(ctx, 'prompt', 'Prompt', itemIndex),
		voice: requireText(ctx, 'voice', 'Voice', itemIndex),
		duration: requireOneOf(
			ctx,
			ctx.getNodeParameter('duration', itemIndex),
			DURATIONS.map((option) => option.value),
			'Duration',
			itemIndex,
		),
		aspectRatio: requireOneOf(
			ctx,
			ctx.getNodeParameter('aspectRatio', itemIndex),
			ASPECT_RATIOS.map((option) => String(option.value)),
			'Aspect ratio',
			itemIndex,
		),
		language: requireOneOf(
			ctx,
			ctx.getNodeParameter('language', itemIndex),
			Object.keys(LANGUAGES),
			'Language',
			itemIndex,
		),
	};
	const style = String(ctx.getNodeParameter('style', itemIndex, '') ?? '').trim();
	if (style) body.style = style;
	return body;
}

async function ensureEnoughCredits(ctx: IExecuteFunctions, cost: number, itemIndex: number) {
	const account = await blipixRequest<BlipixAccount>(ctx, { method: 'GET', path: '/me', itemIndex });
	const remaining = account.credits?.remaining;
	if (typeof remaining === 'number' && remaining < cost) {
		throw new NodeOperationError(
			ctx.getNode(),
			`Not enough Blipix credits: this video costs ${cost} credits, but only ${remaining} remain`,
			{
				itemIndex,
				description:
					'Nothing was spent. Choose a shorter duration or top up your Blipix credits, then run the item again.',
			},
		);
	}
}

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const body = readCreateBody(this, itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	if (options.checkCreditsFirst === true) {
		await ensureEnoughCredits(this, creditCost(body.duration as string) as number, itemIndex);
	}
	// Never re-sent without an answer: Blipix has no idempotency key, so a second create could pay twice.
	const created = await blipixRequest(this, {
		method: 'POST',
		path: '/videos/create',
		body,
		itemIndex,
		retry: 'once',
	});
	return [{ json: created }];
}

/** With "Wait for Render", the created videos are waited on together, exactly as the Wait node does. */
export async function outputs(
	this: IExecuteFunctions,
	results: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	if (!(this.getNodeParameter('waitForRender', 0, false) as boolean)) return [results];
	return await waitForCreated(results, async (entries) => await waitForRenders(this, entries));
}
