/**
 * Downloads fetch only what they should: the URL comes from an API answer, so a hostile or
 * broken one must not reach into the network, leak the key, save a web page as a video, fill
 * the disk or hang. A probe node calls the package's one download path through n8n-core.
 */
import net from 'node:net';

import { clock } from '../../nodes/shared/clock';
import { STALL_TIMEOUT_MS } from '../../nodes/shared/download';
import type { FileKind } from '../../nodes/shared/download';
import { PROBE_KEY as KEY, probeDownload, startFileServer } from '../helpers/downloadProbe';
import type { FileServer } from '../helpers/downloadProbe';

let api: FileServer;
let other: FileServer;
let connections: ReturnType<typeof refuseConnectionsOffLoopback>;

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;

/**
 * Every connection the process tries to open to a host that is not loopback is recorded and refused on
 * the spot, before any packet leaves: a test of what must never be fetched must not fetch it either.
 */
function refuseConnectionsOffLoopback() {
	const attempts: string[] = [];
	const connect = net.Socket.prototype.connect;
	const spy = jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
		// net.createConnection hands over its normalised [options, callback]; a direct call passes (options) or (port, host).
		const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
		const host =
			typeof first === 'object' && first !== null
				? ((first as net.TcpNetConnectOpts).host ?? ((first as net.IpcNetConnectOpts).path ? '127.0.0.1' : 'localhost'))
				: typeof args[1] === 'string'
					? args[1]
					: 'localhost';
		if (LOOPBACK.test(host)) return connect.apply(this, args as Parameters<typeof connect>);
		attempts.push(host);
		process.nextTick(() => this.destroy(Object.assign(new Error(`connect ECONNREFUSED ${host} (refused by the test)`), { code: 'ECONNREFUSED' })));
		return this;
	});
	return { attempts, restore: () => spy.mockRestore() };
}

beforeAll(async () => {
	// Whatever these tests or a broken download do, nothing leaves the machine.
	connections = refuseConnectionsOffLoopback();
	api = await startFileServer(() => other.url);
	other = await startFileServer();
	// 60 API seconds of silence is 0.2 real seconds.
	clock.follow(300, Date.now());
});

afterAll(async () => {
	connections.restore();
	clock.follow(1, Date.now());
	await api.close();
	await other.close();
});

beforeEach(() => {
	api.seen.length = 0;
	other.seen.length = 0;
	connections.attempts.length = 0;
});

async function download(url: string, extra: { apiBaseUrl?: string; kind?: FileKind; maxBytes?: number } = {}) {
	return await probeDownload(api.url, url, extra);
}

describe('downloads of URLs from an API answer', () => {
	it('fetch an ordinary file, with the key only on the API’s own origin', async () => {
		expect((await download(`${api.url}/ok.mp4`)).error).toBeUndefined();
		expect((await download(`${other.url}/ok.mp4`)).error).toBeUndefined();
		expect(api.seen.map((s) => s.authorization)).toEqual([`Bearer ${KEY}`]);
		expect(other.seen.map((s) => s.authorization)).toEqual([undefined]);
	});

	it.each([
		['a cloud metadata address', 'http://169.254.169.254/latest/meta-data/', /cloud metadata address/],
		['a metadata host name', 'http://metadata.google.internal/computeMetadata/v1/', /cloud metadata address/],
		['a private address while the API is public', 'http://10.0.0.7/file.mp4', /inside your network, and the API is not/],
		['loopback while the API is public', 'http://127.0.0.1:9/file.mp4', /inside your network, and the API is not/],
		['another scheme', 'file:///etc/passwd', /not a web address/],
		['a URL with a password', 'https://user:pw@cdn.example.com/x.mp4', /user name or password/],
	])('refuse %s before any request', async (_, url, reason) => {
		const { error } = await download(url, { apiBaseUrl: 'https://app.blipix.pro/api/v1' });
		expect(error?.message).toMatch(reason);
		expect(api.seen).toEqual([]);
		expect(connections.attempts).toEqual([]);
	});

	it.each([
		['169.254.169.254', 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
		['metadata.google.internal', 'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/'],
	])('refuse %s before any request also when the API itself is local (a proxy, the simulator)', async (host, url) => {
		// The API base is the local test server: local addresses are allowed, metadata never.
		const { error } = await download(url);
		expect(connections.attempts).toEqual([]);
		expect(error?.message).toBe(`Not downloading ${url}: ${host} is a cloud metadata address`);
		expect(api.seen).toEqual([]);
	});

	it('refuse a web page where a video was asked for', async () => {
		const { error } = await download(`${api.url}/login.mp4`);
		expect(error?.message).toBe('Not saving T.mp4: the server sent text/html, not a video file');
		expect(error?.description).toMatch(/may need a login/);
	});

	it('refuse a file over Max File Size, declared or not', async () => {
		expect((await download(`${api.url}/big-declared.mp4`, { maxBytes: 4000 })).error?.message).toBe(
			'Not saving T.mp4: it is 10000 bytes, over the Max File Size of 4000 bytes',
		);
		expect((await download(`${api.url}/big-chunked.mp4`, { maxBytes: 4000 })).error?.message).toMatch(
			/^Download of T\.mp4 stopped after \d+ bytes: it passed the Max File Size of 4000 bytes$/,
		);
	});

	it('never send the key across origins on a redirect', async () => {
		const { error } = await download(`${api.url}/elsewhere`);
		expect(error).toBeUndefined();
		expect(api.seen.map((s) => s.authorization)).toEqual([`Bearer ${KEY}`]);
		expect(other.seen).toEqual([{ path: '/ok.mp4', authorization: undefined }]);
	});

	it('refuse a redirect to a metadata address before following it', async () => {
		const redirecting = await startFileServer(() => 'http://169.254.169.254/latest');
		try {
			const { error } = await download(`${redirecting.url}/elsewhere`);
			expect(error?.message).toBe('Not downloading http://169.254.169.254/latest/ok.mp4: 169.254.169.254 is a cloud metadata address');
			expect(redirecting.seen.map((s) => s.path)).toEqual(['/elsewhere']);
			expect(connections.attempts).toEqual([]);
		} finally {
			await redirecting.close();
		}
	});

	it('report an HTTP error answer as one, not save it', async () => {
		const { error } = await download(`${api.url}/missing.mp4`);
		expect(error?.message).toBe(`The file server answered HTTP 404 for ${api.url}/missing.mp4`);
		expect(error?.description).toMatch(/link may have expired/);
	});

	it('stop a redirect loop after 5 redirects', async () => {
		const { error } = await download(`${api.url}/loop`);
		expect(error?.message).toMatch(/redirected more than 5 times/);
		expect(api.seen).toHaveLength(6);
	});

	it('give up on a body that stalls, saying how far it got', async () => {
		const started = clock.now();
		const { error } = await download(`${api.url}/stall.mp4`);
		expect(error?.message).toMatch(/^Download of T\.mp4 stopped after 500 bytes: nothing arrived for 60 seconds$/);
		// Not before the stall timeout, in API time (a busy machine only adds to it; one that never gave up would time the test out).
		expect((clock.now() - started) / STALL_TIMEOUT_MS).toBeGreaterThanOrEqual(1);
	});

	it('do not take a host that stood still for a moment for a silent server', async () => {
		// At this time scale the stall timeout is 200 real ms; the host now stops for twice that
		// mid-file (a GC pause, a loaded machine), and the server's next chunks are waiting after it.
		const standStill = () => {
			const until = Date.now() + (2 * STALL_TIMEOUT_MS) / clock.scale;
			while (Date.now() < until);
		};
		// Once the file is on its way: its first chunk is out, and the store waits for the next.
		const watch = setInterval(() => {
			if (!api.seen.some(({ path }) => path === '/chunks.mp4')) return;
			clearInterval(watch);
			setTimeout(standStill, 10);
		}, 1);
		const { error } = await download(`${api.url}/chunks.mp4`);
		clearInterval(watch);
		expect(error).toBeUndefined();
	});
});
