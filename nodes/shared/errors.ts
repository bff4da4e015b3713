import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { WaitCancelledError } from './clock';

export type NodeError = NodeApiError | NodeOperationError;

/** The execution was stopped (Stop button, execution timeout) while a node waited or fetched. */
export function canceledError(node: INode, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(node, 'The execution was canceled', { itemIndex });
}

/**
 * What a node throws: always a NodeApiError or NodeOperationError in our own words. Ours pass
 * through as they are; anything else is reduced to its message, never carried whole, since a
 * raw error can hold request details. A cancelled wait keeps "canceled" in its message, which
 * is how n8n tells a cancelled execution from a failed one.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof WaitCancelledError) return canceledError(node, itemIndex);
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, message || 'Unexpected error', { itemIndex });
}
