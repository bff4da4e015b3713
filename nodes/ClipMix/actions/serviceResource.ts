import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

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

	const create: PerItemOperation = {
		paidNoun: 'jobs',

		async execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
			const body = {
				...toApiBody(service, definition.read(this, itemIndex)),
				...jsonObjectParameter(this, 'additionalFields', 'Additional Fields (JSON)', itemIndex),
			};
			const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
			const key = idempotencyKeyFor(this, itemIndex, String(options.idempotencyKey ?? ''));
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
