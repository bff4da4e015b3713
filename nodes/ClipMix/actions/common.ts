import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { binaryPropertyProperty, maxFileSizeProperty, optionsProperty } from '../../shared/descriptions';
import { onFailureProperty, pollProperties } from '../../shared/jobWait';
import { resultUrlFieldProperty } from '../../shared/clipmix/resultFiles';
import { CLIPMIX_SERVICES, CLIPMIX_SERVICE_KEYS } from '../../shared/clipmix/services';

export const jobIdProperty: INodeProperties = {
	displayName: 'Job ID',
	name: 'jobId',
	type: 'string',
	required: true,
	default: '={{ $json.id }}',
	description: 'The ID that Create returned. The default takes it from the incoming item.',
};

export const serviceProperty: INodeProperties = {
	displayName: 'Service',
	name: 'service',
	type: 'options',
	options: CLIPMIX_SERVICE_KEYS.map((key) => ({ name: CLIPMIX_SERVICES[key].label, value: key })),
	default: 'music',
	description: 'The service that created the job',
};

/** Waiting on jobs, for Job → Wait for Completion and Create's "Wait for Completion". */
export const jobWaitProperties: INodeProperties[] = [
	...pollProperties('Each check costs one request per job still processing.'),
	{
		displayName: 'Download Result',
		name: 'downloadResult',
		type: 'boolean',
		default: true,
		description: 'Whether to put the finished file into binary data, streamed, never held in memory whole',
	},
	...updateDisplayOptions({ show: { downloadResult: [true] } }, [binaryPropertyProperty, resultUrlFieldProperty, maxFileSizeProperty]),
	onFailureProperty,
];

const createOnAnyService = { show: { resource: CLIPMIX_SERVICE_KEYS, operation: ['create'] } };

/** What every Create has, whatever the service. */
export const createCommonProperties: INodeProperties[] = [
	...updateDisplayOptions(createOnAnyService, [
		{
			displayName: 'Additional Fields (JSON)',
			name: 'additionalFields',
			type: 'json',
			default: '{}',
			description:
				'More body fields, sent as they are. For fields this node does not know yet: only music is documented field by field.',
		},
		{
			displayName: 'Wait for Completion',
			name: 'waitForCompletion',
			type: 'boolean',
			default: false,
			noDataExpression: true,
			description:
				'Whether to wait until the jobs finish, as Job → Wait for Completion does, and output them on "Ready" or "Failed or Timed Out"',
		},
	]),
	...updateDisplayOptions({ show: { ...createOnAnyService.show, waitForCompletion: [true] } }, jobWaitProperties),
	...updateDisplayOptions(createOnAnyService, [
		optionsProperty([
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				placeholder: '{{ $json.orderId }}',
				description:
					'Sent as Idempotency-Key. Empty: one derived from this n8n instance, the workflow, execution, node, run and item, so retries within the execution never pay twice. ClipMix keeps a key for 24 hours.',
				hint: 'Give each item its own key: items that share a key with different requests are refused before anything is sent. A key from your data also makes a retry of the whole execution safe.',
			},
		]),
	]),
];
