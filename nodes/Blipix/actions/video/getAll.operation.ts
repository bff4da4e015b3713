import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { VIDEO_STATUSES } from '../../../shared/blipix/constants';
import { filtersProperty } from '../../../shared/descriptions';
import { listVideos } from '../../../shared/blipix/videos';
import { requireOneOf } from '../../../shared/validation';

const properties: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		// Blipix has no paging: one request returns at most 100 videos.
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 50,
		description: 'Max number of results to return',
	},
	filtersProperty([
		{
			displayName: 'Status',
			name: 'status',
			type: 'options',
			options: VIDEO_STATUSES.map((status) => ({
				name: status[0].toUpperCase() + status.slice(1),
				value: status,
			})),
			default: 'ready',
		},
	]),
];

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['getAll'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const limit = this.getNodeParameter('limit', itemIndex, 20) as number;
	if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
		throw new NodeOperationError(this.getNode(), `Limit must be a whole number from 1 to 100, not ${limit}`, {
			itemIndex,
		});
	}
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const status =
		filters.status === undefined
			? undefined
			: requireOneOf(this, filters.status, VIDEO_STATUSES, 'Status', itemIndex);

	const videos = await listVideos(this, { limit, status }, itemIndex);
	return videos.map((video) => ({ json: video }));
}
