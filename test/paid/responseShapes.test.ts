/**
 * The one reader of each undocumented response shape: API error bodies (both APIs) and where a
 * finished ClipMix job names its files (one, or one per language).
 */
import { resultFilesOf } from '../../nodes/shared/clipmix/resultFiles';
import { readErrorBody, withFields } from '../../nodes/shared/transport/errorBody';

describe('readErrorBody', () => {
	it.each([
		[{ error: 'Invalid API key.' }, { code: '', message: 'Invalid API key.' }],
		[{ error: 'purchase_required', message: 'Buy credits once to use live keys' }, { code: 'purchase_required', message: 'Buy credits once to use live keys' }],
		[{ error: { code: 'insufficient_credits', message: 'Job costs 60; balance 12' } }, { code: 'insufficient_credits', message: 'Job costs 60; balance 12' }],
		[{ code: 'validation_error', message: 'prompt is required' }, { code: 'validation_error', message: 'prompt is required' }],
		[{ message: 'Not found' }, { code: '', message: 'Not found' }],
		[{ detail: 'Throttled' }, { code: '', message: 'Throttled' }],
		[{ errors: [{ field: 'voice', message: 'unknown voice' }] }, { code: '', message: 'unknown voice', fields: ['voice'] }],
		[{ error: 'idempotency_key_reuse' }, { code: 'idempotency_key_reuse', message: 'idempotency_key_reuse' }],
		[{}, { code: '', message: '' }],
	])('%j', (body, expected) => {
		expect(readErrorBody(body)).toMatchObject(expected);
	});

	it('keeps the specific message and the fields of a detailed validation error', () => {
		const said = readErrorBody({
			error: 'Validation failed',
			message: 'Unknown voice "not-a-voice". See GET /voices',
			details: [{ field: 'voice', message: 'unknown' }, { field: 'style', message: 'unknown' }],
		});
		expect(said).toEqual({ code: '', message: 'Unknown voice "not-a-voice". See GET /voices', fields: ['voice', 'style'] });
		expect(withFields(said)).toBe('Unknown voice "not-a-voice". See GET /voices (field: style)');
	});
});

describe('resultFilesOf: one file', () => {
	const url = 'https://cdn.example.com/r/abc.m4a';
	it.each([
		['result_url', { result_url: url }],
		['resultUrl', { resultUrl: url }],
		['output.url', { output: { url, audio_url: 'https://other.example.com/x.m4a', format: 'm4a', duration_seconds: 60 } }],
		['output.audio_url', { output: { audio_url: url, format: 'm4a' } }],
		['output.video_url', { output: { video_url: url } }],
		['output_url', { output_url: url }],
		['result.url', { result: { url } }],
		['outputs[0].url', { outputs: [{ url, format: 'm4a' }] }],
		['outputs[0]', { outputs: [url] }],
		['output (a plain URL)', { output: url }],
	])('%s', (_, job) => {
		expect(resultFilesOf(job).files).toEqual([{ url }]);
	});

	it('tries the Result URL Field first, and says where it looked when nothing is there', () => {
		expect(resultFilesOf({ result_url: 'https://a.example.com/1', data: { file: { href: url } } }, 'data.file.href').files).toEqual([{ url }]);
		const missing = resultFilesOf({ status: 'completed', result_url: null, output: { format: 'm4a' } }, 'data.file');
		expect(missing.files).toEqual([]);
		expect(missing.lookedAt).toEqual(expect.arrayContaining(['data.file', 'result_url', 'output.url', 'outputs']));
	});

	it('ignores values that are not web addresses', () => {
		expect(resultFilesOf({ result_url: 'file:///etc/passwd', output: { url: 42 } }).files).toEqual([]);
	});
});

const at = (name: string) => `https://cdn.example.com/r/${name}`;
const job = (fields: Record<string, unknown>, targets?: string[]) => ({
	id: 'tr_1',
	status: 'completed',
	...(targets ? { input: { target_languages: targets } } : {}),
	...fields,
});

describe('resultFilesOf: several files, one per language', () => {
	it('one file of a job with one target language is in that language', () => {
		expect(resultFilesOf(job({ result_url: at('a.mp4') }, ['fr'])).files).toEqual([{ url: at('a.mp4'), language: 'fr' }]);
	});

	const three = ['es', 'de', 'ja'];
	it.each([
		['a list of { language, url }', { results: three.map((language) => ({ language, url: at(`x-${language}.mp4`) })) }],
		['a list of { lang, video_url }', { outputs: three.map((lang) => ({ lang, video_url: at(`x-${lang}.mp4`) })) }],
		['an object keyed by language', { result_urls: Object.fromEntries(three.map((l) => [l, at(`x-${l}.mp4`)])) }],
		['an object keyed by language, of objects', { output: Object.fromEntries(three.map((l) => [l, { url: at(`x-${l}.mp4`) }])) }],
		['output.files', { output: { files: three.map((language) => ({ language, url: at(`x-${language}.mp4`) })) } }],
		['output.videos', { output: { videos: three.map((target_language) => ({ target_language, url: at(`x-${target_language}.mp4`) })) } }],
		['a list of URLs naming the language', { result_urls: three.map((l) => at(`ep12/${l}.mp4`)) }],
	])('one file per language: %s', (_, fields) => {
		const { files } = resultFilesOf(job(fields, three));
		expect(files.map((file) => file.language)).toEqual(three);
		expect(new Set(files.map((file) => file.url)).size).toBe(3);
	});

	it('a list of URLs that do not say their language: every file, none given a language by guess', () => {
		const { files } = resultFilesOf(job({ result_urls: [at('1.mp4'), at('2.mp4'), at('3.mp4')] }, three));
		expect(files).toEqual([{ url: at('1.mp4') }, { url: at('2.mp4') }, { url: at('3.mp4') }]);
	});

	it('an object keyed by something other than a language keeps the key as a label', () => {
		const { files } = resultFilesOf(job({ outputs: { master: at('m.mp4'), preview_cut: at('p.mp4') } }));
		expect(files).toEqual([
			{ url: at('m.mp4'), label: 'master' },
			{ url: at('p.mp4'), label: 'preview_cut' },
		]);
	});

	it('Result URL Field names a list, an object or a URL anywhere, and is read first', () => {
		const fields = { result_url: at('first.mp4'), data: { dubs: { es: at('es.mp4'), de: at('de.mp4') } } };
		expect(resultFilesOf(job(fields), 'data.dubs').files).toEqual([
			{ url: at('es.mp4'), language: 'es' },
			{ url: at('de.mp4'), language: 'de' },
		]);
		expect(resultFilesOf(job({ data: { list: [{ url: at('z.mp4') }] } }), 'data.list[0].url').files).toEqual([{ url: at('z.mp4') }]);
	});

	it('the same URL twice is one file; no URL at all says where it looked', () => {
		expect(resultFilesOf(job({ results: [at('a.mp4'), { url: at('a.mp4') }] })).files).toHaveLength(1);
		const none = resultFilesOf(job({ result_url: null, outputs: [] }));
		expect(none.files).toEqual([]);
		expect(none.lookedAt).toContain('output.files');
	});
});
