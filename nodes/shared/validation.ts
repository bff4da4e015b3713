import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
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

function fail(ctx: IExecuteFunctions, itemIndex: number, message: string, description?: string): never {
	throw new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
}

function isHttpUrl(text: string): boolean {
	try {
		const url = new URL(text);
		return url.protocol === 'http:' || url.protocol === 'https:';
	} catch {
		return false;
	}
}

/** An optional text parameter: undefined when empty. */
export function optionalText(ctx: IExecuteFunctions, parameter: string, itemIndex: number): string | undefined {
	const value = ctx.getNodeParameter(parameter, itemIndex, '') as unknown;
	const text = value == null ? '' : String(value).trim();
	return text || undefined;
}

/** An http(s) URL parameter; `required` decides whether empty is an error or undefined. */
export function urlParameter(
	ctx: IExecuteFunctions,
	parameter: string,
	label: string,
	itemIndex: number,
	required: boolean,
): string | undefined {
	const text = required ? requireText(ctx, parameter, label, itemIndex) : optionalText(ctx, parameter, itemIndex);
	if (text !== undefined && !isHttpUrl(text)) {
		fail(ctx, itemIndex, `${label} is not a web address: "${text}"`, 'Use a full http:// or https:// URL that ClipMix can download.');
	}
	return text;
}

/** A list of URLs, given one per line or comma-separated, or as an array by expression. */
export function urlListParameter(ctx: IExecuteFunctions, parameter: string, label: string, itemIndex: number): string[] {
	const value = ctx.getNodeParameter(parameter, itemIndex, '') as unknown;
	const urls = (Array.isArray(value) ? value.map(String) : String(value ?? '').split(/[\n,]/))
		.map((url) => url.trim())
		.filter(Boolean);
	if (urls.length === 0) fail(ctx, itemIndex, `${label} is empty`, 'Give at least one http(s) URL, one per line.');
	const bad = urls.find((url) => !isHttpUrl(url));
	if (bad !== undefined) fail(ctx, itemIndex, `${label} has an entry that is not a web address: "${bad}"`);
	return urls;
}

/** A whole number within bounds. */
export function integerParameter(
	ctx: IExecuteFunctions,
	parameter: string,
	label: string,
	itemIndex: number,
	min: number,
	max = Number.MAX_SAFE_INTEGER,
): number {
	const value = Number(ctx.getNodeParameter(parameter, itemIndex));
	if (!Number.isInteger(value) || value < min || value > max) {
		const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
		fail(ctx, itemIndex, `${label} must be a whole number ${range}, not ${String(ctx.getNodeParameter(parameter, itemIndex))}`);
	}
	return value;
}

/** A JSON parameter that must hold an object, e.g. "Additional Fields (JSON)". */
export function jsonObjectParameter(ctx: IExecuteFunctions, parameter: string, label: string, itemIndex: number): IDataObject {
	const value = ctx.getNodeParameter(parameter, itemIndex, {}) as unknown;
	let parsed = value;
	if (typeof value === 'string') {
		if (!value.trim()) return {};
		try {
			parsed = JSON.parse(value);
		} catch (error) {
			fail(ctx, itemIndex, `${label} is not valid JSON`, (error as Error).message);
		}
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		fail(ctx, itemIndex, `${label} must be a JSON object, like {"field": "value"}`);
	}
	return parsed as IDataObject;
}
