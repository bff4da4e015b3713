import type { IDataObject, INodeProperties } from 'n8n-workflow';

/**
 * Where a finished ClipMix job may name its file. ClipMix does not document the field, so every
 * plausible one is read, in this order; the "Result URL Field" option names any other.
 */
export const RESULT_URL_FIELDS = [
	'result_url',
	'resultUrl',
	'output.url',
	'output.audio_url',
	'output.video_url',
	'output_url',
	'result.url',
	// A list of outputs ([{url}] or [url]), or a plain URL under `output`.
	'outputs',
	'output',
] as const;

/** `a.b[0].c` → the value there, or undefined. */
function valueAt(job: IDataObject, path: string): unknown {
	let value: unknown = job;
	for (const part of path.split(/\.|\[(\d+)\]/).filter(Boolean)) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[part];
	}
	return value;
}

function asUrl(value: unknown): string | undefined {
	if (Array.isArray(value)) value = value[0];
	if (value && typeof value === 'object') value = (value as IDataObject).url;
	return typeof value === 'string' && /^https?:\/\//i.test(value.trim()) ? value.trim() : undefined;
}

export interface ResultUrl {
	url?: string;
	/** The fields read, for a message when none held a URL. */
	lookedAt: string[];
}

/** The one place that finds a job's result file. `customField`, a dot path, is tried first. */
export function resultUrlOf(job: IDataObject, customField = ''): ResultUrl {
	const lookedAt = [...(customField.trim() ? [customField.trim()] : []), ...RESULT_URL_FIELDS];
	for (const field of lookedAt) {
		const url = asUrl(valueAt(job, field));
		if (url) return { url, lookedAt };
	}
	return { lookedAt };
}

/** Where the result file's URL is when it is in none of the usual fields (ClipMix does not document it). */
export const resultUrlFieldProperty: INodeProperties = {
	displayName: 'Result URL Field',
	name: 'resultUrlField',
	type: 'string',
	default: '',
	placeholder: 'output.url',
	description: `The path of the field that holds the result file's URL. Leave empty to look in ${RESULT_URL_FIELDS.join(', ')}.`,
};
