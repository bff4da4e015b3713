import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

/** One action of a node: what it does for one input item. */
export interface NodeOperation {
	description?: INodeProperties[];
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
	/** Turns all items' results into the node's outputs, when that is more than one list. */
	outputs?(this: IExecuteFunctions, results: INodeExecutionData[]): Promise<INodeExecutionData[][]>;
}

/** The Operation dropdown of one resource; its first option is the default. */
export function operationProperty(
	resource: string,
	options: Array<INodePropertyOptions & { action: string }>,
): INodeProperties {
	// The rule cannot see that the default is computed: it is the first option.
	// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [resource] } },
		options,
		default: options[0].value,
	};
}
