import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { blipixRequest } from '../../../shared/blipix/transport';

export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const account = await blipixRequest(this, { method: 'GET', path: '/me', itemIndex });
	return [{ json: account }];
}
