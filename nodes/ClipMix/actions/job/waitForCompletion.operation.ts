import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { waitForClipMixJobs } from '../../../shared/clipmix/jobs';
import type { ClipMixService } from '../../../shared/clipmix/services';
import { CLIPMIX_SERVICE_KEYS } from '../../../shared/clipmix/services';
import { requireOneOf, requireText } from '../../../shared/validation';
import { jobIdProperty, jobWaitProperties, serviceProperty } from '../common';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['job'], operation: ['waitForCompletion'] } },
	[serviceProperty, jobIdProperty, ...jobWaitProperties],
);

/** All input items' jobs are waited on together, like Blipix Wait for Render. */
export async function executeAll(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const service = requireOneOf(this, this.getNodeParameter('service', 0), CLIPMIX_SERVICE_KEYS, 'Service', 0) as ClipMixService;
	const entries = this.getInputData().map((_, itemIndex) => ({
		itemIndex,
		jobId: requireText(this, 'jobId', 'Job ID', itemIndex),
	}));
	return await waitForClipMixJobs(this, service, entries);
}
