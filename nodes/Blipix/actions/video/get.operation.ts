import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { videoIdProperty } from '../../../shared/blipix/descriptions';
import { getVideo } from '../../../shared/blipix/videos';
import { requireText } from '../../../shared/validation';

export const description: INodeProperties[] = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['get'] } },
	[videoIdProperty],
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const videoId = requireText(this, 'videoId', 'Video ID', itemIndex);
	return [{ json: await getVideo(this, videoId, itemIndex) }];
}
