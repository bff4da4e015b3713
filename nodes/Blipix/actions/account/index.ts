import type { INodeProperties } from 'n8n-workflow';

import { operationProperty } from '../../../shared/operation';
import * as get from './get.operation';

export { get };

export const description: INodeProperties[] = [
	operationProperty('account', [
		{
			name: 'Get',
			value: 'get',
			action: 'Get the account and its credits',
			description: 'Get your account details and remaining credits',
		},
	]),
];
