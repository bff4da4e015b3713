import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { NodeOperation } from './operation';

export type OperationTable = Record<string, Record<string, NodeOperation>>;

/**
 * Runs the chosen operation once per input item, with Continue On Fail and pairedItem on
 * every output, then lets the operation shape the outputs (e.g. wait for what it created).
 */
export async function router(this: IExecuteFunctions, operations: OperationTable): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const action = operations[resource]?.[operation];
	if (!action) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}

	if ('executeAll' in action) return await action.executeAll.call(this);

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
