import type { INodeProperties } from 'n8n-workflow';

import { operationProperty } from '../../../shared/operation';
import * as downloadResult from './downloadResult.operation';
import * as waitForCompletion from './waitForCompletion.operation';

export { downloadResult, waitForCompletion };

export const description: INodeProperties[] = [
	operationProperty('job', [
		{
			name: 'Download Result',
			value: 'downloadResult',
			action: 'Download the result of a job',
			description: 'Download the finished file of a job into a binary field',
		},
		{
			name: 'Wait for Completion',
			value: 'waitForCompletion',
			action: 'Wait for jobs to complete',
			description: 'Wait until the jobs finish, then output them on "Ready" or "Failed or Timed Out"',
		},
	]),
	...downloadResult.description,
	...waitForCompletion.description,
];
