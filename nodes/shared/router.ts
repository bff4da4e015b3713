import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { NodeError } from './errors';
import { toNodeError } from './errors';
import type { NodeOperation } from './operation';

export type OperationTable = Record<string, Record<string, NodeOperation>>;

/** What n8n puts in Resource and Operation when "Custom API Call" is chosen. */
const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

/**
 * Runs the chosen operation once per input item, with Continue On Fail and pairedItem on
 * every output, then lets the operation shape the outputs (e.g. wait for what it created).
 * Whatever fails leaves as a NodeApiError or NodeOperationError.
 */
export async function router(this: IExecuteFunctions, operations: OperationTable): Promise<INodeExecutionData[][]> {
	try {
		return await runOperation.call(this, operations);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

async function runOperation(this: IExecuteFunctions, operations: OperationTable): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	if (resource === CUSTOM_API_CALL || operation === CUSTOM_API_CALL) {
		const credential = Object.values(this.getNode().credentials ?? {})[0]?.name;
		throw new NodeOperationError(this.getNode(), 'Custom API calls are made with the HTTP Request node', {
			description: `Add an HTTP Request node, set Authentication to "Predefined Credential Type" and pick this node's credential${credential ? ` ("${credential}")` : ''}: n8n then signs each request with your key.`,
		});
	}
	const action = operations[resource]?.[operation];
	if (!action) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" of "${resource}" is not supported`);
	}

	if ('executeAll' in action) return await action.executeAll.call(this);

	const prepared = await action.prepare?.call(this);
	const keepFailed = this.continueOnFail() || action.keepsFailedItems?.call(this) === true;
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const results = await action.execute.call(this, itemIndex, prepared);
			for (const result of results) returnData.push({ ...result, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (!keepFailed) throw withPaidResults(toNodeError(this.getNode(), error, itemIndex), returnData, action.paidNoun);
			returnData.push({
				json: { error: (error as Error).message, description: (error as { description?: string }).description },
				pairedItem: { item: itemIndex },
			});
		}
	}
	return action.outputs ? await action.outputs.call(this, returnData) : [returnData];
}

/**
 * A node-level error after some items already made paid things: their ids go into the error's
 * description, so none of them is lost from sight even though the node outputs nothing.
 */
function withPaidResults(error: NodeError, results: INodeExecutionData[], paidNoun?: string): NodeError {
	const ids = results.map((result) => result.json.id).filter((id): id is string => typeof id === 'string');
	if (!paidNoun || ids.length === 0) return error;
	const made = `Before this error, ${ids.length} ${paidNoun} were created and are paid for: ${ids.join(', ')}. Look them up by ID instead of running those items again.`;
	error.description = [error.description, made].filter(Boolean).join(' ');
	return error;
}
