import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as account from './actions/account';
import * as style from './actions/style';
import * as video from './actions/video';
import * as voice from './actions/voice';
import * as loadOptions from './methods/loadOptions';
import { outputsWhenWaiting } from '../shared/jobWait';
import { router } from '../shared/router';
import type { OperationTable } from '../shared/router';

const operations: OperationTable = {
	account: { get: account.get },
	style: { getAll: style.getAll },
	video: { create: video.create, download: video.download, get: video.get, getAll: video.getAll },
	voice: { getAll: voice.getAll },
};

export class Blipix implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Blipix',
		name: 'blipix',
		icon: { light: 'file:../../icons/blipix.svg', dark: 'file:../../icons/blipix.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Create faceless AI videos from a prompt with Blipix',
		defaults: { name: 'Blipix' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// Video → Create with "Wait for Render" sorts its items like Blipix Wait for Render does.
		outputs: outputsWhenWaiting(
			'$parameter.resource === "video" && $parameter.operation === "create" && $parameter.waitForRender',
		),
		credentials: [{ name: 'blipixApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account' },
					{ name: 'Style', value: 'style' },
					{ name: 'Video', value: 'video' },
					{ name: 'Voice', value: 'voice' },
				],
				default: 'video',
			},
			...account.description,
			...style.description,
			...video.description,
			...voice.description,
		],
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, operations);
	}
}
