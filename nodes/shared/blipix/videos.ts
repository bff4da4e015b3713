import type { IBinaryData } from 'n8n-workflow';

import { downloadToBinary } from '../download';
import type { DownloadContext } from '../download';
import type { ApiContext, ApiRequest } from '../transport/apiRequest';
import { blipixApi, blipixBaseUrl, blipixRequest } from './transport';
import type { BlipixVideo } from './types';

export type VideoFile = 'video' | 'thumbnail';

/** Per-call transport settings, e.g. a poller's shorter patience with 429s. */
type RequestTuning = Pick<ApiRequest, 'maxRateLimitWaitMs'>;

export async function getVideo(
	ctx: ApiContext,
	videoId: string,
	itemIndex?: number,
	tuning?: RequestTuning,
): Promise<BlipixVideo> {
	return await blipixRequest<BlipixVideo>(ctx, {
		method: 'GET',
		path: `/videos/${encodeURIComponent(videoId)}`,
		itemIndex,
		...tuning,
	});
}

export async function listVideos(
	ctx: ApiContext,
	query: { limit: number; status?: string },
	itemIndex?: number,
	tuning?: RequestTuning,
): Promise<BlipixVideo[]> {
	const { videos } = await blipixRequest<{ videos: BlipixVideo[] }>(ctx, {
		method: 'GET',
		path: '/videos',
		qs: query.status ? { limit: query.limit, status: query.status } : { limit: query.limit },
		itemIndex,
		...tuning,
	});
	return videos;
}

/** Streams a ready video's MP4 or thumbnail into binary data, named after its title. */
export async function downloadVideoFile(
	ctx: DownloadContext,
	video: BlipixVideo,
	file: VideoFile,
	itemIndex: number,
	maxBytes: number,
): Promise<IBinaryData> {
	const url = file === 'video' ? video.videoUrl : video.thumbnailUrl;
	const extension = file === 'video' ? 'mp4' : (url?.match(/\.(jpe?g|png|webp)(?:\?|$)/i)?.[1] ?? 'jpg');
	return await downloadToBinary(ctx, {
		url: url as string,
		apiBaseUrl: await blipixBaseUrl(ctx, itemIndex),
		credentialType: blipixApi.credentialType,
		baseName: video.title || video.id,
		extension,
		itemIndex,
		kind: file === 'video' ? 'video' : 'image',
		maxBytes,
	});
}
