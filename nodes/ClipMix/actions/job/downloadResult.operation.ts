import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getJob, resultItems } from '../../../shared/clipmix/jobs';
import type { ClipMixService } from '../../../shared/clipmix/services';
import { CLIPMIX_SERVICE_KEYS } from '../../../shared/clipmix/services';
import { binaryPropertyProperty, maxFileSizeProperty } from '../../../shared/descriptions';
import { requireOneOf, requireText } from '../../../shared/validation';
import { resultUrlFieldProperty } from '../../../shared/clipmix/resultFiles';
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
	// One item per result file: a translation into three languages gives three.
	const { ready, failed } = await resultItems(this, job, service, itemIndex, field);
	if (failed.length === 0) return ready;
	if (this.continueOnFail()) return [...ready, ...failed.map(({ json, reason }) => ({ json: { ...json, error: reason } }))];
	const name = ({ json }: { json: { resultFile?: unknown } }) => {
		const { language, label, index } = json.resultFile as { language?: string; label?: string; index: number };
		return language ?? label ?? `file ${index + 1}`;
	};
	throw new NodeOperationError(this.getNode(), `${failed.length} of ${failed.length + ready.length} files of job "${job.id}" would not download: ${failed.map(name).join(', ')}`, {
		itemIndex,
		description: `${failed.map((file) => `${name(file)}: ${file.reason}`).join(' ')} Run the node again to download them, or turn on Continue On Fail to keep the files that arrived (${ready.map(name).join(', ') || 'none'}).`,
	});
}
