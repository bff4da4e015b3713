import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import {
	ASPECT_RATIOS,
	DURATIONS,
	LANGUAGES,
	creditCost,
} from '../../../shared/blipix/constants';
import { renderWaitProperties, waitForRenders } from '../../../shared/blipix/renderWait';
import { keepsFailedItems as keepsFailedItemsWhenWaiting, planFromCreated } from '../../../shared/jobWait';
import { createVideo } from '../../../shared/blipix/create';
import { blipixRequest } from '../../../shared/blipix/transport';
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
	{
		displayName: 'Check Credits First',
		name: 'checkCredits',
		type: 'boolean',
		default: true,
		noDataExpression: true,
		description:
			'Whether to look up the remaining credits once (one request) and fail, before anything is spent, the items whose cost no longer fits, in item order',
	},
	{
		displayName: 'Wait for Render',
		name: 'waitForRender',
		type: 'boolean',
		default: false,
		noDataExpression: true,
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

/** Items whose cost the remaining credits do not cover, in item order, with both numbers. */
type CreditShortfalls = Map<number, { cost: number; left: number }>;

/**
 * One GET /me for the whole batch: items are charged against the remaining credits in item
 * order, and those that no longer fit are refused before anything is spent.
 */
export async function prepare(this: IExecuteFunctions): Promise<CreditShortfalls> {
	const shortfalls: CreditShortfalls = new Map();
	if (!(this.getNodeParameter('checkCredits', 0, true) as boolean)) return shortfalls;
	// An item whose input is invalid fails on its own, spending nothing: it takes no credits here.
	const costs = this.getInputData().map((_, itemIndex) => {
		try {
			return creditCost(String(readCreateBody(this, itemIndex).duration));
		} catch {
			return undefined;
		}
	});
	// Nothing valid to create: no request at all, so bad input never reaches the API.
	if (costs.every((cost) => cost === undefined)) return shortfalls;
	const account = await blipixRequest<BlipixAccount>(this, { method: 'GET', path: '/me', itemIndex: 0 });
	let left = account.credits?.remaining;
	if (typeof left !== 'number') return shortfalls;
	costs.forEach((cost, itemIndex) => {
		if (cost === undefined) return;
		if (cost > left) shortfalls.set(itemIndex, { cost, left });
		else left -= cost;
	});
	return shortfalls;
}

export const paidNoun = 'videos';

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	shortfalls: CreditShortfalls,
): Promise<INodeExecutionData[]> {
	const body = readCreateBody(this, itemIndex);
	const shortfall = shortfalls.get(itemIndex);
	if (shortfall) {
		throw new NodeOperationError(
			this.getNode(),
			`Not enough Blipix credits: this video costs ${shortfall.cost} credits, but only ${shortfall.left} remain`,
			{
				itemIndex,
				description:
					'Checked once for the whole batch, counting the items before this one, before anything was spent. Nothing was spent on this item. Choose a shorter duration or top up your Blipix credits, then run it again.',
			},
		);
	}
	return [{ json: await createVideo(this, body, itemIndex) }];
}

export function keepsFailedItems(this: IExecuteFunctions): boolean {
	return keepsFailedItemsWhenWaiting(this, 'waitForRender');
}

/** With "Wait for Render", the created videos are waited on together, exactly as the Wait node does. */
export async function outputs(
	this: IExecuteFunctions,
	results: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	if (!(this.getNodeParameter('waitForRender', 0, false) as boolean)) return [results];
	return await waitForRenders(this, planFromCreated(results));
}
