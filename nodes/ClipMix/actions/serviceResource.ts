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
		const body = {
			...toApiBody(service, definition.read(ctx, itemIndex)),
			...jsonObjectParameter(ctx, 'additionalFields', 'Additional Fields (JSON)', itemIndex),
		};
		const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
		return { body, key: idempotencyKeyFor(ctx, itemIndex, String(options.idempotencyKey ?? '')) };
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
			const { body, key } = readCreate(this, itemIndex);
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
		...updateDisplayOptions({ show: { resource: [service], operation: ['get'] } }, [jobIdProperty]),
	];

	return { description, operations: { create, get } };
}
