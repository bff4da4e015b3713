import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { createJob, getJob, idempotencyKeyFor, waitForClipMixJobs } from '../../shared/clipmix/jobs';
import type { ClipMixService } from '../../shared/clipmix/services';
import { CLIPMIX_SERVICES } from '../../shared/clipmix/services';
import { keepsFailedItems, planFromCreated } from '../../shared/jobWait';
import type { PerItemOperation } from '../../shared/operation';
import { operationProperty } from '../../shared/operation';
import { jsonObjectParameter, requireText } from '../../shared/validation';
import { jobIdProperty } from './common';

/** What makes one ClipMix service a resource of the node. */
export interface ServiceDefinition {
	service: ClipMixService;
	/** The create parameters; their names are the keys of the service's `fields` in services.ts. */
	fields: INodeProperties[];
	/** Reads and checks one item's create parameters, keyed like `fields`. Throws before any request. */
	read(ctx: IExecuteFunctions, itemIndex: number): Record<string, unknown>;
	/**
	 * What a create will cost, from the values `read` gave, for Max Credits per Job; undefined when
	 * it cannot be told. A service without it has no Max Credits per Job.
	 */
	estimateCredits?(ctx: IExecuteFunctions, itemIndex: number, values: Record<string, unknown>): number | undefined;
	/** How ClipMix charges the service, in words, for the estimate's messages. */
	costRule?: string;
}

/** JSON with object keys sorted, so two bodies compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as IDataObject).sort(([a], [b]) => a.localeCompare(b));
		return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** Maps parameter values to the API's field names through the one service table. */
function toApiBody(service: ClipMixService, values: Record<string, unknown>): IDataObject {
	const body: IDataObject = {};
	for (const [parameter, field] of Object.entries(CLIPMIX_SERVICES[service].fields)) {
		const value = values[parameter];
		if (value !== undefined) body[field] = value as IDataObject[string];
	}
	return body;
}

/** Sandbox keys return synthetic jobs: say so where the output is shown. */
function noteSandbox(ctx: IExecuteFunctions, results: INodeExecutionData[]) {
	if (results.some((result) => result.json.test === true)) {
		ctx.addExecutionHints({
			message: 'Sandbox mode (sk_test_ key): nothing was charged, and the results are synthetic.',
			location: 'outputPane',
		});
	}
}

export function serviceResource(definition: ServiceDefinition) {
	const { service } = definition;
	const { label } = CLIPMIX_SERVICES[service];
	const noun = label.toLowerCase();
	const article = /^[aeiou]/.test(noun) ? 'an' : 'a';

	/** One item's body and key; throws before any request when its input is invalid. */
	function readCreate(ctx: IExecuteFunctions, itemIndex: number) {
		const values = definition.read(ctx, itemIndex);
		const body = {
			...toApiBody(service, values),
			...jsonObjectParameter(ctx, 'additionalFields', 'Additional Fields (JSON)', itemIndex),
		};
		const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
		return { values, body, key: idempotencyKeyFor(ctx, itemIndex, String(options.idempotencyKey ?? '')) };
	}

	/** Max Credits per Job: an item whose job would cost more, or whose cost cannot be told, is refused unsent. */
	function checkBudget(ctx: IExecuteFunctions, itemIndex: number, values: Record<string, unknown>) {
		if (!definition.estimateCredits) return;
		const maxCredits = Number(ctx.getNodeParameter('maxCredits', itemIndex, 0));
		if (!(maxCredits > 0)) return;
		const estimate = definition.estimateCredits(ctx, itemIndex, values);
		if (estimate === undefined) {
			throw new NodeOperationError(ctx.getNode(), `Max Credits per Job is set, but the cost of this ${noun} job cannot be told`, {
				itemIndex,
				description: `${definition.costRule ?? ''}. Fill in the fields it depends on, or clear Max Credits per Job. Nothing was sent.`,
			});
		}
		if (estimate > maxCredits) {
			throw new NodeOperationError(ctx.getNode(), `This ${noun} job would cost about ${estimate} credits, over the Max Credits per Job of ${maxCredits}`, {
				itemIndex,
				description: `${definition.costRule ?? ''}. Nothing was sent.`,
			});
		}
	}

	const create: PerItemOperation<Set<number>> = {
		paidNoun: 'jobs',

		// A custom key that several items share with different bodies would make ClipMix refuse
		// all but the first (422), after the first was paid for: those items fail before any request.
		async prepare(this: IExecuteFunctions): Promise<Set<number>> {
			const byKey = new Map<string, Array<{ itemIndex: number; body: string }>>();
			this.getInputData().forEach((_, itemIndex) => {
				try {
					const { body, key } = readCreate(this, itemIndex);
					byKey.set(key, [...(byKey.get(key) ?? []), { itemIndex, body: canonicalJson(body) }]);
				} catch {
					// Invalid input fails on its own, in execute.
				}
			});
			const clashing = new Set<number>();
			for (const items of byKey.values()) {
				if (new Set(items.map((item) => item.body)).size > 1) for (const { itemIndex } of items) clashing.add(itemIndex);
			}
			return clashing;
		},

		async execute(this: IExecuteFunctions, itemIndex: number, clashing: Set<number>): Promise<INodeExecutionData[]> {
			const { values, body, key } = readCreate(this, itemIndex);
			checkBudget(this, itemIndex, values);
			if (clashing.has(itemIndex)) {
				throw new NodeOperationError(this.getNode(), `The Idempotency Key "${key}" is shared by items with different requests`, {
					itemIndex,
					description:
						'ClipMix would create only the first of them and refuse the others. Nothing was sent for these items. Use a key that differs per item, e.g. {{ $json.orderId }}, or leave it empty for an automatic one.',
				});
			}
			return [{ json: await createJob(this, service, body, key, itemIndex) }];
		},

		keepsFailedItems(this: IExecuteFunctions): boolean {
			return keepsFailedItems(this, 'waitForCompletion');
		},

		async outputs(this: IExecuteFunctions, results: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
			noteSandbox(this, results);
			if (!(this.getNodeParameter('waitForCompletion', 0, false) as boolean)) return [results];
			return await waitForClipMixJobs(this, planFromCreated(results), () => service);
		},
	};

	const get: PerItemOperation = {
		async execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
			const jobId = requireText(this, 'jobId', 'Job ID', itemIndex);
			return [{ json: await getJob(this, service, jobId, itemIndex) }];
		},
		async outputs(this: IExecuteFunctions, results: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
			noteSandbox(this, results);
			return [results];
		},
	};

	const description: INodeProperties[] = [
		operationProperty(service, [
			{
				name: 'Create',
				value: 'create',
				action: `Create ${article} ${noun} job`,
				description: `Start ${article} ${noun} job (spends credits with a live key)`,
			},
			{ name: 'Get', value: 'get', action: `Get ${article} ${noun} job`, description: 'Get a job with its status and result' },
		]),
		...updateDisplayOptions({ show: { resource: [service], operation: ['create'] } }, definition.fields),
		...(definition.estimateCredits
			? updateDisplayOptions({ show: { resource: [service], operation: ['create'] } }, [
					{
						displayName: 'Max Credits per Job',
						name: 'maxCredits',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: `Refuse, before anything is sent, a job that would cost more than this. ${definition.costRule ?? ''}. 0: no limit.`,
					},
				])
			: []),
		...updateDisplayOptions({ show: { resource: [service], operation: ['get'] } }, [jobIdProperty]),
	];

	return { description, operations: { create, get } };
}
