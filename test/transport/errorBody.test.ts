/**
 * Reading undocumented error bodies: the server's words, trimmed, from whichever shape it used, with the
 * fields it named; entries of other shapes (null, numbers) are skipped, never fatal.
 */
import type { IDataObject } from 'n8n-workflow';

import { readErrorBody, withFields } from '../../nodes/shared/transport/errorBody';

describe('readErrorBody', () => {
	it.each<[string, IDataObject, { code: string; message: string; fields?: string[] }]>([
		['trims the server’s words', { message: '  Not found \n' }, { code: '', message: 'Not found' }],
		['trims a code', { error: { code: ' rate_limited ', message: 'Slow down' } }, { code: 'rate_limited', message: 'Slow down' }],
		['a list of plain messages, joined', { errors: ['prompt is required', 'duration is too long'] }, { code: '', message: 'prompt is required; duration is too long' }],
		[
			'a list of entries, skipping those without a message',
			{ errors: [null, 7, { field: 'voice' }, { message: 'unknown voice' }, ''] },
			{ code: '', message: 'unknown voice', fields: ['voice'] },
		],
		[
			'fields of entries, skipping entries without one',
			{ message: 'Invalid', details: [null, 'voice', { message: 'no field' }, { path: 'style' }, { param: 'length' }] },
			{ code: '', message: 'Invalid', fields: ['style', 'length'] },
		],
		['a null error next to a message', { error: null, message: 'Bad input' }, { code: '', message: 'Bad input' }],
		['a sentence in error, before details', { error: 'Invalid API key.', details: [{ message: 'key expired' }] }, { code: '', message: 'Invalid API key.' }],
		['a sentence in error that ends in a code-like word', { error: 'Unknown voice_id' }, { code: '', message: 'Unknown voice_id' }],
		['a sentence in error that starts with a code-like word', { error: 'rate_limit exceeded' }, { code: '', message: 'rate_limit exceeded' }],
		['lowercase words in error', { error: 'invalid input' }, { code: '', message: 'invalid input' }],
		['one lowercase word in error: a code, and all it said', { error: 'forbidden' }, { code: 'forbidden', message: 'forbidden' }],
		['a code in error: the details say more', { error: 'validation_failed', details: [{ message: 'prompt is required' }] }, { code: 'validation_failed', message: 'prompt is required' }],
		[
			'details nested in the error object',
			{ error: { code: 'validation_failed', details: [{ field: 'voice', message: 'unknown voice' }] } },
			{ code: 'validation_failed', message: 'unknown voice', fields: ['voice'] },
		],
	])('%s', (_, body, expected) => {
		expect(readErrorBody(body)).toEqual({ fields: [], ...expected });
	});
});

describe('withFields', () => {
	it.each([
		[{ message: 'Invalid input', fields: ['voice'] }, 'Invalid input (field: voice)'],
		[{ message: 'Invalid input', fields: ['voice', 'style'] }, 'Invalid input (fields: voice, style)'],
		[{ message: 'Unknown voice', fields: ['voice', 'style'] }, 'Unknown voice (field: style)'],
		[{ message: 'Unknown voice', fields: [] }, 'Unknown voice'],
	])('%j', (said, expected) => {
		expect(withFields({ code: '', ...said })).toBe(expected);
	});
});
