import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { PollOutcome, PollSnapshot, PollSource } from '../poller';
import { describeProgress, formatDuration, waitForJobs } from '../poller';
import { binaryPropertyProperty } from './descriptions';
import { downloadVideoFile, getVideo, listVideos } from './videos';
import type { BlipixVideo } from './types';
import { isVideoFailed, isVideoReady } from './types';

/** GET /videos returns at most this many, newest first. */
const LIST_LIMIT = 100;
/** Direct GETs run a few at a time; the shared budget paces them anyway. */
const DIRECT_FETCH_CONCURRENCY = 4;

export const MIN_POLL_INTERVAL_SECONDS = 5;
export const MAX_WAIT_MINUTES = 180;

/** The waiting parameters, shared by Blipix Wait for Render and Video → Create's "Wait for Render". */
export const renderWaitProperties: INodeProperties[] = [
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS },
		default: 20,
		description:
			'How often to check. Each check costs one request for all videos together, plus one per video that finished.',
	},
	{
		displayName: 'Max Wait (Minutes)',
		name: 'maxWait',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_WAIT_MINUTES },
		default: 30,
		description:
			'Videos not ready by then go to the "Failed or Timed Out" output with what is known about them',
	},
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
	{
		displayName: 'On Failure',
		name: 'onFailure',
		type: 'options',
		options: [
			{
				name: 'Send to "Failed or Timed Out" Output',
				value: 'output',
				description: 'Failed and timed-out videos continue on the second output',
			},
			{
				name: 'Stop the Workflow',
				value: 'error',
				description: 'Any failed or timed-out video stops the workflow with an error',
			},
		],
		default: 'output',
	},
];

/** One input item waiting on one video. Several items may wait on the same video. */
export interface RenderWaitEntry {
	itemIndex: number;
	videoId: string;
	/** Kept on the outputs, e.g. the create response. */
	json?: IDataObject;
}

interface RenderWaitSettings {
	pollIntervalMs: number;
	maxWaitMs: number;
	downloadVideo: boolean;
	binaryPropertyName: string;
	downloadThumbnail: boolean;
	thumbnailPropertyName: string;
	onFailure: 'output' | 'error';
}

function readSettings(ctx: IExecuteFunctions): RenderWaitSettings {
	const node = ctx.getNode();
	const pollInterval = Number(ctx.getNodeParameter('pollInterval', 0, 20));
	const maxWait = Number(ctx.getNodeParameter('maxWait', 0, 30));
	if (!(pollInterval >= MIN_POLL_INTERVAL_SECONDS)) {
		throw new NodeOperationError(
			node,
			`Poll Interval must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds, not ${pollInterval}`,
			{ description: 'Checking more often would not make videos render faster, only spend the rate limit.' },
		);
	}
	if (!(maxWait > 0 && maxWait <= MAX_WAIT_MINUTES)) {
		throw new NodeOperationError(node, `Max Wait must be between 1 and ${MAX_WAIT_MINUTES} minutes, not ${maxWait}`);
	}
	const downloadVideo = ctx.getNodeParameter('downloadVideo', 0, true) as boolean;
	const downloadThumbnail = ctx.getNodeParameter('downloadThumbnail', 0, false) as boolean;
	return {
		pollIntervalMs: pollInterval * 1000,
		maxWaitMs: maxWait * 60_000,
		downloadVideo,
		binaryPropertyName: downloadVideo ? (ctx.getNodeParameter('binaryPropertyName', 0) as string) : 'data',
		downloadThumbnail,
		thumbnailPropertyName: downloadThumbnail
			? (ctx.getNodeParameter('thumbnailPropertyName', 0) as string)
			: 'thumbnail',
		onFailure: ctx.getNodeParameter('onFailure', 0, 'output') as 'output' | 'error',
	};
}

async function mapLimit<T, R>(values: T[], limit: number, fn: (value: T) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(values.length);
	let next = 0;
	const workers = Array.from({ length: Math.min(limit, values.length) }, async () => {
		while (next < values.length) {
			const index = next++;
			results[index] = await fn(values[index]);
		}
	});
	await Promise.all(workers);
	return results;
}

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
			const jobs = new Map<string, BlipixVideo>();
			const gone = new Map<string, string>();
			const needDetails: string[] = [];
			for (const id of pendingIds) {
				const video = listed.get(id);
				if (video && !isVideoReady(video)) jobs.set(id, video);
				else needDetails.push(id);
			}
			await mapLimit(needDetails, DIRECT_FETCH_CONCURRENCY, async (id) => {
				try {
					jobs.set(id, await getVideo(ctx, id, undefined, patience));
				} catch (error) {
					if (error instanceof NodeApiError && error.httpCode === '404') gone.set(id, error.message);
					else throw error;
				}
			});
			return { jobs, gone };
		},
		stateOf: (video) => (isVideoReady(video) ? 'ready' : isVideoFailed(video) ? 'failed' : 'pending'),
		progressOf: (video) => (typeof video.renderProgress === 'number' ? video.renderProgress : undefined),
		failureOf: (video) =>
			`Blipix reports the video as failed${video.renderStatus === 'failed' ? ' during rendering' : ''}`,
	};
}

/**
 * Waits on all entries' videos together and sorts the items into [ready, failedOrTimedOut],
 * downloading the files of ready videos if asked. Used by every node that waits on renders.
 */
export async function waitForRenders(
	ctx: IExecuteFunctions,
	entries: RenderWaitEntry[],
): Promise<[INodeExecutionData[], INodeExecutionData[]]> {
	const settings = readSettings(ctx);
	const videoIds = [...new Set(entries.map((entry) => entry.videoId))];
	const manualRun = ctx.getMode() === 'manual';

	const outcomes = await waitForJobs(videoIds, blipixPollSource(ctx, settings.pollIntervalMs), {
		pollIntervalMs: settings.pollIntervalMs,
		maxWaitMs: settings.maxWaitMs,
		signal: ctx.getExecutionCancelSignal(),
		onCycle: (progress) => {
			const line = describeProgress(progress, 'rendering');
			ctx.logger.info(`Blipix Wait for Render: ${line}`);
			if (manualRun) ctx.sendMessageToUI(line);
		},
	});

	const ready: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	for (const entry of entries) {
		const outcome = outcomes.get(entry.videoId) as PollOutcome<BlipixVideo>;
		const pairedItem = { item: entry.itemIndex };
		if (outcome.result === 'ready') {
			const video = outcome.job as BlipixVideo;
			const binary: INodeExecutionData['binary'] = {};
			if (settings.downloadVideo) {
				binary[settings.binaryPropertyName] = await downloadVideoFile(ctx, video, 'video', entry.itemIndex);
			}
			if (settings.downloadThumbnail && video.thumbnailUrl) {
				binary[settings.thumbnailPropertyName] = await downloadVideoFile(ctx, video, 'thumbnail', entry.itemIndex);
			}
			ready.push({ json: { ...entry.json, ...video }, ...(Object.keys(binary).length ? { binary } : {}), pairedItem });
		} else {
			failed.push({
				json: {
					...entry.json,
					id: entry.videoId,
					...outcome.job,
					waitResult: outcome.result,
					reason: outcome.reason,
					elapsedSeconds: Math.round(outcome.elapsedMs / 1000),
				},
				pairedItem,
			});
		}
	}

	if (settings.onFailure === 'error' && failed.length > 0) {
		const summary = failed
			.slice(0, 5)
			.map(({ json }) => `${String(json.id)} (${json.waitResult === 'timedOut' ? 'timed out' : 'failed'})`)
			.join(', ');
		throw new NodeOperationError(
			ctx.getNode(),
			`${failed.length} of ${entries.length} videos did not finish: ${summary}${failed.length > 5 ? ', …' : ''}`,
			{
				description: `${ready.length} finished. Waited up to ${formatDuration(settings.maxWaitMs)}. Choose "Send to 'Failed or Timed Out' Output" under On Failure to keep the workflow going.`,
			},
		);
	}
	return [ready, failed];
}
