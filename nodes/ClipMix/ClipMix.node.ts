import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { outputsWhenWaiting } from '../shared/jobWait';
import { router } from '../shared/router';
import type { OperationTable } from '../shared/router';
import * as avatar from './actions/avatar';
import { createCommonProperties } from './actions/common';
import * as job from './actions/job';
import * as memoryVideo from './actions/memoryVideo';
import * as music from './actions/music';
import * as translation from './actions/translation';

const operations: OperationTable = {
	avatar: avatar.operations,
	job: { downloadResult: job.downloadResult, waitForCompletion: job.waitForCompletion },
	memoryVideo: memoryVideo.operations,
	music: music.operations,
	translation: translation.operations,
};

export class ClipMix implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ClipMix',
		name: 'clipMix',
		icon: { light: 'file:../../icons/clipmix.svg', dark: 'file:../../icons/clipmix.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'AI music, video translation, memory videos and avatars with ClipMix',
		defaults: { name: 'ClipMix' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// Waiting sorts items into "Ready" and "Failed or Timed Out", like Blipix Wait for Render.
		outputs: outputsWhenWaiting(
			'($parameter.resource === "job" && $parameter.operation === "waitForCompletion") || ($parameter.operation === "create" && $parameter.waitForCompletion)',
		),
		credentials: [{ name: 'clipMixApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Avatar / Faceswap', value: 'avatar' },
					{ name: 'Job', value: 'job' },
					{ name: 'Memory Video', value: 'memoryVideo' },
					{ name: 'Music', value: 'music' },
					{ name: 'Video Translation', value: 'translation' },
				],
				default: 'music',
			},
			...avatar.description,
			...job.description,
			...memoryVideo.description,
			...music.description,
			...translation.description,
			...createCommonProperties,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, operations);
	}
}
