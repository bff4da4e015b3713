import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/**
 * Input checks that run before any request, so a typo never reaches a paid API.
 * Dropdown values can still arrive by expression, hence the explicit lists.
 */
export function requireText(
	ctx: IExecuteFunctions,
	parameter: string,
	label: string,
	itemIndex: number,
): string {
	const value = ctx.getNodeParameter(parameter, itemIndex, '') as unknown;
	const text = typeof value === 'string' ? value.trim() : value == null ? '' : String(value).trim();
	if (!text) {
		throw new NodeOperationError(ctx.getNode(), `${label} is empty`, {
			itemIndex,
			description: `Enter a ${label.toLowerCase()}, or check that the expression for it returns text for this item.`,
		});
	}
	return text;
}

export function requireOneOf(
	ctx: IExecuteFunctions,
	value: unknown,
	allowed: readonly string[],
	label: string,
	itemIndex: number,
): string {
	const text = String(value ?? '').trim();
	if (!allowed.includes(text)) {
		throw new NodeOperationError(ctx.getNode(), `Unknown ${label.toLowerCase()} "${text}"`, {
			itemIndex,
			description: `${label} must be one of: ${allowed.join(', ')}.`,
		});
	}
	return text;
}
