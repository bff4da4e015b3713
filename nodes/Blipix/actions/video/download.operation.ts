import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { videoIdProperty } from '../../../shared/blipix/descriptions';
import { binaryPropertyProperty, maxBytesOf, maxFileSizeProperty } from '../../../shared/descriptions';
import { downloadVideoFile, getVideo } from '../../../shared/blipix/videos';
import type { VideoFile } from '../../../shared/blipix/videos';
import { isVideoReady } from '../../../shared/blipix/types';
import { requireText } from '../../../shared/validation';

const properties: INodeProperties[] = [
	videoIdProperty,
	{
		displayName: 'File',
		name: 'file',
		type: 'options',
		options: [
			{ name: 'Video (MP4)', value: 'video' },
			{ name: 'Thumbnail Image', value: 'thumbnail' },
		],
		default: 'video',
	},
	binaryPropertyProperty,
	maxFileSizeProperty,
];

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['download'] } },
	properties,
);

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const videoId = requireText(this, 'videoId', 'Video ID', itemIndex);
	const file = this.getNodeParameter('file', itemIndex) as VideoFile;
	const binaryPropertyName = requireText(this, 'binaryPropertyName', 'Output field name', itemIndex);

	const video = await getVideo(this, videoId, itemIndex);
	if (!isVideoReady(video)) {
		const progress = typeof video.renderProgress === 'number' ? `, render ${video.renderProgress}%` : '';
		throw new NodeOperationError(this.getNode(), `Video "${videoId}" is not ready yet`, {
			itemIndex,
			description: `Its status is "${video.status}"${progress}. Wait until it is ready, for example with the Blipix Wait for Render node, then download it.`,
		});
	}
	const binary = await downloadVideoFile(this, video, file, itemIndex, maxBytesOf(this, itemIndex));
	return [{ json: video, binary: { [binaryPropertyName]: binary } }];
}
