import type { INodeProperties } from 'n8n-workflow';

import { operationProperty } from '../../../shared/operation';
import * as getAll from './getAll.operation';

export { getAll };

export const description: INodeProperties[] = [
	operationProperty('voice', [
		{
			name: 'Get Many',
			value: 'getAll',
			action: 'Get many voices',
			description: 'List the narration voices, optionally for one language or gender',
		},
	]),
	...getAll.description,
];
