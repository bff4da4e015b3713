import type { INodeProperties } from 'n8n-workflow';

import { operationProperty } from '../../../shared/operation';
import * as create from './create.operation';
import * as download from './download.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';

export { create, download, get, getAll };

export const description: INodeProperties[] = [
	operationProperty('video', [
		{
			name: 'Create',
			value: 'create',
			action: 'Create a video',
			description: 'Start making a video from a prompt (spends credits)',
		},
		{
			name: 'Download',
			value: 'download',
			action: 'Download a video',
			description: 'Download the finished MP4 or its thumbnail into a binary field',
		},
		{
			name: 'Get',
			value: 'get',
			action: 'Get a video',
			description: 'Get one video with its status, script and links',
		},
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get many videos',
			description: 'List your videos, newest first',
		},
	]),
	...create.description,
	...download.description,
	...get.description,
	...getAll.description,
];
