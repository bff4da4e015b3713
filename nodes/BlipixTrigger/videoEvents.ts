import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { downloadVideoFile, getVideo, listVideos } from '../shared/blipix/videos';
import type { BlipixVideo } from '../shared/blipix/types';
import { isVideoFailed, isVideoReady } from '../shared/blipix/types';
import { clock } from '../shared/clock';
import { emitOnceScope, emitOnceStore } from '../shared/emitOnce';
import { mapLimit } from '../shared/jobWait';

export type VideoEvent = 'video.ready' | 'video.failed';

/** GET /videos returns at most this many, newest first: one request per poll covers them all. */
const LIST_LIMIT = 100;
/** Videos watched while unfinished that left the newest 100 are looked up by id, this many per poll. */
export const MAX_LOOKUPS_PER_POLL = 5;
/** Emitted ids are remembered this long; older finished videos are history and never emitted. */
const HISTORY_MS = 30 * 24 * 60 * 60_000;
const MAX_EMITTED = 20_000;
/** Unfinished videos watched at most; a video processing longer than this has been given up by Blipix. */
const MAX_PENDING = 2_000;
const PENDING_GIVE_UP_MS = 7 * 24 * 60 * 60_000;
/** A video whose details or files fail this often is emitted anyway, with the error, rather than retried forever. */
const MAX_ATTEMPTS = 3;
/** Items built at once (details, files): a slow or hung file holds up only its own video. */
const BUILD_CONCURRENCY = 3;
/**
 * A poll starts building no item this long after it began (API ms); the rest wait for the next
 * poll, so that a burst of finished videos with big files never keeps one poll busy for long.
 */
const BUILD_START_BUDGET_MS = 45_000;

/** A video seen unfinished (or whose emission failed), watched until it can be emitted. */
interface Watched {
	createdAt: number;
	checkedAt: number;
	attempts: number;
}

/** What the trigger keeps in the node's static data besides the emitted ids. */
interface Cursor {
	/** The newest video's createdAt at the first poll: videos finished by then are history. */
	baselineAt?: number;
	watched: Record<string, Watched>;
}

export interface TriggerSettings {
	events: VideoEvent[];
	aspectRatios: string[];
	titleContains: string;
	fetchDetails: boolean;
	downloadVideo: boolean;
	videoField: string;
	downloadThumbnail: boolean;
	thumbnailField: string;
	maxBytes: number;
	catchUpHours: number;
}

const eventOf = (video: BlipixVideo): VideoEvent | undefined =>
	isVideoReady(video) ? 'video.ready' : isVideoFailed(video) ? 'video.failed' : undefined;

const createdAtOf = (video: BlipixVideo) => Date.parse(String(video.createdAt)) || 0;

function matches(video: BlipixVideo, event: VideoEvent, settings: TriggerSettings): boolean {
	if (!settings.events.includes(event)) return false;
	if (settings.aspectRatios.length && !settings.aspectRatios.includes(String(video.aspectRatio))) return false;
	const needle = settings.titleContains.trim().toLowerCase();
	return !needle || String(video.title ?? '').toLowerCase().includes(needle);
}

function loadCursor(staticData: IDataObject): Cursor {
	const stored = staticData.cursor as Partial<Cursor> | undefined;
	return { baselineAt: stored?.baselineAt, watched: { ...(stored?.watched ?? {}) } };
}

/** A finished video to emit; `detailed` when it came from GET /videos/:id already. */
interface Due {
	video: BlipixVideo;
	event: VideoEvent;
	detailed?: boolean;
}

/** One emitted item: the video (with its details and files, as asked), the event and when it was seen. */
async function toItem(ctx: IPollFunctions, { video: listed, event, detailed }: Due, settings: TriggerSettings): Promise<INodeExecutionData> {
	const video = settings.fetchDetails && !detailed ? await getVideo(ctx, listed.id) : listed;
	const binary: INodeExecutionData['binary'] = {};
	if (event === 'video.ready' && settings.downloadVideo) {
		binary[settings.videoField] = await downloadVideoFile(ctx, video, 'video', 0, settings.maxBytes);
	}
	if (event === 'video.ready' && settings.downloadThumbnail && video.thumbnailUrl) {
		binary[settings.thumbnailField] = await downloadVideoFile(ctx, video, 'thumbnail', 0, settings.maxBytes);
	}
	const json = { ...video, event, detectedAt: new Date(clock.now()).toISOString() };
	return { json, ...(Object.keys(binary).length ? { binary } : {}) };
}

/** The newest finished video that matches: what "Fetch Test Event" shows. Reads only; moves nothing. */
export async function latestEvent(ctx: IPollFunctions, settings: TriggerSettings): Promise<INodeExecutionData | undefined> {
	const videos = await listVideos(ctx, { limit: LIST_LIMIT });
	const latest = videos
		.filter((video) => {
			const event = eventOf(video);
			return event !== undefined && matches(video, event, settings);
		})
		.sort((a, b) => createdAtOf(b) - createdAtOf(a))[0];
	return latest ? await toItem(ctx, { video: latest, event: eventOf(latest) as VideoEvent }, settings) : undefined;
}

/**
 * One scheduled poll: one GET /videos?limit=100 whatever the number of videos, plus a GET per
 * emitted video (details, optional) and per watched video that left the newest 100 (at most
 * MAX_LOOKUPS_PER_POLL, least recently checked first). Each item goes to `emit` as soon as it is
 * built, claimed in the emit-once store, so that overlapping or repeated polls never emit one
 * video twice; while it is being built it is held there, so an overlapping poll does not fetch it
 * again. The first poll records what exists and emits only the catch-up, if asked.
 */
export async function pollVideoEvents(
	ctx: IPollFunctions,
	settings: TriggerSettings,
	emit: (item: INodeExecutionData) => void,
): Promise<void> {
	const staticData = ctx.getWorkflowStaticData('node');
	const emitted = emitOnceStore(staticData, emitOnceScope(ctx.getWorkflow().id, ctx.getNode()), {
		maxAgeMs: HISTORY_MS,
		maxEntries: MAX_EMITTED,
		field: 'emitted',
	});
	const cursor = loadCursor(staticData);
	const listed = await listVideos(ctx, { limit: LIST_LIMIT }, undefined, { maxRateLimitWaitMs: 60_000 });
	const now = clock.now();
	const firstPoll = cursor.baselineAt === undefined;
	// Finished videos created at or before this are history, unless watched since they were unfinished.
	const historyBefore = firstPoll
		? settings.catchUpHours > 0
			? now - settings.catchUpHours * 60 * 60_000
			: Infinity
		: Math.max(cursor.baselineAt as number, now - HISTORY_MS);

	const due: Due[] = [];
	const listedIds = new Set<string>();
	for (const video of listed) {
		listedIds.add(video.id);
		const event = eventOf(video);
		if (!event) {
			cursor.watched[video.id] ??= { createdAt: createdAtOf(video), checkedAt: now, attempts: 0 };
			cursor.watched[video.id].checkedAt = now;
		} else if (emitted.has(video.id)) {
			// An overlapping poll that saved after the emitting one may have brought the watch back.
			delete cursor.watched[video.id];
		} else if (cursor.watched[video.id] || createdAtOf(video) > historyBefore) {
			due.push({ video, event });
		}
	}

	// Watched videos that left the newest 100 (many newer ones appeared): looked up by id, a few per poll.
	const missing = Object.entries(cursor.watched)
		.filter(([id]) => !listedIds.has(id))
		.sort(([, a], [, b]) => a.checkedAt - b.checkedAt)
		.slice(0, MAX_LOOKUPS_PER_POLL);
	for (const [id, watched] of missing) {
		const found = await getVideo(ctx, id).then(
			(video) => ({ video }),
			(error: unknown) => ({ error }),
		);
		if ('error' in found) {
			if (found.error instanceof NodeApiError && found.error.httpCode === '404') delete cursor.watched[id];
			continue;
		}
		watched.checkedAt = now;
		const event = eventOf(found.video);
		if (event && emitted.has(id)) delete cursor.watched[id];
		else if (event) due.push({ video: found.video, event, detailed: true });
	}

	const toBuild: Due[] = [];
	for (const entry of due) {
		const { video, event } = entry;
		if (!matches(video, event, settings)) {
			// Decided once: a video the events or filters leave out is not looked at again.
			emitted.claim(video.id, now);
			delete cursor.watched[video.id];
		} else if (emitted.hold(video.id, now)) {
			toBuild.push(entry);
		}
		// Otherwise an overlapping poll is building it, or has emitted it since this one listed.
	}

	await mapLimit(toBuild, BUILD_CONCURRENCY, async (entry) => {
		const { video, event } = entry;
		try {
			if (clock.now() - now > BUILD_START_BUDGET_MS) {
				// Left for the next poll, watched so that it is found even once it leaves the newest 100.
				cursor.watched[video.id] ??= { createdAt: createdAtOf(video), checkedAt: now, attempts: 0 };
				return;
			}
			const built = await toItem(ctx, entry, settings).then(
				(item) => ({ item }),
				(error: unknown) => ({ error }),
			);
			const attempts = (cursor.watched[video.id]?.attempts ?? 0) + 1;
			if ('error' in built && attempts < MAX_ATTEMPTS) {
				// Watched, so the next poll tries again even once the video leaves the newest 100.
				cursor.watched[video.id] = { createdAt: createdAtOf(video), checkedAt: now, attempts };
				ctx.logger.warn(`Blipix Trigger: video ${video.id} will be emitted next poll: ${(built.error as Error).message}`);
				return;
			}
			const item = 'item' in built ? built.item : { json: { ...video, event, detectedAt: new Date(now).toISOString(), error: (built.error as Error).message } };
			if (emitted.claim(video.id, now)) emit(item);
			delete cursor.watched[video.id];
		} finally {
			emitted.release(video.id);
		}
	});

	forgetStale(cursor, now, ctx);
	// In the API's own time, so that a clock difference between n8n and Blipix cannot make a new video history.
	cursor.baselineAt ??= Math.max(0, ...listed.map(createdAtOf));
	staticData.cursor = cursor as unknown as IDataObject;
}

/** Keeps the watch list bounded: Blipix has given up on a video processing for a week, and the oldest go first past the cap. */
function forgetStale(cursor: Cursor, now: number, ctx: IPollFunctions): void {
	const entries = Object.entries(cursor.watched);
	for (const [id, watched] of entries) if (now - watched.createdAt > PENDING_GIVE_UP_MS) delete cursor.watched[id];
	const left = Object.entries(cursor.watched);
	if (left.length <= MAX_PENDING) return;
	const dropped = left.sort(([, a], [, b]) => a.createdAt - b.createdAt).slice(0, left.length - MAX_PENDING);
	for (const [id] of dropped) delete cursor.watched[id];
	ctx.logger.warn(`Blipix Trigger: watching more than ${MAX_PENDING} unfinished videos; stopped watching the ${dropped.length} oldest`);
}
