import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { waitForClipMixJobs } from '../../../shared/clipmix/jobs';
import { planFromItems } from '../../../shared/jobWait';
import type { ClipMixService } from '../../../shared/clipmix/services';
import { CLIPMIX_SERVICE_KEYS } from '../../../shared/clipmix/services';
import { requireOneOf, requireText } from '../../../shared/validation';
import { jobIdProperty, jobWaitProperties, serviceProperty } from '../common';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['job'], operation: ['waitForCompletion'] } },
	[serviceProperty, jobIdProperty, ...jobWaitProperties],
);

/** All input items' jobs are waited on together, like Blipix Wait for Render; each item names its service. */
export async function executeAll(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const services = new Map<string, ClipMixService>();
	const plan = planFromItems(this, (itemIndex) => {
		const service = requireOneOf(this, this.getNodeParameter('service', itemIndex), CLIPMIX_SERVICE_KEYS, 'Service', itemIndex);
		const jobId = requireText(this, 'jobId', 'Job ID', itemIndex);
		services.set(jobId, service as ClipMixService);
		return jobId;
	});
	return await waitForClipMixJobs(this, plan, (jobId) => services.get(jobId) as ClipMixService);
}
