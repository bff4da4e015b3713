import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

export interface DownloadRequest {
	url: string;
	/** The API's base URL: only that origin ever receives the API key. */
	apiBaseUrl: string;
	credentialType: string;
	/** File name without extension; the extension comes from `extension`. */
	baseName: string;
	extension: string;
	itemIndex: number;
}

/** The stream n8n's prepareBinaryData takes (a Readable, typed without importing `stream`). */
type FileStream = Exclude<Parameters<IExecuteFunctions['helpers']['prepareBinaryData']>[0], Buffer>;

interface StreamResponse {
	body: FileStream;
	statusCode: number;
	headers: Record<string, string | undefined>;
}

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

/**
 * Streams a file into n8n binary data. With n8n's filesystem binary mode the body goes
 * straight to disk, so a 1 GiB video never sits in memory.
 */
export async function downloadToBinary(
	ctx: IExecuteFunctions,
	download: DownloadRequest,
): Promise<IBinaryData> {
	const node = ctx.getNode();
	const { url, itemIndex } = download;
	const options: IHttpRequestOptions = {
		method: 'GET',
		url,
		encoding: 'stream',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		sendCredentialsOnCrossOriginRedirect: false,
		abortSignal: ctx.getExecutionCancelSignal(),
	};

	let response: StreamResponse;
	try {
		// Files usually live on a CDN; the API key goes only to the API's own origin.
		response = (
			isSameOrigin(url, download.apiBaseUrl)
				? await ctx.helpers.httpRequestWithAuthentication.call(ctx, download.credentialType, options)
				: await ctx.helpers.httpRequest(options)
		) as StreamResponse;
	} catch (error) {
		throw new NodeApiError(
			node,
			{ message: (error as Error).message },
			{ itemIndex, message: `Could not download ${url}`, description: (error as Error).message },
		);
	}

	if (response.statusCode >= 300) {
		response.body.destroy();
		throw new NodeApiError(
			node,
			{},
			{
				itemIndex,
				httpCode: String(response.statusCode),
				message: `The file server answered HTTP ${response.statusCode} for ${url}`,
				description: 'The download link may have expired. Fetch the video again with Video → Get and retry.',
			},
		);
	}

	const fileName = `${toFileName(download.baseName) || 'file'}.${download.extension}`;
	const mimeType = response.headers['content-type']?.split(';')[0];
	return await ctx.helpers.prepareBinaryData(response.body, fileName, mimeType);
}
