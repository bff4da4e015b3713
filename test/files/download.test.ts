/**
 * downloadToBinary and its helpers, driven directly: a fake n8n context answers each request from a
 * table and stores what it reads, and the watchdog's clock is stepped by hand. So each rule of a
 * download (which hops it follows, where the key goes, which bodies it keeps, when it gives up,
 * that a refused or failed body is closed and nothing is saved) is checked exactly, with no server
 * and no waiting. test/security/downloads.test.ts checks the same path through n8n-core.
 */
import { getEventListeners } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';

import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IBinaryData, IHttpRequestOptions, INode } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { STALL_TIMEOUT_MS, downloadToBinary, isSameOrigin, toFileName } from '../../nodes/shared/download';
import type { DownloadContext, DownloadRequest, FileKind } from '../../nodes/shared/download';

const API = 'https://app.blipix.pro/api/v1';
const CDN = 'https://cdn.example.com';
const FILE = `${CDN}/v.mp4`;
const KEY = 'blx_unitCanaryKey000000000000000000000000';
const NOTHING_SAVED = 'Nothing was saved for this file. Run the item again to download it anew.';

/** What the fake server answers one URL with; an Error rejects the request, 'silent' never answers. */
interface Answer {
	status?: number;
	headers?: Record<string, string>;
	chunks?: Buffer[];
	/** The body stays open after its chunks: a stalled or never-ending server. */
	open?: boolean;
	/** Where DNS led the connection; null for a body without its socket (n8n's decompressing stream). */
	remoteAddress?: string | null;
}
type Reply = Answer | Error | string | 'silent';

type Body = PassThrough & { socket?: { remoteAddress: string } };

/** How the store reads the downloaded stream; the default reads it to the end at once. */
type Store = (stream: Readable) => Promise<Buffer>;

async function readAll(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

function fakeContext(replies: Record<string, Reply>, options: { signal?: AbortSignal; poll?: boolean; store?: Store } = {}) {
	const requests: Array<{ url: string; options: IHttpRequestOptions; credentialType?: string }> = [];
	const bodies: Body[] = [];
	const stored: Buffer[] = [];
	const answer = async (request: IHttpRequestOptions, credentialType?: string) => {
		requests.push({ url: request.url, options: request, credentialType });
		const reply = replies[request.url] ?? { status: 404 };
		if (reply === 'silent') {
			return await new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
		}
		if (reply instanceof Error || typeof reply === 'string') throw reply;
		const body = Object.assign(new PassThrough(), reply.remoteAddress === null ? {} : { socket: { remoteAddress: reply.remoteAddress ?? '203.0.113.7' } });
		for (const chunk of reply.chunks ?? []) body.write(chunk);
		if (!reply.open) body.end();
		bodies.push(body);
		return { statusCode: reply.status ?? 200, headers: reply.headers ?? { 'content-type': 'video/mp4' }, body };
	};
	const node: INode = { id: 'd', name: 'Download', type: 'test.download', typeVersion: 1, position: [0, 0], parameters: {} };
	const ctx = {
		getNode: () => node,
		...(options.poll ? {} : { getExecutionCancelSignal: () => options.signal }),
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) => await answer(request),
			httpRequestWithAuthentication: async (credentialType: string, request: IHttpRequestOptions) => await answer(request, credentialType),
			prepareBinaryData: async (stream: Readable, fileName: string, mimeType?: string): Promise<IBinaryData> => {
				const data = await (options.store ?? readAll)(stream);
				stored.push(data);
				return { data: data.toString('base64'), fileName, mimeType } as IBinaryData;
			},
		},
	} as unknown as DownloadContext;
	return { ctx, requests, bodies, stored };
}

type Fake = ReturnType<typeof fakeContext>;

function request(extra: Partial<DownloadRequest> = {}): DownloadRequest {
	return { url: FILE, apiBaseUrl: API, credentialType: 'blipixApi', baseName: 'Clip', extension: 'mp4', itemIndex: 2, kind: 'video', ...extra };
}

async function attempt(fake: Fake, extra: Partial<DownloadRequest> = {}) {
	try {
		return { binary: await downloadToBinary(fake.ctx, request(extra)) };
	} catch (error) {
		return { error: error as NodeApiError | NodeOperationError };
	}
}

/** A download of one answer from the CDN. */
async function downloadOf(answer: Reply, extra: Partial<DownloadRequest> = {}) {
	const fake = fakeContext({ [FILE]: answer });
	return { ...(await attempt(fake, extra)), fake };
}

const bytes = (count: number, fill = 1) => Buffer.alloc(count, fill);

/** Every body the server sent was read to its end or closed: no connection is left hanging. */
function expectAllClosed(fake: Fake) {
	expect(fake.bodies.map((body) => body.destroyed || body.readableEnded)).toEqual(fake.bodies.map(() => true));
}

/** The download failed with `message`, for item 2, after closing every body and saving nothing. */
function expectRefused(outcome: { binary?: IBinaryData; error?: NodeApiError | NodeOperationError; fake: Fake }, message: string, description?: string) {
	expect(outcome.binary).toBeUndefined();
	expect(outcome.error?.message).toBe(message);
	expect(outcome.error?.description ?? undefined).toBe(description);
	expect(outcome.error?.context.itemIndex).toBe(2);
	expect(outcome.fake.stored).toEqual([]);
	expectAllClosed(outcome.fake);
}

afterEach(() => jest.restoreAllMocks());

describe('a file name from a title', () => {
	it.each([
		['every separator and reserved character', 'a\\b/c:d*e?f"g<h>i|j\u0000k\u001fl', 'a-b-c-d-e-f-g-h-i-j-k-l'],
		['a run of them as one dash', 'Intro <<part>> 1//2', 'Intro -part- 1-2'],
		['runs of white space as one space', 'My\u00a0 \u2003 clip  now', 'My clip now'],
		['no dots, dashes or spaces at either end', ' ..- /draft. final -. ', 'draft. final'],
		['dots and dashes inside kept', 'v1.2 - final.cut', 'v1.2 - final.cut'],
		['at most 120 characters', 'x'.repeat(130), 'x'.repeat(120)],
		['120 characters counted after the spaces around are gone', `${' '.repeat(5)}${'y'.repeat(130)}`, 'y'.repeat(120)],
		['nothing left of a title of separators', '../..', ''],
	])('keeps %s', (_, title, expected) => {
		expect(toFileName(title)).toBe(expected);
	});
});

describe('the origin the API key may go to', () => {
	it.each([
		['a path of the API’s own host', 'https://app.blipix.pro/files/v.mp4', API, true],
		['another host', `${CDN}/v.mp4`, API, false],
		['another port', 'https://app.blipix.pro:8443/v.mp4', API, false],
		['another scheme', 'http://app.blipix.pro/v.mp4', API, false],
		['a URL that is not one', 'app.blipix.pro/v.mp4', API, false],
		['a Base URL that is not one', 'https://app.blipix.pro/v.mp4', 'app.blipix.pro', false],
	])('is %s: %s', (_, url, base, same) => {
		expect(isSameOrigin(url, base)).toBe(same);
	});
});

describe('a download', () => {
	it.each([
		['Clip', 'Clip.mp4'],
		['My: clip?', 'My- clip.mp4'],
		['...', 'file.mp4'],
	])('of a title %j is saved as %s, with the media type the server gave', async (baseName, fileName) => {
		const { binary, fake } = await downloadOf({ headers: { 'content-type': ' Video/MP4 ; codecs="avc1"' }, chunks: [bytes(300), bytes(200, 2)] }, { baseName });
		expect(binary).toEqual({ data: Buffer.concat([bytes(300), bytes(200, 2)]).toString('base64'), fileName, mimeType: 'video/mp4' });
		expectAllClosed(fake);
	});

	it('asks n8n for the raw body, follows no redirect itself and sends no key along one', async () => {
		const signal = new AbortController().signal;
		const fake = fakeContext({ [FILE]: { chunks: [bytes(10)] } }, { signal });
		await attempt(fake);
		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0].options).toMatchObject({
			method: 'GET',
			url: FILE,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			abortSignal: signal,
		});
	});

	it.each([
		[1, STALL_TIMEOUT_MS],
		[10, STALL_TIMEOUT_MS / 10],
		[300, 1000],
	])('gives up on a server that does not answer after the stall timeout, and never within a second (time scale %d: %d ms)', async (scale, timeout) => {
		jest.replaceProperty(clock, 'scale', scale);
		const fake = fakeContext({ [FILE]: { chunks: [bytes(10)] } });
		await attempt(fake);
		expect(fake.requests[0].options.timeout).toBe(timeout);
	});

	it.each([
		['the API’s own origin', 'https://app.blipix.pro/files/v.mp4', 'blipixApi'],
		['a CDN', FILE, undefined],
		['the API’s host on another port', 'https://app.blipix.pro:8443/v.mp4', undefined],
	])('sends the key to %s: %s', async (_, url, credentialType) => {
		const fake = fakeContext({ [url]: { chunks: [bytes(10)] } });
		expect((await attempt(fake, { url })).error).toBeUndefined();
		expect(fake.requests.map((r) => r.credentialType)).toEqual([credentialType]);
	});

	it.each([300, 301, 302, 303, 307, 308, 399])('follows an HTTP %d redirect, one checked hop at a time, the key staying behind', async (status) => {
		const start = 'https://app.blipix.pro/files/v.mp4';
		const fake = fakeContext({ [start]: { status, headers: { location: `${CDN}/a/b.mp4` } }, [`${CDN}/a/b.mp4`]: { status: 302, headers: { location: 'c.mp4' } }, [`${CDN}/a/c.mp4`]: { chunks: [bytes(10)] } });
		const { binary } = await attempt(fake, { url: start });
		expect(binary?.fileName).toBe('Clip.mp4');
		expect(fake.requests.map((r) => [r.url, r.credentialType])).toEqual([
			[start, 'blipixApi'],
			[`${CDN}/a/b.mp4`, undefined],
			[`${CDN}/a/c.mp4`, undefined],
		]);
		expectAllClosed(fake);
	});

	it.each([
		['a cloud metadata address', 'http://169.254.169.254/latest/', 'http://169.254.169.254/latest/: 169.254.169.254 is a cloud metadata address'],
		['an address inside the network while the API is public', 'http://10.0.0.7/v.mp4', 'http://10.0.0.7/v.mp4: 10.0.0.7 is an address inside your network, and the API is not'],
		['another scheme', 'file:///etc/passwd', 'file:///etc/passwd: it is not a web address (file:)'],
	])('refuses a redirect to %s before following it', async (_, location, reason) => {
		const outcome = await downloadOf({ status: 302, headers: { location } });
		expectRefused(outcome, `Not downloading ${reason}`, 'The link came from the API\'s answer; nothing was fetched.');
		expect(outcome.fake.requests).toHaveLength(1);
	});

	it('refuses a link that is not a URL at all, fetching nothing', async () => {
		const fake = fakeContext({});
		expectRefused({ ...(await attempt(fake, { url: 'cdn/v.mp4' })), fake }, 'Not downloading "cdn/v.mp4": it is not a web address');
		expect(fake.requests).toEqual([]);
	});

	it('stops after 5 redirects', async () => {
		const outcome = await downloadOf({ status: 302, headers: { location: FILE } });
		expectRefused(outcome, `Not downloading ${FILE}: it redirected more than 5 times`);
		expect(outcome.fake.requests).toHaveLength(6);
	});

	it('takes a success answer that also names a Location as the file itself', async () => {
		const outcome = await downloadOf({ status: 201, headers: { 'content-type': 'video/mp4', location: `${CDN}/other.mp4` }, chunks: [bytes(10)] });
		expect(outcome.binary?.fileName).toBe('Clip.mp4');
		expect(outcome.fake.requests).toHaveLength(1);
	});

	it.each([
		[300, {}],
		[304, {}],
		[400, { location: `${CDN}/x.mp4` }],
		[404, { 'content-type': 'video/mp4' }],
		[503, {}],
	])('refuses an HTTP %d answer %j, saying the link may have expired', async (status, headers) => {
		const outcome = await downloadOf({ status, headers, chunks: [bytes(10)] });
		expectRefused(outcome, `The file server answered HTTP ${status} for ${FILE}`, 'The download link may have expired. Fetch the video or job again and retry.');
		expect(outcome.error).toBeInstanceOf(NodeApiError);
		expect((outcome.error as NodeApiError).httpCode).toBe(String(status));
		expect(outcome.fake.requests).toHaveLength(1);
	});

	it.each([
		['169.254.169.254', 200],
		['::ffff:169.254.10.1', 200],
		['FE80::1', 200],
		['169.254.169.254', 302],
	])('refuses what came from %s, where DNS led it (HTTP %d), and closes it', async (remoteAddress, status) => {
		const outcome = await downloadOf({ status, headers: { location: `${CDN}/next.mp4`, 'content-type': 'video/mp4' }, chunks: [bytes(10)], remoteAddress });
		expectRefused(outcome, `Not downloading ${FILE}: its host name led to ${remoteAddress}, a link-local or cloud metadata address`);
		expect(outcome.fake.requests).toHaveLength(1);
	});

	it.each([
		['from a private address DNS led to (a proxy n8n goes through)', '10.0.0.7'],
		['n8n hands over without its socket (a compressed answer)', null],
	])('takes a file %s', async (_, remoteAddress) => {
		expect((await downloadOf({ chunks: [bytes(10)], remoteAddress })).binary?.fileName).toBe('Clip.mp4');
	});

	const accepted: Array<[FileKind, string]> = [
		['video', 'video/mp4'],
		['video', 'video/webm'],
		['video', 'application/mp4'],
		['video', 'application/octet-stream'],
		['video', 'binary/octet-stream'],
		['image', 'image/jpeg'],
		['image', 'application/octet-stream'],
		['image', 'binary/octet-stream'],
		['audio', 'audio/mpeg'],
		['audio', 'video/mp4'],
		['audio', 'application/mp4'],
		['audio', 'application/octet-stream'],
		['audio', 'binary/octet-stream'],
	];
	it.each(accepted)('takes a %s sent as %s', async (kind, type) => {
		const { binary } = await downloadOf({ headers: { 'content-type': type }, chunks: [bytes(10)] }, { kind });
		expect(binary?.mimeType).toBe(type);
	});

	it('takes a file sent without a content type', async () => {
		const { binary } = await downloadOf({ headers: {}, chunks: [bytes(10)] });
		expect(binary).toMatchObject({ fileName: 'Clip.mp4', mimeType: undefined });
	});

	const refused: Array<[FileKind, string, string]> = [
		['video', 'image/png', 'a video file'],
		['video', 'audio/mpeg', 'a video file'],
		['video', 'application/json', 'a video file'],
		['video', 'x-video/mp4', 'a video file'],
		['video', 'application/mp4x', 'a video file'],
		['video', 'application/octet-streams', 'a video file'],
		['video', 'binary/octet-streams', 'a video file'],
		['image', 'video/mp4', 'an image'],
		['image', 'application/mp4', 'an image'],
		['image', 'x-image/png', 'an image'],
		['image', 'application/octet-streams', 'an image'],
		['image', 'binary/octet-streams', 'an image'],
		['audio', 'video/webm', 'an audio file'],
		['audio', 'video/mp4x', 'an audio file'],
		['audio', 'x-audio/mpeg', 'an audio file'],
		['audio', 'image/png', 'an audio file'],
		['audio', 'application/mp4x', 'an audio file'],
		['audio', 'application/octet-streams', 'an audio file'],
		['audio', 'binary/octet-streams', 'an audio file'],
	];
	it.each(refused)('refuses a %s sent as %s, and closes it', async (kind, type, asked) => {
		const outcome = await downloadOf({ headers: { 'content-type': type }, chunks: [bytes(10)] }, { kind });
		expectRefused(outcome, `Not saving Clip.mp4: the server sent ${type}, not ${asked}`);
	});

	it('refuses a web page, saying the link may need a login', async () => {
		const outcome = await downloadOf({ headers: { 'content-type': 'text/html; charset=utf-8' }, chunks: [bytes(10)] });
		expectRefused(outcome, 'Not saving Clip.mp4: the server sent text/html, not a video file', 'It answered with a web page: the link may need a login, or may have expired.');
	});

	it.each([
		['declared at the limit', 1000, { 'content-length': '1000' }, 1000],
		['streamed to the limit', 1000, {}, 1000],
		['of any size with no limit', 0, { 'content-length': '5000' }, 5000],
		['of any size with the limit unset', undefined, { 'content-length': '5000' }, 5000],
	])('takes a file %s', async (_, maxBytes, headers, size) => {
		const { binary } = await downloadOf({ headers: { 'content-type': 'video/mp4', ...headers }, chunks: [bytes(size)] }, { maxBytes });
		expect(Buffer.from(binary?.data ?? '', 'base64')).toEqual(bytes(size));
	});

	it('refuses a file declared over Max File Size before reading it', async () => {
		const outcome = await downloadOf({ headers: { 'content-type': 'video/mp4', 'content-length': '1001' }, chunks: [bytes(1001)] }, { maxBytes: 1000 });
		expectRefused(outcome, 'Not saving Clip.mp4: it is 1001 bytes, over the Max File Size of 1000 bytes');
	});

	it.each([
		['that declares no size', {}],
		['that declares less than it sends', { 'content-length': '900' }],
	])('stops a body %s as it passes Max File Size', async (_, headers) => {
		const outcome = await downloadOf({ headers: { 'content-type': 'video/mp4', ...headers }, chunks: [bytes(1001)] }, { maxBytes: 1000 });
		expectRefused(outcome, 'Download of Clip.mp4 stopped after 1001 bytes: it passed the Max File Size of 1000 bytes', NOTHING_SAVED);
	});

	it('hands the store not one byte past Max File Size', async () => {
		let received = 0;
		const store: Store = async (stream) => {
			for await (const chunk of stream) received += (chunk as Buffer).length;
			return Buffer.alloc(0);
		};
		const fake = fakeContext({ [FILE]: { chunks: [bytes(1001)] } }, { store });
		expectRefused({ ...(await attempt(fake, { maxBytes: 1000 })), fake }, 'Download of Clip.mp4 stopped after 1001 bytes: it passed the Max File Size of 1000 bytes', NOTHING_SAVED);
		expect(received).toBe(0);
	});

	it('says why it stopped in its own words, whatever error the store reports for it', async () => {
		const store: Store = async (stream) => await readAll(stream).catch(() => Promise.reject(new Error('the upload was aborted')));
		const fake = fakeContext({ [FILE]: { chunks: [bytes(1001)] } }, { store });
		expectRefused({ ...(await attempt(fake, { maxBytes: 1000 })), fake }, 'Download of Clip.mp4 stopped after 1001 bytes: it passed the Max File Size of 1000 bytes', NOTHING_SAVED);
	});

	it.each([
		['a network error, with its code', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'socket hang up (ECONNRESET)'],
		['a network error that names its code', Object.assign(new Error('connect ECONNREFUSED 203.0.113.7:443'), { code: 'ECONNREFUSED' }), 'connect ECONNREFUSED 203.0.113.7:443'],
		['an error with a numeric code', Object.assign(new Error('boom'), { code: 42 }), 'boom'],
		['a rejection that is not an Error', 'plain failure', 'plain failure'],
	])('reports %s in its own words, without the request', async (_, failure, cause) => {
		const carrier = failure instanceof Error ? Object.assign(failure, { config: { headers: { Authorization: `Bearer ${KEY}` } } }) : failure;
		const outcome = await downloadOf(carrier);
		expectRefused(outcome, `Could not download ${FILE}`, cause);
		expect(outcome.error).toBeInstanceOf(NodeApiError);
		expect(JSON.stringify(outcome.error)).not.toContain(KEY);
		expect(JSON.stringify(outcome.error)).toContain(cause);
		// n8n lists an error's messages with it: the cause is among them.
		expect(outcome.error?.messages).toContain(cause);
	});

	it('reports a network error from the Blipix Trigger, which has no cancel signal, as a network error', async () => {
		const fake = fakeContext({ [FILE]: new Error('socket hang up') }, { poll: true });
		expect((await attempt(fake)).error?.message).toBe(`Could not download ${FILE}`);
	});

	it('downloads for the Blipix Trigger, which has no cancel signal', async () => {
		const fake = fakeContext({ [FILE]: { chunks: [bytes(10)] } }, { poll: true });
		expect((await attempt(fake)).binary?.fileName).toBe('Clip.mp4');
	});

	it('ends as canceled when the execution is canceled while the server has not answered', async () => {
		const controller = new AbortController();
		const fake = fakeContext({ [FILE]: 'silent' }, { signal: controller.signal });
		const outcome = attempt(fake);
		await new Promise(setImmediate);
		controller.abort();
		const { error } = await outcome;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.message).toBe('The execution was canceled');
	});

	it('ends as canceled, the body closed, when the execution is canceled mid-file', async () => {
		const controller = new AbortController();
		const store: Store = async (stream) => {
			for await (const chunk of stream) if ((chunk as Buffer).length) controller.abort();
			return Buffer.alloc(0);
		};
		const fake = fakeContext({ [FILE]: { chunks: [bytes(500)], open: true } }, { signal: controller.signal, store });
		expectRefused({ ...(await attempt(fake)), fake }, 'Download of Clip.mp4 stopped after 500 bytes: the execution was canceled');
	});

	it('closes the body and saves nothing when the store fails mid-file', async () => {
		const store: Store = async (stream) => {
			for await (const chunk of stream) if ((chunk as Buffer).length) throw new Error('disk full');
			return Buffer.alloc(0);
		};
		const fake = fakeContext({ [FILE]: { chunks: [bytes(500)], open: true } }, { store });
		expectRefused({ ...(await attempt(fake)), fake }, 'Download of Clip.mp4 stopped after 500 bytes: disk full', NOTHING_SAVED);
	});

	// Node raises an 'error' nobody listens for as an uncaught exception: in n8n, the whole process.
	it.each([
		['the store fails before it reads a byte', undefined],
		['the execution is canceled before the store reads a byte', new AbortController()],
	])('raises nothing uncaught when %s', async (_, controller) => {
		const uncaught = jest.fn();
		process.prependListener('uncaughtException', uncaught);
		try {
			// A cancel arrives as an event of its own, a turn after the store was handed the stream.
			const store: Store = async () => {
				await new Promise(setImmediate);
				controller?.abort();
				await new Promise(setImmediate);
				throw new Error('the store is not available');
			};
			const fake = fakeContext({ [FILE]: { chunks: [bytes(500)], open: true } }, { signal: controller?.signal, store });
			const outcome = await attempt(fake);
			await new Promise(setImmediate);
			expect(outcome.error?.message).toMatch(/^Download of Clip\.mp4 stopped after \d+ bytes: (the store is not available|the execution was canceled)$/);
			expectAllClosed(fake);
			expect(uncaught).not.toHaveBeenCalled();
		} finally {
			process.removeListener('uncaughtException', uncaught);
		}
	});

	it('ends as canceled when the execution is canceled while a failed download winds down', async () => {
		const controller = new AbortController();
		let windDown = () => {};
		const store: Store = async (stream) => {
			try {
				return await readAll(stream);
			} catch (error) {
				controller.abort();
				await new Promise<void>((resolve) => (windDown = resolve));
				throw error;
			}
		};
		const fake = fakeContext({ [FILE]: { chunks: [bytes(1001)] } }, { signal: controller.signal, store });
		const outcome = attempt(fake, { maxBytes: 1000 });
		await new Promise(setImmediate);
		windDown();
		expectRefused({ ...(await outcome), fake }, 'Download of Clip.mp4 stopped after 1001 bytes: the execution was canceled');
	});

	it.each([
		['saved', { chunks: [bytes(10)] }],
		['refused', { chunks: [bytes(2000)] }],
	])('leaves nothing listening to the execution’s cancel signal once a file is %s', async (_, answer) => {
		const controller = new AbortController();
		const fake = fakeContext({ [FILE]: answer }, { signal: controller.signal });
		await attempt(fake, { maxBytes: 1000 });
		expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
	});
});

/**
 * The stall watchdog, with API and real time stepped by hand: each of its sleeps waits until the
 * test lets it end.
 */
describe('a body that stops arriving', () => {
	const time = { api: 1_700_000_000_000, real: 1_700_000_000_000 };
	let sleeps: Array<{ ms: number; signal?: AbortSignal; end: () => void }>;

	beforeEach(() => {
		sleeps = [];
		jest.spyOn(clock, 'now').mockImplementation(() => time.api);
		jest.spyOn(Date, 'now').mockImplementation(() => time.real);
		jest.spyOn(clock, 'sleep').mockImplementation(
			async (ms: number, signal?: AbortSignal) =>
				await new Promise<void>((resolve, reject) => {
					if (signal?.aborted) return reject(new Error('stopped'));
					signal?.addEventListener('abort', () => reject(new Error('stopped')));
					sleeps.push({ ms, signal, end: resolve });
				}),
		);
	});

	const settle = async () => {
		for (let i = 0; i < 10; i++) await new Promise(setImmediate);
	};

	/** Lets `api` and `real` ms pass, and the watchdog look. */
	async function pass(api: number, real: number) {
		time.api += api;
		time.real += real;
		for (const sleep of sleeps.splice(0)) sleep.end();
		await settle();
	}

	function start(fake: Fake) {
		const outcome = { done: false, result: undefined as Awaited<ReturnType<typeof attempt>> | undefined };
		void attempt(fake).then((result) => Object.assign(outcome, { done: true, result }));
		return outcome;
	}

	const STALLED = 'Download of Clip.mp4 stopped after 500 bytes: nothing arrived for 60 seconds';

	it.each([
		['the stall timeout in API time, and more than a second', STALL_TIMEOUT_MS + 1, 1001, true],
		['exactly the stall timeout in API time', STALL_TIMEOUT_MS, 1001, false],
		['exactly a second of real time', STALL_TIMEOUT_MS + 1, 1000, false],
	])('is given up on after more than %s', async (_, api, real, stalled) => {
		const fake = fakeContext({ [FILE]: { chunks: [bytes(500)], open: true } });
		const outcome = start(fake);
		await settle();
		await pass(api, real);
		expect(outcome.done).toBe(stalled);
		if (!stalled) fake.bodies[0].end();
		await settle();
		expect(outcome.result?.error?.message).toBe(stalled ? STALLED : undefined);
		if (stalled) expectRefused({ ...outcome.result, fake }, STALLED, NOTHING_SAVED);
	});

	it('is watched at least four times per stall timeout, and no longer once the file is saved', async () => {
		const fake = fakeContext({ [FILE]: { chunks: [bytes(500)], open: true } });
		const outcome = start(fake);
		await settle();
		await pass(STALL_TIMEOUT_MS / 2, 1);
		fake.bodies[0].end();
		await settle();
		expect(outcome.result?.binary?.fileName).toBe('Clip.mp4');
		expect(sleeps.map((sleep) => sleep.ms <= STALL_TIMEOUT_MS / 4)).toEqual([true]);
		expect(sleeps[0].signal?.aborted).toBe(true);
	});

	it('is not a store that holds a chunk for long while the server has more; a stall after it still is', async () => {
		let release = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		const store: Store = async (stream) => {
			const chunks = stream[Symbol.asyncIterator]();
			await chunks.next();
			await held;
			while (!(await chunks.next()).done);
			return Buffer.alloc(0);
		};
		// More than every buffer between the server and the store holds, so the server is never waited on while the store holds.
		const fake = fakeContext({ [FILE]: { chunks: Array.from({ length: 100 }, () => bytes(10_000)), open: true } }, { store });
		const outcome = start(fake);
		await settle();
		await pass(10 * STALL_TIMEOUT_MS, 10_000);
		release();
		for (let i = 0; i < 20; i++) await settle();
		await pass(STALL_TIMEOUT_MS + 1, 1001);
		expect(outcome.result?.error?.message).toBe('Download of Clip.mp4 stopped after 1000000 bytes: nothing arrived for 60 seconds');
	});
});
