/**
 * The package's one download path, `downloadToBinary`, called by a probe node through n8n-core,
 * and a file server that misbehaves on purpose, one way per path. Shared by the security tests
 * (what a download refuses) and the binary-data mode tests (that it works whoever reads the file).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { downloadToBinary } from '../../nodes/shared/download';
import type { FileKind } from '../../nodes/shared/download';
import { runWorkflow } from '../engine';
import { credentialTypes, singleNodeWorkflow } from './nodes';

export const PROBE = 'n8n-nodes-download-test.downloadProbe';
export const PROBE_KEY = 'blx_downloadCanaryKey0000000000000000000000';
/** The size of /ok.mp4, and of each /drip.mp4 and /chunks.mp4 chunk. */
export const OK_BYTES = 1000;
export const CHUNKS = 5;

class DownloadProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Download Probe',
		name: 'downloadProbe',
		group: ['transform'],
		version: 1,
		description: 'Calls downloadToBinary',
		defaults: { name: 'Download Probe' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'blipixApi', required: true }],
		properties: [
			{ displayName: 'URL', name: 'url', type: 'string', default: '' },
			{ displayName: 'API Base URL', name: 'apiBaseUrl', type: 'string', default: '' },
			{ displayName: 'Kind', name: 'kind', type: 'string', default: 'video' },
			{ displayName: 'Max Bytes', name: 'maxBytes', type: 'number', default: 0 },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const binary = await downloadToBinary(this, {
			url: this.getNodeParameter('url', 0) as string,
			apiBaseUrl: this.getNodeParameter('apiBaseUrl', 0) as string,
			credentialType: 'blipixApi',
			baseName: 'T',
			extension: 'mp4',
			itemIndex: 0,
			kind: this.getNodeParameter('kind', 0) as FileKind,
			maxBytes: this.getNodeParameter('maxBytes', 0) as number,
		});
		return [[{ json: {}, binary: { data: binary } }]];
	}
}

export interface Seen {
	path: string;
	authorization?: string;
}

export type FileServer = Awaited<ReturnType<typeof startFileServer>>;

/**
 * /ok.mp4 (OK_BYTES), /login.mp4 (a web page), /big-declared.mp4 and /big-chunked.mp4 (10,000 bytes,
 * with and without Content-Length), /loop (redirects to itself), /elsewhere (to `other`'s /ok.mp4),
 * /stall.mp4 (500 bytes, then silence), /drip.mp4 (OK_BYTES every 10 real ms, never ending),
 * /chunks.mp4 (CHUNKS × OK_BYTES, 20 real ms apart, so that they arrive one by one).
 */
export async function startFileServer(other?: () => string) {
	const seen: Seen[] = [];
	const server = http.createServer((req, res) => {
		const path = req.url ?? '/';
		seen.push({ path, authorization: req.headers.authorization });
		if (path === '/ok.mp4') return res.writeHead(200, { 'content-type': 'video/mp4' }).end(Buffer.alloc(OK_BYTES, 1));
		if (path === '/login.mp4') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>');
		if (path === '/big-declared.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(10_000) });
			return res.end(Buffer.alloc(10_000));
		}
		if (path === '/big-chunked.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
			return res.end();
		}
		if (path === '/loop') return res.writeHead(302, { location: '/loop' }).end();
		if (path.startsWith('/elsewhere') && other) return res.writeHead(302, { location: `${other()}/ok.mp4` }).end();
		if (path === '/stall.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			res.write(Buffer.alloc(500));
			return; // and nothing more, ever
		}
		if (path === '/drip.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			const drip = setInterval(() => res.write(Buffer.alloc(OK_BYTES, 2)), 10);
			res.on('close', () => clearInterval(drip));
			return;
		}
		if (path === '/chunks.mp4') {
			res.writeHead(200, { 'content-type': 'video/mp4' });
			let sent = 0;
			const next = setInterval(() => {
				res.write(Buffer.alloc(OK_BYTES, ++sent));
				if (sent === CHUNKS) {
					clearInterval(next);
					res.end();
				}
			}, 20);
			res.on('close', () => clearInterval(next));
			return;
		}
		return res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	const close = async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	};
	return { url, seen, close };
}

/** One run of the probe: a workflow that downloads `url` with the API at `api`. */
export async function probeDownload(
	api: string,
	url: string,
	extra: { apiBaseUrl?: string; kind?: FileKind; maxBytes?: number; signal?: AbortSignal } = {},
) {
	return await runWorkflow({
		workflow: singleNodeWorkflow(PROBE, {
			url,
			apiBaseUrl: extra.apiBaseUrl ?? `${api}/api/v1`,
			kind: extra.kind ?? 'video',
			maxBytes: extra.maxBytes ?? 0,
		}),
		nodeTypes: { [PROBE]: new DownloadProbe() },
		credentialTypes,
		credentials: { blipixApi: { apiKey: PROBE_KEY, baseUrl: `${api}/api/v1` } },
		signal: extra.signal,
	});
}
