/**
 * The ClipMix Idempotency-Key, without a server: which key an item gets, and which items sharing a custom
 * key are refused before anything is sent. Two items' requests are the same when their bodies would be
 * the same JSON, whatever the order of their fields.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { operations } from '../../nodes/ClipMix/actions/music';
import { idempotencyKeyFor } from '../../nodes/shared/clipmix/jobs';

interface Run {
	instance?: string;
	workflow?: string;
	execution?: string;
	name?: string;
	runIndex?: number;
}

/** A ClipMix node's execution context in one run, each item with its own parameters; it records any request. */
function clipMixNode(items: IDataObject[], { instance = 'instance-a', workflow = 'wf1', execution = '1', name = 'ClipMix', runIndex = 0 }: Run = {}) {
	const sent: unknown[] = [];
	const ctx = {
		getInputData: () => items.map(() => ({ json: {} })),
		getNodeParameter: (parameter: string, itemIndex: number, fallback?: unknown) => items[itemIndex][parameter] ?? fallback,
		getNode: () => ({ id: 'clipmix', name, type: 'clipMix', typeVersion: 1, position: [0, 0], parameters: {} }),
		getInstanceId: () => instance,
		getWorkflow: () => ({ id: workflow, active: false }),
		getExecutionId: () => execution,
		// n8n's evaluation, for the one expression the node evaluates itself.
		evaluateExpression: (expression: string) => (/^\{\{\s*\$runIndex\s*\}\}$/.test(expression) ? runIndex : expression),
		getCredentials: async () => ({ apiKey: 'sk_test_key' }),
		helpers: { httpRequestWithAuthentication: async (...request: unknown[]) => sent.push(request) },
	} as unknown as IExecuteFunctions;
	return { ctx, sent };
}

const song = (extra: IDataObject = {}): IDataObject => ({
	prompt: 'Uplifting synthwave',
	lyrics: '',
	durationSeconds: 60,
	options: { idempotencyKey: 'order-42' },
	...extra,
});

describe('a custom Idempotency Key shared by items', () => {
	const clashing = async (first: IDataObject, second: IDataObject) =>
		[...(await operations.create.prepare!.call(clipMixNode([song(first), song(second)]).ctx))];

	it.each<[string, IDataObject, IDataObject]>([
		['the same request', {}, {}],
		['the same fields in another order, also nested', { additionalFields: { style: 'pop', mix: { a: 1, b: 2 } } }, { additionalFields: { mix: { b: 2, a: 1 }, style: 'pop' } }],
		['a list entry left undefined, which JSON sends as null', { additionalFields: { tags: [undefined] } }, { additionalFields: { tags: [null] } }],
	])('is allowed for %s', async (_, first, second) => {
		expect(await clashing(first, second)).toEqual([]);
	});

	it.each<[string, IDataObject, IDataObject]>([
		['another number', { durationSeconds: 60 }, { durationSeconds: 120 }],
		['lists of other values', { additionalFields: { tags: ['calm'] } }, { additionalFields: { tags: ['loud'] } }],
		['number lists only their commas tell apart', { additionalFields: { sections: [1, 23] } }, { additionalFields: { sections: [12, 3] } }],
	])('is refused for both items with %s', async (_, first, second) => {
		expect(await clashing(first, second)).toEqual([0, 1]);
	});

	it('fails a refused item unsent, naming the key, the item and what to do instead', async () => {
		const { ctx, sent } = clipMixNode([song(), song({ durationSeconds: 120 })]);
		const error = await operations.create.execute.call(ctx, 1, new Set([0, 1])).catch((thrown: unknown) => thrown);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error).toMatchObject({
			message: 'The Idempotency Key "order-42" is shared by items with different requests',
			description:
				'ClipMix would create only the first of them and refuse the others. Nothing was sent for these items. Use a key that differs per item, e.g. {{ $json.orderId }}, or leave it empty for an automatic one.',
			context: { itemIndex: 1 },
		});
		expect(sent).toHaveLength(0);
	});
});

describe('idempotencyKeyFor', () => {
	const keyOf = (run: Run, itemIndex = 0, custom = '') => idempotencyKeyFor(clipMixNode([{}, {}], run).ctx, itemIndex, custom);

	it('uses a custom key without the spaces around it', () => {
		expect(keyOf({}, 0, '  order-42 \n')).toBe('order-42');
	});

	it('derives the key when the custom one is blank', () => {
		expect(keyOf({}, 0, ' \t')).toBe(keyOf({}, 0, ''));
		expect(keyOf({}, 0, '')).toMatch(/^n8n-[0-9a-f]{40}$/);
	});

	it.each<[string, [Run, number], [Run, number]]>([
		['the run of the node', [{ runIndex: 0 }, 0], [{ runIndex: 1 }, 0]],
		['the item', [{}, 0], [{}, 1]],
		['instance and workflow, even when their ids run together', [{ instance: 'ab', workflow: 'c' }, 0], [{ instance: 'a', workflow: 'bc' }, 0]],
		['node and run, even when they run together', [{ name: 'ClipMix1', runIndex: 0 }, 0], [{ name: 'ClipMix', runIndex: 10 }, 0]],
	])('derived keys differ by %s', (_, [firstRun, firstItem], [secondRun, secondItem]) => {
		expect(keyOf(firstRun, firstItem)).not.toBe(keyOf(secondRun, secondItem));
	});
});
