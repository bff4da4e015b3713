import type { INodeExecutionData, IPollFunctions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { TriggerSettings } from '../../nodes/BlipixTrigger/videoEvents';
import { latestEvent, pollVideoEvents } from '../../nodes/BlipixTrigger/videoEvents';
import type { BlipixVideo } from '../../nodes/shared/blipix/types';
import { clock } from '../../nodes/shared/clock';
import { forgetProcessMemory } from '../../nodes/shared/emitOnce';

// The Blipix Trigger's poll logic against a fake Blipix held in memory, on a fake clock: every
// rule about the cursor, the baseline, the watch list and emitting once, exactly and in milliseconds.

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-10T00:00:00.000Z');
const NODE = { id: 'trigger-node', name: 'Blipix Trigger', type: 'blipixTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };

/** The fake Blipix: what GET /videos lists (the newest 100), what GET /videos/:id knows, and what was asked of it. */
const mockApi = {
	now: T0,
	listed: [] as BlipixVideo[],
	byId: new Map<string, BlipixVideo>(),
	lookups: [] as string[],
	listQueries: [] as unknown[],
	downloads: [] as string[],
	lookupErrors: new Map<string, Error>(),
	downloadErrors: new Map<string, Error>(),
	/** API ms each download takes, on the fake clock. */
	downloadMs: 0,
};

jest.mock('../../nodes/shared/blipix/videos', () => ({
	listVideos: async (_ctx: unknown, query: unknown, _itemIndex: unknown, tuning: unknown) => {
		mockApi.listQueries.push({ query, tuning });
		return mockApi.listed.map((video) => ({ ...video }));
	},
	getVideo: async (_ctx: unknown, id: string) => {
		mockApi.lookups.push(id);
		const error = mockApi.lookupErrors.get(id);
		if (error) throw error;
		const video = mockApi.byId.get(id);
		if (!video) throw new NodeApiError(NODE, { message: 'Video not found' }, { httpCode: '404' });
		return { ...video, script: `script of ${id}` };
	},
	downloadVideoFile: async (_ctx: unknown, video: BlipixVideo, file: string) => {
		mockApi.downloads.push(`${file} ${video.id}`);
		mockApi.now += mockApi.downloadMs;
		const error = mockApi.downloadErrors.get(video.id);
		if (error) throw error;
		return { data: '', mimeType: file === 'video' ? 'video/mp4' : 'image/jpeg', fileName: `${video.id}.${file}` };
	},
}));

type State = 'rendering' | 'ready' | 'failed';
const STATES: Record<State, Partial<BlipixVideo>> = {
	rendering: { status: 'processing', renderStatus: 'rendering', videoUrl: null },
	ready: { status: 'ready', renderStatus: 'completed', videoUrl: 'https://cdn.example/v.mp4' },
	failed: { status: 'failed', renderStatus: 'failed', videoUrl: null },
};

function video(id: string, createdAt: number, state: State, extra: Partial<BlipixVideo> = {}): BlipixVideo {
	return { id, title: `Video ${id}`, aspectRatio: '9:16', createdAt: new Date(createdAt).toISOString(), ...STATES[state], ...extra } as BlipixVideo;
}

/** Blipix knows `videos`; GET /videos lists `listed` of them (all by default). */
function publish(videos: BlipixVideo[], listed = videos) {
	for (const each of videos) mockApi.byId.set(each.id, each);
	mockApi.listed = listed;
}

const SETTINGS: TriggerSettings = {
	events: ['video.ready', 'video.failed'],
	aspectRatios: [],
	titleContains: '',
	fetchDetails: false,
	downloadVideo: false,
	videoField: 'data',
	downloadThumbnail: false,
	thumbnailField: 'thumbnail',
	maxBytes: 0,
	catchUpHours: 0,
};

const warnings: string[] = [];

function contextFor(staticData: Record<string, unknown>, workflowId = 'workflow-1') {
	return {
		getWorkflowStaticData: () => staticData,
		getWorkflow: () => ({ id: workflowId }),
		getNode: () => NODE,
		logger: { warn: (message: string) => warnings.push(message), info: () => {}, debug: () => {}, error: () => {} },
	} as unknown as IPollFunctions;
}

/** One active trigger: each poll gives the items it emitted, in order; static data is kept between polls. */
function trigger(settings: Partial<TriggerSettings> = {}, workflowId?: string) {
	const staticData: Record<string, unknown> = {};
	const poll = async (over: Partial<TriggerSettings> = {}, data = staticData) => {
		const items: INodeExecutionData[] = [];
		await pollVideoEvents(contextFor(data, workflowId), { ...SETTINGS, ...settings, ...over }, (item) => items.push(item));
		return items;
	};
	const ids = async (over: Partial<TriggerSettings> = {}, data = staticData) => (await poll(over, data)).map((item) => item.json.id);
	return { staticData, poll, ids };
}

/** What the poll looked up by id. */
async function lookedUp(poll: () => Promise<unknown>) {
	mockApi.lookups = [];
	await poll();
	return mockApi.lookups;
}

beforeEach(() => {
	forgetProcessMemory();
	Object.assign(mockApi, { now: T0, listed: [], byId: new Map(), lookups: [], listQueries: [], downloads: [], lookupErrors: new Map(), downloadErrors: new Map(), downloadMs: 0 });
	warnings.length = 0;
	jest.spyOn(clock, 'now').mockImplementation(() => mockApi.now);
});

afterEach(() => jest.restoreAllMocks());

describe('the first poll', () => {
	it('emits nothing, and takes the newest video’s createdAt (the API’s time) as the baseline, kept by later polls', async () => {
		const { ids, staticData } = trigger();
		publish([video('newest', T0 - HOUR, 'ready'), video('older', T0 - 2 * HOUR, 'failed')]);
		mockApi.now = T0 + 5 * HOUR;
		expect(await ids()).toEqual([]);
		expect(staticData.cursor).toEqual({ baselineAt: T0 - HOUR, watched: {} });
		publish([video('new', T0 + 6 * HOUR, 'ready'), video('newest', T0 - HOUR, 'ready')]);
		expect(await ids()).toEqual(['new']);
		expect(staticData.cursor).toEqual({ baselineAt: T0 - HOUR, watched: {} });
	});

	it('asks for the newest 100 in one request per poll', async () => {
		const { ids } = trigger();
		await ids();
		await ids();
		expect(mockApi.listQueries).toEqual([
			{ query: { limit: 100 }, tuning: { maxRateLimitWaitMs: 60_000 } },
			{ query: { limit: 100 }, tuning: { maxRateLimitWaitMs: 60_000 } },
		]);
	});

	it.each([
		[0, []],
		[2, ['an hour ago']],
		[4, ['an hour ago', '3 hours ago']],
	])('with Catch Up %i hours emits the videos finished in those hours only', async (catchUpHours, expected) => {
		const { ids } = trigger({ catchUpHours });
		// A video created "in the future" by n8n's clock: Blipix's clock runs ahead; only catch-up may emit it.
		publish([video('an hour ago', T0 - HOUR, 'ready'), video('3 hours ago', T0 - 3 * HOUR, 'failed'), video('5 hours ago', T0 - 5 * HOUR, 'ready')]);
		expect(await ids()).toEqual(expected);
	});

	it('without Catch Up emits nothing, even a video Blipix’s clock dates after n8n’s', async () => {
		const { ids } = trigger();
		publish([video('ahead', T0 + 10 * SECOND, 'ready')]);
		expect(await ids()).toEqual([]);
	});
});

describe('history', () => {
	it('never emits a video finished by the first poll, the newest included', async () => {
		const { ids } = trigger();
		publish([video('baseline', T0 - HOUR, 'ready'), video('old', T0 - 2 * HOUR, 'failed')]);
		await ids();
		mockApi.now += HOUR;
		expect(await ids()).toEqual([]);
	});

	it.each([
		['finished while n8n was down 29 days', 29 * DAY, true],
		['created more than 30 days before the poll', 31 * DAY, false],
	])('emits a video %s only if it is younger than 30 days', async (_name, downFor, emitted) => {
		const { ids } = trigger();
		publish([]);
		await ids();
		mockApi.now = T0 + downFor;
		publish([video('while down', T0 + HOUR, 'ready')]);
		expect(await ids()).toEqual(emitted ? ['while down'] : []);
	});

	it('does not emit a video again once its emission is forgotten after 30 days', async () => {
		const { ids } = trigger();
		publish([video('before', T0 - HOUR, 'ready')]);
		await ids();
		publish([video('after', T0 + HOUR, 'ready'), video('before', T0 - HOUR, 'ready')]);
		mockApi.now = T0 + 2 * HOUR;
		expect(await ids()).toEqual(['after']);
		mockApi.now = T0 + 2 * HOUR + 31 * DAY;
		expect(await ids()).toEqual([]);
	});
});

describe('watched videos', () => {
	it('emits a video seen unfinished once it finishes, even one created before the baseline, then stops looking at it', async () => {
		const { ids, poll } = trigger();
		publish([video('late', T0 - HOUR, 'rendering')]);
		await ids();
		publish([video('late', T0 - HOUR, 'ready')]);
		expect(await ids()).toEqual(['late']);
		// Out of the newest 100 now: an emitted video is not looked up.
		publish([video('late', T0 - HOUR, 'ready')], []);
		expect(await lookedUp(poll)).toEqual([]);
	});

	it('looks up a watched video only when it left the newest 100, five per poll, least recently checked first', async () => {
		const { poll } = trigger();
		const rendering = Array.from({ length: 7 }, (_, i) => video(`v${i}`, T0 - HOUR + i, 'rendering'));
		publish(rendering);
		expect(await lookedUp(poll)).toEqual([]);
		publish(rendering, rendering.slice(0, 1));
		mockApi.now += 10 * SECOND;
		expect(await lookedUp(poll)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
		// v0 was checked in the list, as recently as the five looked up.
		publish(rendering, []);
		mockApi.now += 10 * SECOND;
		expect(await lookedUp(poll)).toEqual(['v6', 'v0', 'v1', 'v2', 'v3']);
	});

	it('emits a watched video found finished by its lookup, with the lookup as its details', async () => {
		const { poll, staticData } = trigger({ fetchDetails: true });
		publish([video('gone', T0 - HOUR, 'rendering')]);
		await poll();
		publish([video('gone', T0 - HOUR, 'ready')], []);
		mockApi.lookups = [];
		const [item] = await poll();
		expect(item.json).toMatchObject({ id: 'gone', event: 'video.ready', script: 'script of gone' });
		expect(mockApi.lookups).toEqual(['gone']);
		expect(staticData.cursor).toMatchObject({ watched: {} });
	});

	it('stops watching a video Blipix no longer knows (404), and keeps one whose lookup failed otherwise', async () => {
		const { poll } = trigger();
		publish([video('deleted', T0 - HOUR, 'rendering'), video('flaky', T0 - HOUR, 'rendering')]);
		await poll();
		mockApi.byId.delete('deleted');
		mockApi.lookupErrors.set('flaky', new NodeApiError(NODE, { message: 'Service unavailable' }, { httpCode: '503' }));
		publish([], []);
		expect((await lookedUp(poll)).sort()).toEqual(['deleted', 'flaky']);
		expect(await lookedUp(poll)).toEqual(['flaky']);
		mockApi.lookupErrors.clear();
		mockApi.byId.set('flaky', video('flaky', T0 - HOUR, 'failed'));
		expect((await poll()).map((item) => item.json.id)).toEqual(['flaky']);
		expect(await lookedUp(poll)).toEqual([]);
	});

	it.each([
		['finds it finished in the list', true],
		['looks it up', false],
	])('stops watching a video that an overlapping poll emitted, when it %s', async (_how, listed) => {
		const { poll, staticData } = trigger();
		publish([video('both', T0 - HOUR, 'rendering')]);
		await poll();
		const loadedByTheOverlappingPoll = structuredClone(staticData);
		const finished = [video('both', T0 - HOUR, 'ready')];
		publish(finished);
		expect((await poll()).map((item) => item.json.id)).toEqual(['both']);
		const overlapping = async () => await poll({}, loadedByTheOverlappingPoll);
		publish(finished, listed ? finished : []);
		expect(await lookedUp(overlapping)).toEqual(listed ? [] : ['both']);
		expect(mockApi.downloads).toEqual([]);
		publish(finished, []);
		expect(await lookedUp(overlapping)).toEqual([]);
	});

	it('emits each video in every workflow that triggers on it, and again in none after n8n restarts', async () => {
		const triggers = [trigger({}, 'workflow-1'), trigger({}, 'workflow-2')];
		for (const { ids } of triggers) await ids();
		publish([video('shared', T0 + 1, 'ready')]);
		for (const { ids } of triggers) expect(await ids()).toEqual(['shared']);
		forgetProcessMemory();
		for (const { ids } of triggers) expect(await ids()).toEqual([]);
	});

	it('reads the static data an earlier release saved: after an upgrade, nothing is emitted again', async () => {
		// Saved by the release before (the format is a contract: the cursor and the emit-once store).
		const saved = {
			cursor: { baselineAt: T0, watched: {} },
			emitted: { v: 1, seen: { done: T0 + 1 }, forgottenThrough: 0, writer: 'before the upgrade', seq: 1 },
		};
		const { ids } = trigger();
		publish([video('done', T0 + 1, 'ready'), video('new', T0 + 2, 'ready')]);
		expect(await ids({}, saved)).toEqual(['new']);
	});

	it('builds and emits each video once when polls overlap', async () => {
		const { poll } = trigger({ downloadVideo: true });
		await poll();
		publish([video('a', T0 + 1, 'ready'), video('b', T0 + 2, 'failed')]);
		const [first, second] = await Promise.all([poll(), poll()]);
		expect([...first, ...second].map((item) => item.json.id).sort()).toEqual(['a', 'b']);
		expect(mockApi.downloads).toEqual(['video a']);
	});

	it('forgets a video still unfinished a week after it was created', async () => {
		const { poll } = trigger();
		publish([video('stuck', T0, 'rendering')]);
		await poll();
		publish([video('stuck', T0, 'rendering')], []);
		mockApi.now = T0 + 7 * DAY;
		expect(await lookedUp(poll)).toEqual(['stuck']);
		mockApi.now = T0 + 7 * DAY + 1;
		expect(await lookedUp(poll)).toEqual(['stuck']);
		expect(await lookedUp(poll)).toEqual([]);
	});

	it.each([
		[2000, []],
		[2001, ['Blipix Trigger: watching more than 2000 unfinished videos; stopped watching the 1 oldest']],
	])('watches at most 2000 unfinished videos, the newest (%i seen)', async (count, expectedWarnings) => {
		const { ids } = trigger();
		const created = Array.from({ length: count }, (_, i) => video(`v${i}`, T0 - DAY + i * SECOND, 'rendering'));
		// Listed in no particular order of age (every 7th from the 4th, wrapping): the oldest must go, not the first seen.
		const shuffled = created.map((_, i) => created[(i * 7 + 3) % count]);
		publish(shuffled);
		await ids();
		expect(warnings).toEqual(expectedWarnings);
		publish(shuffled.map((each) => ({ ...each, ...STATES.ready })));
		const emitted = await ids();
		expect(new Set(emitted)).toEqual(new Set(created.slice(count - 2000).map((each) => each.id)));
	});
});

describe('events and filters', () => {
	it.each([
		['the events', { events: ['video.ready'] }, ['ok', 'wide', 'promo-day', 'untitled']],
		['the aspect ratios', { aspectRatios: ['16:9'] }, ['wide']],
		['the title, without case or surrounding spaces', { titleContains: '  PROMO ' }, ['promo-day']],
		['a title filter, never matched by a video without a title', { titleContains: 'undefined' }, []],
		['a one-letter title filter, never matched by a video without a title', { titleContains: 'r' }, ['promo-day']],
	] as Array<[string, Partial<TriggerSettings>, string[]]>)('emit only what %s let through', async (_name, filters, expected) => {
		const { ids } = trigger(filters);
		await ids();
		publish([
			video('ok', T0 + 1, 'ready'),
			video('bad', T0 + 2, 'failed'),
			video('wide', T0 + 3, 'ready', { aspectRatio: '16:9' }),
			video('promo-day', T0 + 4, 'ready', { title: 'Promo-Day' }),
			video('untitled', T0 + 5, 'ready', { title: undefined }),
		]);
		const emitted = await ids();
		expect(emitted).toEqual(expected);
	});

	it('leaves out a video once for good: a later change of the events does not bring it back, and it is not watched', async () => {
		const { ids, poll } = trigger({ events: ['video.ready'] });
		await ids();
		publish([video('failing', T0 + 1, 'rendering')]);
		await ids();
		const failed = [video('failing', T0 + 1, 'failed')];
		publish(failed);
		expect(await ids()).toEqual([]);
		publish(failed, []);
		expect(await lookedUp(poll)).toEqual([]);
		publish(failed);
		expect(await ids({ events: ['video.ready', 'video.failed'] })).toEqual([]);
	});
});

describe('the items', () => {
	const FINISHED = ['ready', 'failed', 'no thumbnail'];
	it.each([
		['no details, no files', {}, [], undefined, undefined],
		['details', { fetchDetails: true }, FINISHED, undefined, undefined],
		['the video file', { downloadVideo: true }, [], ['data: video'], ['data: video']],
		['the thumbnail', { downloadThumbnail: true }, [], ['thumbnail: thumbnail'], undefined],
		['both files', { downloadVideo: true, downloadThumbnail: true }, [], ['data: video', 'thumbnail: thumbnail'], ['data: video']],
	] as Array<[string, Partial<TriggerSettings>, string[], string[] | undefined, string[] | undefined]>)(
		'carry the video, its event, when it was detected, and %s as asked (files of ready videos only)',
		async (_name, options, detailed, files, filesWithoutThumbnail) => {
			const { poll } = trigger(options);
			await poll();
			const thumbnailUrl = 'https://cdn.example/t.jpg';
			publish([video('ready', T0 + 1, 'ready', { thumbnailUrl }), video('failed', T0 + 2, 'failed', { thumbnailUrl }), video('no thumbnail', T0 + 3, 'ready')]);
			mockApi.now = T0 + HOUR;
			const items = await poll();
			const byId: Record<string, INodeExecutionData> = Object.fromEntries(items.map((item) => [item.json.id, item]));
			const detectedAt = '2026-01-10T01:00:00.000Z';
			expect(byId.ready.json).toMatchObject({ event: 'video.ready', detectedAt, title: 'Video ready' });
			expect(byId.failed.json).toMatchObject({ event: 'video.failed', detectedAt });
			expect(items.filter((item) => item.json.script).map((item) => item.json.id)).toEqual(detailed);
			expect(mockApi.lookups).toEqual(detailed);
			// Each binary field and which of the video's files it holds.
			const fields = (id: string) => byId[id].binary && Object.entries(byId[id].binary ?? {}).map(([field, file]) => `${field}: ${file.fileName?.replace(`${id}.`, '')}`);
			expect([fields('ready'), fields('failed'), fields('no thumbnail')]).toEqual([files, undefined, filesWithoutThumbnail]);
		},
	);

	it('retries a video whose file fails on the next polls, and emits it with the error on the third', async () => {
		const { poll } = trigger({ downloadVideo: true });
		await poll();
		publish([video('broken', T0 + 1, 'ready')]);
		mockApi.downloadErrors.set('broken', new Error('CDN said 502'));
		const polls = [await poll(), await poll(), await poll(), await poll()];
		expect(polls.map((items) => items.length)).toEqual([0, 0, 1, 0]);
		expect(polls[2][0].json).toMatchObject({ id: 'broken', event: 'video.ready', error: 'CDN said 502' });
		expect(warnings).toEqual([
			'Blipix Trigger: video broken will be emitted next poll: CDN said 502',
			'Blipix Trigger: video broken will be emitted next poll: CDN said 502',
		]);
	});

	it('starts no item 45 s after the poll began: the rest come next poll, even once they left the newest 100', async () => {
		const { ids } = trigger({ downloadVideo: true });
		await ids();
		const finished = [video('a', T0 + 3, 'ready'), video('b', T0 + 2, 'ready'), video('c', T0 + 1, 'ready')];
		publish(finished);
		mockApi.downloadMs = 45 * SECOND;
		expect(await ids()).toEqual(['a', 'b']);
		publish(finished, []);
		expect(await ids()).toEqual(['c']);
	});
});

describe('Fetch Test Event', () => {
	it('shows the newest finished video that matches, and nothing when there is none', async () => {
		const ctx = contextFor({});
		publish([video('rendering', T0 + 4, 'rendering'), video('older', T0 + 1, 'ready'), video('newest', T0 + 3, 'failed'), video('middle', T0 + 2, 'ready')]);
		expect((await latestEvent(ctx, SETTINGS))?.json).toMatchObject({ id: 'newest', event: 'video.failed' });
		expect((await latestEvent(ctx, { ...SETTINGS, events: ['video.ready'] }))?.json).toMatchObject({ id: 'middle', event: 'video.ready' });
		publish([video('rendering', T0 + 4, 'rendering')]);
		expect(await latestEvent(ctx, SETTINGS)).toBeUndefined();
	});
});
