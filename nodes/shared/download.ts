import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions, IPollFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { clock } from './clock';
import { canceledError } from './errors';
import { refuseConnectedAddress, refuseUrl } from './urlPolicy';

export type FileKind = 'video' | 'image' | 'audio';

/** Nodes download while executing, and the Blipix Trigger while polling. */
export type DownloadContext = IExecuteFunctions | IPollFunctions;

export interface DownloadRequest {
	url: string;
	/** The API's base URL: only that origin ever receives the API key. */
	apiBaseUrl: string;
	credentialType: string;
	/** File name without extension; the extension comes from `extension`. */
	baseName: string;
	extension: string;
	itemIndex: number;
	/** What the file must be: a body of another type (an HTML login page, say) is refused. */
	kind: FileKind;
	/** Bytes at most; 0 or undefined for no limit. */
	maxBytes?: number;
}

/** The stream n8n's prepareBinaryData takes (a Readable, typed without importing `stream`). */
type FileStream = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

interface StreamResponse {
	body: FileStream & { socket?: { remoteAddress?: string } };
	statusCode: number;
	headers: Record<string, string | undefined>;
}

const MAX_REDIRECTS = 5;
/** A body that sends nothing for this long (API time) is given up on. */
export const STALL_TIMEOUT_MS = 60_000;
/**
 * ...and for at least this long in the host's own time: where the clock runs faster than real time
 * (the simulator), a host busy for a moment (a GC pause, a loaded machine) is not a silent server.
 */
const MIN_STALL_REAL_MS = 1000;

/** Content types each kind of file may come as; CDNs often send octet-stream, which is accepted. */
const ACCEPTED_TYPES: Record<FileKind, RegExp> = {
	video: /^(video\/|application\/(mp4|octet-stream)$|binary\/octet-stream$)/,
	image: /^(image\/|application\/octet-stream$|binary\/octet-stream$)/,
	audio: /^(audio\/|video\/mp4$|application\/(mp4|octet-stream)$|binary\/octet-stream$)/,
};

/** A title made safe as a file name on every OS: no separators or reserved characters. */
export function toFileName(title: string): string {
	return title
		.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-')
		.replace(/\s+/g, ' ')
		.trim()
		.slice(0, 120)
		.replace(/^[.\s-]+|[.\s-]+$/g, '');
}

export function isSameOrigin(url: string, baseUrl: string): boolean {
	try {
		return new URL(url).origin === new URL(baseUrl).origin;
	} catch {
		return false;
	}
}

/** A cause in words, without anything of the request (a raw HTTP error carries its headers). */
function causeOf(error: unknown): string {
	const code = (error as { code?: unknown }).code;
	const message = error instanceof Error ? error.message : String(error);
	return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * Streams a file into n8n binary data. With n8n's filesystem binary mode the body goes
 * straight to disk, so a 1 GiB video never sits in memory. The URL came from an API answer,
 * so each hop is checked (scheme, address, at most 5 redirects, the key only to the API's own
 * origin), the body must be the kind of file asked for and within Max File Size, and a body
 * that stalls is dropped. Every failure, to the last byte written, is a NodeApiError or
 * NodeOperationError in our words: never a raw HTTP error, which would carry the request.
 */
export async function downloadToBinary(ctx: DownloadContext, download: DownloadRequest): Promise<IBinaryData> {
	const node = ctx.getNode();
	const { itemIndex, apiBaseUrl } = download;
	const signal = 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
	const fileName = `${toFileName(download.baseName) || 'file'}.${download.extension}`;
	const refuse = (message: string, description?: string) =>
		new NodeOperationError(node, message, { itemIndex, description });

	let url = download.url;
	let response: StreamResponse | undefined;
	for (let hop = 0; !response; hop++) {
		let target: URL;
		try {
			target = new URL(url);
		} catch {
			throw refuse(`Not downloading "${url}": it is not a web address`);
		}
		const refused = refuseUrl(target, apiBaseUrl);
		if (refused) throw refuse(`Not downloading ${target.href}: ${refused}`, 'The link came from the API\'s answer; nothing was fetched.');

		const options: IHttpRequestOptions = {
			method: 'GET',
			url: target.href,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			// Redirects are followed here, one checked hop at a time.
			disableFollowRedirect: true,
			sendCredentialsOnCrossOriginRedirect: false,
			timeout: Math.max(STALL_TIMEOUT_MS / clock.scale, MIN_STALL_REAL_MS),
			abortSignal: signal,
		};
		// Files usually live on a CDN; the API key goes only to the API's own origin.
		const answer = await (isSameOrigin(target.href, apiBaseUrl)
			? ctx.helpers.httpRequestWithAuthentication.call(ctx, download.credentialType, options)
			: ctx.helpers.httpRequest(options)
		).then(
			(ok) => ({ ok: ok as StreamResponse }),
			(error: unknown) => ({ error }),
		);
		if ('error' in answer) {
			if (signal?.aborted) throw canceledError(node, itemIndex);
			throw new NodeApiError(node, { message: causeOf(answer.error) }, {
				itemIndex,
				message: `Could not download ${target.href}`,
				description: causeOf(answer.error),
			});
		}
		const { ok } = answer;
		const wrongPlace = refuseConnectedAddress(ok.body.socket?.remoteAddress);
		const location = ok.headers.location;
		if (wrongPlace || (ok.statusCode >= 300 && ok.statusCode < 400 && location)) ok.body.destroy();
		if (wrongPlace) throw refuse(`Not downloading ${target.href}: ${wrongPlace}`);
		if (ok.statusCode >= 300 && ok.statusCode < 400 && location) {
			if (hop >= MAX_REDIRECTS) throw refuse(`Not downloading ${download.url}: it redirected more than ${MAX_REDIRECTS} times`);
			url = new URL(location, target).href;
			continue;
		}
		if (ok.statusCode >= 300) {
			ok.body.destroy();
			throw new NodeApiError(node, {}, {
				itemIndex,
				httpCode: String(ok.statusCode),
				message: `The file server answered HTTP ${ok.statusCode} for ${target.href}`,
				description: 'The download link may have expired. Fetch the video or job again and retry.',
			});
		}
		response = ok;
	}

	const mimeType = response.headers['content-type']?.split(';')[0].trim().toLowerCase();
	if (mimeType && !ACCEPTED_TYPES[download.kind].test(mimeType)) {
		response.body.destroy();
		throw refuse(
			`Not saving ${fileName}: the server sent ${mimeType}, not ${download.kind === 'image' ? 'an image' : `${download.kind === 'audio' ? 'an audio' : 'a video'} file`}`,
			mimeType.startsWith('text/html') ? 'It answered with a web page: the link may need a login, or may have expired.' : undefined,
		);
	}
	const maxBytes = download.maxBytes ?? 0;
	const declared = Number(response.headers['content-length']);
	if (maxBytes > 0 && declared > maxBytes) {
		response.body.destroy();
		throw refuse(`Not saving ${fileName}: it is ${declared} bytes, over the Max File Size of ${maxBytes} bytes`);
	}

	const body = response.body;
	const transfer = watchTransfer(body, maxBytes, signal);
	const stored = await ctx.helpers.prepareBinaryData(transfer.stream, fileName, mimeType).then(
		(binary) => ({ binary }),
		(error: unknown) => ({ error }),
	);
	transfer.stop();
	if ('binary' in stored) return stored.binary;
	// Whatever stopped the reader, the connection goes too.
	body.destroy();
	const why = signal?.aborted ? 'the execution was canceled' : (transfer.problem ?? causeOf(stored.error));
	throw refuse(
		`Download of ${fileName} stopped after ${transfer.bytes} bytes: ${why}`,
		signal?.aborted ? undefined : 'Nothing was saved for this file. Run the item again to download it anew.',
	);
}

/**
 * The body as n8n's binary store reads it, with every byte counted on the way. Each store reads
 * in its own way and at its own pace: the filesystem mode writes the stream to a file, while
 * memory (n8n 1.x's default), database (2.x queue mode's default) and S3 collect it with a
 * 'data' listener. So the watch is a stream of its own between the two that takes a chunk from
 * the server only when the store asks for one: it never changes how the body flows, and a slow
 * store is never taken for a stalled server. It ends the body when it passes `maxBytes`, when the
 * server sends nothing for STALL_TIMEOUT_MS while the store waits, or when the execution is canceled.
 */
function watchTransfer(body: FileStream, maxBytes: number, signal: AbortSignal | undefined) {
	const state = {
		bytes: 0,
		problem: undefined as string | undefined,
		/** When the store began waiting for the next chunk, in API and in real time; undefined while it holds one. */
		waitingSince: undefined as { api: number; real: number } | undefined,
	};
	const done = new AbortController();
	const fail = (problem: string) => {
		if (state.problem) return;
		state.problem = problem;
		body.destroy(new Error(problem));
	};
	const onCancel = () => fail('the execution was canceled');
	signal?.addEventListener('abort', onCancel, { once: true });
	done.signal.addEventListener('abort', () => signal?.removeEventListener('abort', onCancel), { once: true });

	const stream = body.compose(async function* (source: AsyncIterable<Buffer>) {
		const chunks = source[Symbol.asyncIterator]();
		for (;;) {
			state.waitingSince = { api: clock.now(), real: Date.now() };
			const next = await chunks.next();
			state.waitingSince = undefined;
			if (next.done) return;
			state.bytes += next.value.length;
			if (maxBytes > 0 && state.bytes > maxBytes) fail(`it passed the Max File Size of ${maxBytes} bytes`);
			if (state.problem) throw new Error(state.problem);
			yield next.value;
		}
	}) as unknown as FileStream;
	// `compose` joins its inner streams only at the first read. Until then, a body closed by a cancel
	// (ours or axios's) or after the store failed makes an inner stream emit an error nobody can
	// listen for, which Node raises as an uncaught exception: n8n's whole process. A read of zero
	// bytes joins them at once; no data moves until the store reads, and a late reader still gets
	// the error.
	stream.read(0);

	const watchdog = async () => {
		while (!done.signal.aborted) {
			await clock.sleep(STALL_TIMEOUT_MS / 4, done.signal);
			const { waitingSince } = state;
			if (waitingSince && clock.now() - waitingSince.api > STALL_TIMEOUT_MS && Date.now() - waitingSince.real > MIN_STALL_REAL_MS) {
				fail(`nothing arrived for ${STALL_TIMEOUT_MS / 1000} seconds`);
			}
		}
	};
	void watchdog().then(
		() => undefined,
		() => undefined,
	);
	return {
		stream,
		get bytes() {
			return state.bytes;
		},
		get problem() {
			return state.problem;
		},
		stop: () => done.abort(),
	};
}
