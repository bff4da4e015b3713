import type { INodeProperties } from 'n8n-workflow';

import { operationProperty } from '../../../shared/operation';
import * as getAll from './getAll.operation';

export { getAll };

export const description: INodeProperties[] = [
	operationProperty('style', [
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get many styles',
			description: 'List the art styles a video can be made in',
		},
	]),
];
