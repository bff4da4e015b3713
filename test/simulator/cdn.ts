/**
 * The simulated CDN: a second http server (another port, so another origin) that serves media files.
 * APIs register path prefixes with a resolver that maps a path to a `VirtualFile`; the CDN itself adds
 * `/blob/<bytes>.mp4` (a generated body of any size, streamed without a big buffer).
 *
 * Files are "virtual": a size plus a `read(start, end)` function, so large bodies are produced chunk by
 * chunk and Range requests are cheap.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Readable, pipeline } from 'node:stream';

export interface VirtualFile {
	size: number;
	contentType: string;
	/** Bytes [start, end) of the file; end <= size. */
	read(start: number, end: number): Buffer;
}

export interface CdnRequest {
	method: string;
	/** Request path including any query string, e.g. '/videos/abc.mp4'. */
	path: string;
	/** The Authorization header as received (undefined when absent: the expected case). */
	authorization?: string;
	/** Response status. */
	status: number;
}

/** Returns the file for a path (the full request path, without query), or undefined for a 404. */
export type CdnResolver = (pathname: string) => VirtualFile | undefined;

const CHUNK = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Assets
// ---------------------------------------------------------------------------------------------

let assetDirCache: string | undefined;

/** The directory holding sample.mp4/.jpg/.m4a, from the TS sources (jest) or the compiled .build copy. */
export function assetDir(): string {
	if (assetDirCache) return assetDirCache;
	const candidates = [
		path.join(__dirname, 'assets'),
		path.resolve(__dirname, '..', '..', '..', 'test', 'simulator', 'assets'),
		path.resolve(process.cwd(), 'test', 'simulator', 'assets'),
	];
	const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'sample.mp4')));
	if (!found) throw new Error(`Simulator assets not found; looked in: ${candidates.join(', ')}`);
	assetDirCache = found;
	return found;
}

const assetCache = new Map<string, Buffer>();

export function loadAsset(name: 'sample.mp4' | 'sample.jpg' | 'sample.m4a'): Buffer {
	let buf = assetCache.get(name);
	if (!buf) {
		buf = fs.readFileSync(path.join(assetDir(), name));
		assetCache.set(name, buf);
	}
	return buf;
}

// ---------------------------------------------------------------------------------------------
// Virtual files
// ---------------------------------------------------------------------------------------------

export function bufferFile(buf: Buffer, contentType: string): VirtualFile {
	return { size: buf.length, contentType, read: (start, end) => buf.subarray(start, end) };
}

/** A file made of `prefix` followed by zero bytes up to `size` (or `prefix` truncated to `size`). */
export function paddedFile(prefix: Buffer, size: number, contentType: string): VirtualFile {
	return {
		size,
		contentType,
		read(start, end) {
			if (end <= prefix.length) return prefix.subarray(start, end);
			const out = Buffer.alloc(end - start);
			if (start < prefix.length) prefix.copy(out, 0, start, prefix.length);
			return out;
		},
	};
}

/** An ISO-BMFF box header: 8 bytes, or 16 with a 64-bit size when the box is 4 GiB or larger. */
export function boxHeader(type: string, totalSize: number): Buffer {
	if (totalSize <= 0xffffffff) {
		const h = Buffer.alloc(8);
		h.writeUInt32BE(totalSize, 0);
		h.write(type, 4, 'latin1');
		return h;
	}
	const h = Buffer.alloc(16);
	h.writeUInt32BE(1, 0);
	h.write(type, 4, 'latin1');
	h.writeBigUInt64BE(BigInt(totalSize), 8);
	return h;
}

/**
 * An MP4 file of exactly `size` bytes: the real sample MP4 followed by a top-level `free` box that
 * carries `tag` (making every file unique) and zero padding. Players and ffprobe skip `free` boxes, so
 * the result is still a valid, playable MP4. If `size` is smaller than the sample plus the tag, the
 * bytes are the prefix truncated (a broken MP4; only meant for tiny-size tests).
 */
export function taggedMp4(sample: Buffer, tag: string, size?: number): VirtualFile {
	const tagBytes = Buffer.from(`blipix-simulator ${tag}\n`, 'utf8');
	const natural = sample.length + 8 + tagBytes.length;
	const total = size ?? natural;
	if (total < natural) {
		return paddedFile(Buffer.concat([sample, boxHeader('free', natural - sample.length), tagBytes]), total, 'video/mp4');
	}
	const freeSize = total - sample.length;
	const header = boxHeader('free', freeSize);
	return paddedFile(Buffer.concat([sample, header, tagBytes]), total, 'video/mp4');
}

/** A JPEG with a COM (comment) segment carrying `tag` right after SOI: unique bytes, still a valid JPEG. */
export function taggedJpeg(sample: Buffer, tag: string): Buffer {
	const text = Buffer.from(`blipix-simulator ${tag}`, 'utf8');
	const seg = Buffer.alloc(4);
	seg.writeUInt16BE(0xfffe, 0);
	seg.writeUInt16BE(text.length + 2, 2);
	return Buffer.concat([sample.subarray(0, 2), seg, text, sample.subarray(2)]);
}

const PATTERN_SIZE = 1024 * 1024;
let patternCache: Buffer | undefined;

function pattern(): Buffer {
	if (!patternCache) {
		patternCache = Buffer.alloc(PATTERN_SIZE);
		let x = 0x12345678;
		for (let i = 0; i < PATTERN_SIZE; i++) {
			x ^= x << 13;
			x ^= x >>> 17;
			x ^= x << 5;
			patternCache[i] = x & 0xff;
		}
	}
	return patternCache;
}

/**
 * `/blob/<bytes>.mp4`: an `ftyp` box, then one `free` box filling the rest with a repeating 1 MiB
 * pseudo-random pattern (byte at offset o >= header = pattern[o % 1 MiB]). Nothing is held in memory
 * but the 1 MiB pattern; aligned chunks are zero-copy views of it.
 */
export function blobFile(size: number): VirtualFile {
	const ftyp = Buffer.concat([boxHeader('ftyp', 24), Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isommp41', 'latin1')]);
	const header = size >= ftyp.length + 16 ? Buffer.concat([ftyp, boxHeader('free', size - ftyp.length)]) : ftyp;
	const pat = pattern();
	return {
		size,
		contentType: 'video/mp4',
		read(start, end) {
			const pStart = start % PATTERN_SIZE;
			if (start >= header.length && pStart + (end - start) <= PATTERN_SIZE) {
				return pat.subarray(pStart, pStart + (end - start));
			}
			const out = Buffer.allocUnsafe(end - start);
			for (let pos = start; pos < end; ) {
				if (pos < header.length) {
					const n = Math.min(end, header.length) - pos;
					header.copy(out, pos - start, pos, pos + n);
					pos += n;
				} else {
					const p = pos % PATTERN_SIZE;
					const n = Math.min(end - pos, PATTERN_SIZE - p);
					pat.copy(out, pos - start, p, p + n);
					pos += n;
				}
			}
			return out;
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function* chunks(file: VirtualFile, start: number, end: number): Generator<Buffer> {
	let pos = start;
	while (pos < end) {
		// Align chunk boundaries to CHUNK so blob reads stay zero-copy.
		const next = Math.min(end, (Math.floor(pos / CHUNK) + 1) * CHUNK);
		yield file.read(pos, next);
		pos = next;
	}
}

/** Parse a single `bytes=` range. Returns undefined to serve the whole file, null if unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | null {
	if (!header) return undefined;
	const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!m) return undefined; // multi-range or garbage: ignore the header, as many servers do
	const [, a, b] = m;
	if (a === '' && b === '') return undefined;
	if (a === '') {
		const suffix = Number(b);
		if (suffix === 0) return null;
		return { start: Math.max(0, size - suffix), end: size };
	}
	const start = Number(a);
	const end = b === '' ? size : Math.min(size, Number(b) + 1);
	if (start >= size || end <= start) return null;
	return { start, end };
}

export class Cdn {
	readonly requests: CdnRequest[] = [];
	readonly server: http.Server;
	private readonly routes: Array<{ prefix: string; resolve: CdnResolver }> = [];
	/** The next file GETs that stall (`stallNext`): each sends `afterBytes`, then nothing, ever. */
	private stalls: Array<{ afterBytes: number; pathContains?: string }> = [];

	constructor() {
		this.register('/blob/', (pathname) => {
			const m = /^\/blob\/(\d{1,16})\.mp4$/.exec(pathname);
			if (!m) return undefined;
			const size = Number(m[1]);
			return Number.isSafeInteger(size) ? blobFile(size) : undefined;
		});
		this.server = http.createServer((req, res) => this.handle(req, res));
		this.server.keepAliveTimeout = 5_000;
	}

	/** Serve paths starting with `prefix` (e.g. '/videos/') through `resolve`. */
	register(prefix: string, resolve: CdnResolver): void {
		this.routes.push({ prefix, resolve });
		this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
	}

	reset(): void {
		this.requests.length = 0;
		this.stalls = [];
	}

	/**
	 * The next `count` GETs of a file (whose path contains `pathContains`, if given) answer 200 with
	 * the full Content-Length, send the first `afterBytes` bytes and then nothing more, leaving the
	 * connection open: a CDN edge that hangs.
	 */
	stallNext(count: number, afterBytes: number, pathContains?: string): void {
		for (let i = 0; i < count; i++) this.stalls.push({ afterBytes, pathContains });
	}

	private resolve(pathname: string): VirtualFile | undefined {
		for (const route of this.routes) {
			if (pathname.startsWith(route.prefix)) return route.resolve(pathname);
		}
		return undefined;
	}

	private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
		req.resume();
		const rawPath = req.url ?? '/';
		const auth = req.headers.authorization;
		const entry: CdnRequest = { method: req.method ?? 'GET', path: rawPath, status: 0 };
		if (auth !== undefined) entry.authorization = auth;
		this.requests.push(entry);

		const plain = (status: number, text: string, headers: Record<string, string | number> = {}) => {
			entry.status = status;
			res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
			res.end(req.method === 'HEAD' ? undefined : text);
		};

		if (req.method !== 'GET' && req.method !== 'HEAD') {
			plain(405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
			return;
		}
		let pathname: string;
		try {
			pathname = decodeURIComponent(new URL(rawPath, 'http://cdn.invalid').pathname);
		} catch {
			plain(400, 'Bad Request\n');
			return;
		}
		const file = this.resolve(pathname);
		if (!file) {
			plain(404, 'Not Found\n');
			return;
		}

		const range = parseRange(req.headers.range, file.size);
		if (range === null) {
			plain(416, 'Range Not Satisfiable\n', { 'Content-Range': `bytes */${file.size}` });
			return;
		}
		const start = range?.start ?? 0;
		const end = range?.end ?? file.size;
		const headers: Record<string, string | number> = {
			'Content-Type': file.contentType,
			'Content-Length': end - start,
			'Accept-Ranges': 'bytes',
			'Cache-Control': 'public, max-age=31536000, immutable',
		};
		if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${file.size}`;
		entry.status = range ? 206 : 200;
		res.writeHead(entry.status, headers);
		if (req.method === 'HEAD' || end === start) {
			res.end();
			return;
		}
		const stall = this.stalls.findIndex(({ pathContains }) => pathContains === undefined || pathname.includes(pathContains));
		if (stall >= 0) {
			const [{ afterBytes }] = this.stalls.splice(stall, 1);
			res.write(file.read(start, Math.min(end, start + afterBytes)));
			return;
		}
		pipeline(Readable.from(chunks(file, start, end), { objectMode: false }), res, () => {
			// Client aborts and close() end up here; nothing to do.
		});
	}
}
