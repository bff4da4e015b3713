import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { renderWaitProperties, waitForRenders } from '../shared/blipix/renderWait';
import { toNodeError } from '../shared/errors';
import { WAIT_OUTPUT_NAMES, planFromItems } from '../shared/jobWait';
import { requireText } from '../shared/validation';

export class BlipixWaitForRender implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Blipix Wait for Render',
		name: 'blipixWaitForRender',
		icon: { light: 'file:../../icons/blipix.svg', dark: 'file:../../icons/blipix.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{"every " + $parameter["pollInterval"] + " s, up to " + $parameter["maxWait"] + " min"}}',
		description: 'Wait until Blipix videos are rendered, then hand back the MP4s',
		defaults: { name: 'Blipix Wait for Render' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
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
		try {
			// An item without a Video ID goes to "Failed or Timed Out"; the others are still waited on.
			const plan = planFromItems(this, (itemIndex) => requireText(this, 'videoId', 'Video ID', itemIndex));
			return await waitForRenders(this, plan);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	}
}
