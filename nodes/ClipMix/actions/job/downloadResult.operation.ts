import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { downloadResult, getJob } from '../../../shared/clipmix/jobs';
import type { ClipMixService } from '../../../shared/clipmix/services';
import { CLIPMIX_SERVICE_KEYS } from '../../../shared/clipmix/services';
import { binaryPropertyProperty, maxFileSizeProperty } from '../../../shared/descriptions';
import { requireOneOf, requireText } from '../../../shared/validation';
import { resultUrlFieldProperty } from '../../../shared/clipmix/resultUrl';
import { jobIdProperty, serviceProperty } from '../common';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['job'], operation: ['downloadResult'] } },
	[serviceProperty, jobIdProperty, binaryPropertyProperty, resultUrlFieldProperty, maxFileSizeProperty],
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const service = requireOneOf(this, this.getNodeParameter('service', itemIndex), CLIPMIX_SERVICE_KEYS, 'Service', itemIndex) as ClipMixService;
	const jobId = requireText(this, 'jobId', 'Job ID', itemIndex);
	const field = requireText(this, 'binaryPropertyName', 'Output field name', itemIndex);
	const job = await getJob(this, service, jobId, itemIndex);
	return [{ json: job, binary: { [field]: await downloadResult(this, job, service, itemIndex) } }];
}
