/**
 * The ClipMix credential's own authentication, as n8n calls it for every request it signs (the nodes,
 * the credential test, the HTTP Request node): a key with ClipMix's prefix goes out trimmed as a Bearer
 * token; any other key is refused in our words before anything is sent.
 */
import type { IHttpRequestOptions } from 'n8n-workflow';

import { ClipMixApi } from '../../credentials/ClipMixApi.credentials';

const WRONG_PREFIX =
	'This is not a ClipMix API key: ClipMix keys start with sk_live_ (live, spends credits) or sk_test_ (free sandbox). Copy the key from the ClipMix dashboard, under API keys.';

const request: IHttpRequestOptions = { url: 'https://api.test/v1/music/mus_1', method: 'GET', headers: { Accept: 'application/json' } };
const authenticate = async (apiKey: unknown) => await new ClipMixApi().authenticate({ apiKey } as never, request);

describe('ClipMix credential: authenticate', () => {
	it.each([
		['a live key', 'sk_live_abc123', 'sk_live_abc123'],
		['a sandbox key', 'sk_test_abc123', 'sk_test_abc123'],
		['a pasted key with spaces and a line break around it', '  sk_live_abc123\n', 'sk_live_abc123'],
	])('sends %s as a Bearer token, keeping the other headers', async (_, apiKey, sent) => {
		expect(await authenticate(apiKey)).toEqual({ ...request, headers: { Accept: 'application/json', Authorization: `Bearer ${sent}` } });
	});

	it.each([
		['another service’s key', 'pk_live_abc123'],
		['a Blipix key', 'blx_abc123'],
		['a prefix inside the key', 'key_sk_live_abc123'],
		['no key', undefined],
		['an empty key', ''],
	])('refuses %s in our words', async (_, apiKey) => {
		await expect(authenticate(apiKey)).rejects.toThrow(new Error(WRONG_PREFIX));
	});
});
