import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

/** An action that runs once per input item; `outputs` may then shape all items' results. */
export interface PerItemOperation {
	description?: INodeProperties[];
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
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
