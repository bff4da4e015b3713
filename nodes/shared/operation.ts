import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

/** An action that runs once per input item; `outputs` may then shape all items' results. */
export interface PerItemOperation<Prepared = unknown> {
	description?: INodeProperties[];
	/** "videos", "jobs": set when each result is something paid for, which a node-level error then names. */
	paidNoun?: string;
	/** Runs once before the items, e.g. one credit check for the whole batch. */
	prepare?(this: IExecuteFunctions): Promise<Prepared>;
	execute(this: IExecuteFunctions, itemIndex: number, prepared: Prepared): Promise<INodeExecutionData[]>;
	/** Whether a failed item is kept as an output item even without Continue On Fail (a wait's second output). */
	keepsFailedItems?(this: IExecuteFunctions): boolean;
	/** Turns all items' results into the node's outputs, when that is more than one list. */
	outputs?(this: IExecuteFunctions, results: INodeExecutionData[]): Promise<INodeExecutionData[][]>;
}

/** An action on all items at once, like waiting on many jobs together. */
export interface AllItemsOperation {
	description?: INodeProperties[];
	executeAll(this: IExecuteFunctions): Promise<INodeExecutionData[][]>;
}

export type NodeOperation = PerItemOperation | AllItemsOperation;

/** The Operation dropdown of one resource; its first option is the default. */
export function operationProperty(
	resource: string,
	options: Array<INodePropertyOptions & { action: string }>,
): INodeProperties {
	const firstOperation = options[0].value;
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource] } },
		options,
		default: firstOperation,
	};
}
