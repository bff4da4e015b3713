import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BlipixOperation } from './operation';
import * as account from './account';
import * as style from './style';
import * as video from './video';
import * as voice from './voice';

const operations: Record<string, Record<string, BlipixOperation>> = {
	account: { get: account.get },
	style: { getAll: style.getAll },
	video: { create: video.create, download: video.download, get: video.get, getAll: video.getAll },
	voice: { getAll: voice.getAll },
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const action = operations[resource]?.[operation];
	if (!action) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}

	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const results = await action.execute.call(this, itemIndex);
			for (const result of results) returnData.push({ ...result, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!this.continueOnFail()) throw error;
			returnData.push({
				json: { error: (error as Error).message, description: (error as { description?: string }).description },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return action.outputs ? await action.outputs.call(this, returnData) : [returnData];
}
