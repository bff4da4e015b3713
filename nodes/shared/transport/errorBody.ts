import type { IDataObject } from 'n8n-workflow';

/** What an API's error body says, whatever shape it came in. */
export interface ErrorBody {
	/** A machine-readable code, e.g. "idempotency_key_reuse"; '' when the body has none. */
	code: string;
	/** The server's own words; '' when it said nothing readable. */
	message: string;
	/** Fields a validation error names. */
	fields: string[];
}

const CODE_LIKE = /^[a-z][a-z0-9]*(?:[_.-][a-z0-9]+)+$|^[a-z]+$/;

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

function fieldsOf(list: unknown): string[] {
	if (!Array.isArray(list)) return [];
	return list
		.map((entry) => (entry && typeof entry === 'object' ? text((entry as IDataObject).field ?? (entry as IDataObject).path ?? (entry as IDataObject).param) : ''))
		.filter(Boolean);
}

function messagesOf(list: unknown): string {
	if (!Array.isArray(list)) return '';
	return list
		.map((entry) => (typeof entry === 'string' ? entry : entry && typeof entry === 'object' ? text((entry as IDataObject).message) : ''))
		.filter(Boolean)
		.join('; ');
}

/**
 * Reads an error body in every shape the two APIs plausibly use, since neither documents one:
 * `{error: "text"}`, `{error: "<code>", message}`, `{error: {code, message, details}}`,
 * `{code, message}`, `{message}`, `{detail}`, `{errors: [{field, message}]}`, with optional
 * `details: [{field, message}]`. A bare `error` string counts as a code only when it looks like one.
 */
export function readErrorBody(body: IDataObject): ErrorBody {
	const nested = body.error && typeof body.error === 'object' && !Array.isArray(body.error) ? (body.error as IDataObject) : {};
	const errorText = text(body.error);
	const message =
		text(nested.message) ||
		text(body.message) ||
		text(body.detail) ||
		messagesOf(body.errors) ||
		(errorText && !CODE_LIKE.test(errorText) ? errorText : '') ||
		messagesOf(body.details ?? nested.details);
	const code = text(nested.code) || text(body.code) || (CODE_LIKE.test(errorText) ? errorText : '');
	const fields = [...fieldsOf(body.details), ...fieldsOf(nested.details), ...fieldsOf(body.errors)];
	// A short status phrase next to a specific message ("Validation failed" + "Unknown voice …") adds nothing.
	return { code, message: message || errorText, fields: [...new Set(fields)] };
}

/** "Unknown voice "x" (field: voice)": the server's words, with the fields it named. */
export function withFields({ message, fields }: ErrorBody): string {
	const named = fields.filter((field) => !message.includes(field));
	return named.length ? `${message} (${named.length > 1 ? 'fields' : 'field'}: ${named.join(', ')})` : message;
}
