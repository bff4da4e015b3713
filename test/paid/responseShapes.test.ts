/**
 * The one reader of each undocumented response shape: API error bodies (both APIs) and where a
 * finished ClipMix job names its file.
 */
import { resultUrlOf } from '../../nodes/shared/clipmix/resultUrl';
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

describe('resultUrlOf', () => {
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
		expect(resultUrlOf(job).url).toBe(url);
	});

	it('tries the Result URL Field first, and says where it looked when nothing is there', () => {
		expect(resultUrlOf({ result_url: 'https://a.example.com/1', data: { file: { href: url } } }, 'data.file.href').url).toBe(url);
		const missing = resultUrlOf({ status: 'completed', result_url: null, output: { format: 'm4a' } }, 'data.file');
		expect(missing.url).toBeUndefined();
		expect(missing.lookedAt).toEqual(expect.arrayContaining(['data.file', 'result_url', 'output.url', 'outputs']));
	});

	it('ignores values that are not web addresses', () => {
		expect(resultUrlOf({ result_url: 'file:///etc/passwd', output: { url: 42 } }).url).toBeUndefined();
	});
});
