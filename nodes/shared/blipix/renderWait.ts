import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { WaitOutputs, WaitPlan } from '../jobWait';
import { fetchEachJob, onFailureProperty, pollProperties, waitAndSort } from '../jobWait';
import { requireText } from '../validation';
import type { PollSnapshot, PollSource } from '../poller';
import { binaryPropertyProperty, maxBytesOf, maxFileSizeProperty } from '../descriptions';
import { downloadVideoFile, getVideo, listVideos } from './videos';
import type { BlipixVideo } from './types';
import { isVideoFailed, isVideoReady } from './types';

/** GET /videos returns at most this many, newest first. */
const LIST_LIMIT = 100;
/** Direct GETs run a few at a time; the shared budget paces them anyway. */
const DIRECT_FETCH_CONCURRENCY = 4;

/** The waiting parameters, shared by Blipix Wait for Render and Video → Create's "Wait for Render". */
export const renderWaitProperties: INodeProperties[] = [
	...pollProperties('Each check costs one request for all videos together, plus one per video that finished.'),
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: true,
		description: 'Whether to put the finished MP4 into binary data, streamed, never held in memory whole',
	},
	{ ...binaryPropertyProperty, displayOptions: { show: { downloadVideo: [true] } } },
	{
		displayName: 'Download Thumbnail',
		name: 'downloadThumbnail',
		type: 'boolean',
		default: false,
		description: 'Whether to put the thumbnail image into binary data too',
	},
	{
		...binaryPropertyProperty,
		displayName: 'Put Thumbnail in Field',
		name: 'thumbnailPropertyName',
		default: 'thumbnail',
		displayOptions: { show: { downloadThumbnail: [true] } },
	},
	{ ...maxFileSizeProperty, displayOptions: { show: { downloadVideo: [true] } } },
	onFailureProperty,
];

/**
 * Blipix as a poll source. One cycle costs one GET /videos?limit=100, which covers every
 * pending video among the newest 100, plus a GET /videos/:id for each video that the list
 * shows completed (for its full details) or does not show at all (older than the newest 100).
 */
export function blipixPollSource(ctx: IExecuteFunctions, pollIntervalMs: number): PollSource<BlipixVideo> {
	// A long 429 storm should end the cycle, not the wait: the next cycle tries again.
	const patience = { maxRateLimitWaitMs: pollIntervalMs };
	return {
		async refresh(pendingIds): Promise<PollSnapshot<BlipixVideo>> {
			const listed = new Map(
				(await listVideos(ctx, { limit: LIST_LIMIT }, undefined, patience)).map((video) => [video.id, video]),
			);
			const snapshot: PollSnapshot<BlipixVideo> = { jobs: new Map(), gone: new Map() };
			const needDetails: string[] = [];
			for (const id of pendingIds) {
				const video = listed.get(id);
				if (video && !isVideoReady(video)) snapshot.jobs.set(id, video);
				else needDetails.push(id);
			}
			await fetchEachJob(needDetails, DIRECT_FETCH_CONCURRENCY, (id) => getVideo(ctx, id, undefined, patience), snapshot);
			return snapshot;
		},
		stateOf: (video) => (isVideoReady(video) ? 'ready' : isVideoFailed(video) ? 'failed' : 'pending'),
		progressOf: (video) => (typeof video.renderProgress === 'number' ? video.renderProgress : undefined),
		failureOf: (video) =>
			`Blipix reports the video as failed${video.renderStatus === 'failed' ? ' during rendering' : ''}`,
	};
}

/**
 * Waits on the plan's videos together and sorts every item into [ready, failedOrTimedOut],
 * downloading the files of ready videos as each item's own parameters say.
 */
export async function waitForRenders(ctx: IExecuteFunctions, plan: WaitPlan): Promise<WaitOutputs> {
	return await waitAndSort(ctx, plan, {
		source: (pollIntervalMs) => blipixPollSource(ctx, pollIntervalMs),
		noun: 'videos',
		pendingWord: 'rendering',
		async toReadyItems(video, { itemIndex }) {
			const binary: INodeExecutionData['binary'] = {};
			if (ctx.getNodeParameter('downloadVideo', itemIndex, true) as boolean) {
				const field = requireText(ctx, 'binaryPropertyName', 'Put Output File in Field', itemIndex);
				binary[field] = await downloadVideoFile(ctx, video, 'video', itemIndex, maxBytesOf(ctx, itemIndex));
			}
			if ((ctx.getNodeParameter('downloadThumbnail', itemIndex, false) as boolean) && video.thumbnailUrl) {
				const field = requireText(ctx, 'thumbnailPropertyName', 'Put Thumbnail in Field', itemIndex);
				binary[field] = await downloadVideoFile(ctx, video, 'thumbnail', itemIndex, maxBytesOf(ctx, itemIndex));
			}
			return { ready: [{ json: { ...video }, ...(Object.keys(binary).length ? { binary } : {}) }] };
		},
	});
}
