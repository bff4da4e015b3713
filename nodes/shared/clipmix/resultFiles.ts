import type { IDataObject, INodeProperties } from 'n8n-workflow';

/** One file a finished ClipMix job names: a translation has one per target language. */
export interface ResultFile {
	url: string;
	/** The language the file is in, when the answer says so (or the job had exactly one target language). */
	language?: string;
	/** What else the answer calls the file (a key or a name), when it gives no language. */
	label?: string;
}

export interface ResultFiles {
	files: ResultFile[];
	/** The fields read, for a message when none held a URL. */
	lookedAt: string[];
}

/**
 * Where a finished ClipMix job may name its files. ClipMix does not document the field, nor how
 * several files (one per language) come back, so every plausible one is read, in this order; the
 * "Result URL Field" option names any other. Each field may hold a URL, a list of URLs, a list of
 * `{ url, language }`, an object keyed by language, or an object with `files` / `videos` in it.
 */
export const RESULT_FIELDS = [
	'result_url',
	'resultUrl',
	'result_urls',
	'resultUrls',
	'results',
	'files',
	'output.files',
	'output.videos',
	'output.url',
	'output.audio_url',
	'output.video_url',
	'output_url',
	'outputs',
	'result.url',
	'result',
	'output',
] as const;

const URL_KEYS = ['url', 'file_url', 'fileUrl', 'video_url', 'videoUrl', 'audio_url', 'audioUrl', 'download_url', 'downloadUrl'];
const LANGUAGE_KEYS = ['language', 'lang', 'target_language', 'targetLanguage', 'locale', 'language_code'];
const LABEL_KEYS = ['label', 'name', 'title'];
const NESTED_LISTS = ['files', 'videos', 'outputs', 'results'];
/** es, pt-BR, zh_Hans: what a language key looks like (an object keyed by anything else is not a language map). */
const LANGUAGE_CODE = /^[a-z]{2,3}([-_][A-Za-z]{2,4})?$/;

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
	return typeof value === 'string' && /^https?:\/\//i.test(value.trim()) ? value.trim() : undefined;
}

function firstString(object: IDataObject, keys: string[]): string | undefined {
	for (const key of keys) {
		const value = object[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
	}
	return undefined;
}

/** The files one value names, whatever its shape; [] when it names none. */
function filesIn(value: unknown, depth = 0): ResultFile[] {
	const url = asUrl(value);
	if (url) return [{ url }];
	if (depth > 3 || value === null || typeof value !== 'object') return [];
	if (Array.isArray(value)) return value.flatMap((entry) => filesIn(entry, depth + 1));

	const object = value as IDataObject;
	const own = URL_KEYS.map((key) => asUrl(object[key])).find(Boolean);
	if (own) {
		const language = firstString(object, LANGUAGE_KEYS);
		const label = firstString(object, LABEL_KEYS);
		return [{ url: own, ...(language ? { language } : {}), ...(label ? { label } : {}) }];
	}
	for (const key of NESTED_LISTS) {
		const nested = filesIn(object[key], depth + 1);
		if (nested.length) return nested;
	}
	// An object keyed by language (or by some other name): { es: url, de: { url } }.
	return Object.entries(object).flatMap(([key, entry]) =>
		filesIn(entry, depth + 1).map((file) => {
			if (file.language || file.label) return file;
			return LANGUAGE_CODE.test(key) ? { ...file, language: key } : { ...file, label: key };
		}),
	);
}

/** The target languages the job was created with, as its answer echoes them. */
function targetLanguagesOf(job: IDataObject): string[] {
	const input = (job.input && typeof job.input === 'object' ? job.input : {}) as IDataObject;
	const raw = job.target_languages ?? input.target_languages ?? job.targetLanguages;
	return Array.isArray(raw) ? raw.map(String) : [];
}

/**
 * A file without a language gets one only when that is certain: the job had one target
 * language and named one file, or exactly one target language stands in the file's URL as a
 * path or name part (…/es.mp4, …_es.mp4, ?lang=es). Never by position: a wrong guess would
 * post one language's dub as another's.
 */
function withLanguages(files: ResultFile[], targets: string[]): ResultFile[] {
	if (files.length === 1 && targets.length === 1 && !files[0].language) return [{ ...files[0], language: targets[0] }];
	return files.map((file) => {
		if (file.language || targets.length < 2) return file;
		const inUrl = targets.filter((code) => new RegExp(`[/_.=-]${code}(?:[/_.&-]|$)`, 'i').test(file.url));
		return inUrl.length === 1 ? { ...file, language: inUrl[0] } : file;
	});
}

/**
 * The one place that finds a job's result files. `customField`, a dot path to a URL, a list or an
 * object, is tried first; then RESULT_FIELDS, and the first field that names any file wins.
 */
export function resultFilesOf(job: IDataObject, customField = ''): ResultFiles {
	const lookedAt = [...(customField.trim() ? [customField.trim()] : []), ...RESULT_FIELDS];
	for (const field of lookedAt) {
		const found = filesIn(valueAt(job, field));
		if (found.length === 0) continue;
		const unique = found.filter((file, index) => found.findIndex((other) => other.url === file.url) === index);
		return { files: withLanguages(unique, targetLanguagesOf(job)), lookedAt };
	}
	return { files: [], lookedAt };
}

/** Where the result files are when they are in none of the usual fields (ClipMix does not document it). */
export const resultUrlFieldProperty: INodeProperties = {
	displayName: 'Result URL Field',
	name: 'resultUrlField',
	type: 'string',
	default: '',
	placeholder: 'output.files',
	description: `The path of the field that names the result file: a URL, or a list or object of them (one per language). Leave empty to look in ${RESULT_FIELDS.join(', ')}.`,
};
