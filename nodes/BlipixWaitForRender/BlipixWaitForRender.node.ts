import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { renderWaitProperties, waitForRenders } from '../shared/blipix/renderWait';
import type { WaitEntry } from '../shared/jobWait';
import { WAIT_OUTPUT_NAMES } from '../shared/jobWait';
import { requireText } from '../shared/validation';

export class BlipixWaitForRender implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Blipix Wait for Render',
		name: 'blipixWaitForRender',
		icon: 'file:../../icons/blipix.svg',
		group: ['transform'],
		version: 1,
		subtitle: '={{"every " + $parameter["pollInterval"] + " s, up to " + $parameter["maxWait"] + " min"}}',
		description: 'Wait until Blipix videos are rendered, then hand back the MP4s',
		defaults: { name: 'Blipix Wait for Render' },
		usableAsTool: true,
		inputs: ['main'],
		// Two outputs, like n8n's If node: the rule only knows single-output nodes.
		// eslint-disable-next-line n8n-nodes-base/node-class-description-outputs-wrong
		outputs: ['main', 'main'],
		outputNames: WAIT_OUTPUT_NAMES,
		credentials: [{ name: 'blipixApi', required: true }],
		properties: [
			{
				displayName:
					'All input videos are waited on together: each check costs one request for all of them, plus one per finished video, within the 60 requests a minute of your key.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Video ID',
				name: 'videoId',
				type: 'string',
				required: true,
				default: '={{ $json.id }}',
				description: 'The ID of the video to wait for. The default takes the ID that Blipix → Video → Create returned.',
			},
			...renderWaitProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const entries: WaitEntry[] = this.getInputData().map((_, itemIndex) => ({
			itemIndex,
			jobId: requireText(this, 'videoId', 'Video ID', itemIndex),
		}));
		return await waitForRenders(this, entries);
	}
}
