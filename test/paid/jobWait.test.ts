import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { WaitCancelledError, clock } from '../../nodes/shared/clock';
import type { JobWaitOptions, ReadyItems, WaitEntry, WaitPlan } from '../../nodes/shared/jobWait';
import {
	fetchEachJob,
	keepsFailedItems,
	mapLimit,
	onFailureProperty,
	outputsWhenWaiting,
	planFromCreated,
	planFromItems,
	pollProperties,
	waitAndSort,
} from '../../nodes/shared/jobWait';
import type { JobState, PollSnapshot } from '../../nodes/shared/poller';

// The wait-to-outputs path on a fake clock and a fake API: every job that was paid for ends up in
// an output item with its id, whatever happened after; "Stop the Workflow" names every one.

const NODE = { id: 'node-1', name: 'Wait', type: 'wait', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };

interface Job extends IDataObject {
	id: string;
	state: JobState;
}

const T0 = 1_000_000;
let now = T0;
let sleeps = 0;
beforeEach(() => {
	now = T0;
	sleeps = 0;
	jest.spyOn(clock, 'now').mockImplementation(() => now);
	jest.spyOn(clock, 'sleep').mockImplementation(async (ms: number, signal?: AbortSignal) => {
		if (signal?.aborted) throw new WaitCancelledError();
		// No wait here takes more than a few hundred cycles; a runaway one fails instead of spinning.
		if (++sleeps > 1000) throw new Error('more than 1000 cycles');
		now += ms;
	});
});
afterEach(() => jest.restoreAllMocks());

interface Harness {
	parameters?: IDataObject;
	mode?: 'manual' | 'trigger';
	input?: IDataObject[];
	signal?: AbortSignal;
}

function fakeContext({ parameters = {}, mode = 'trigger', input = [], signal }: Harness = {}) {
	const log = { info: [] as string[], warn: [] as string[], ui: [] as string[] };
	const ctx = {
		getNode: () => NODE,
		getMode: () => mode,
		getExecutionCancelSignal: () => signal,
		getInputData: () => input.map((json) => ({ json })),
		getNodeParameter: (name: string, _itemIndex: number, fallback: unknown) => parameters[name] ?? fallback,
		logger: { info: (message: string) => log.info.push(message), warn: (message: string) => log.warn.push(message) },
		sendMessageToUI: (message: string) => log.ui.push(message),
	} as unknown as IExecuteFunctions;
	return { ctx, log };
}

/** An API whose jobs end as `finalStates` say, after `cycles` polls (never, for 'pending'). */
function fakeApi(finalStates: Record<string, JobState>, ready: (job: Job, entry: WaitEntry) => Promise<ReadyItems> = async (job) => ({ ready: [{ json: { ...job, file: 'yes' } }] })) {
	const asked: string[][] = [];
	const intervals: number[] = [];
	const options: JobWaitOptions<Job> = {
		noun: 'videos',
		pendingWord: 'rendering',
		source: (pollIntervalMs) => {
			intervals.push(pollIntervalMs);
			return {
				async refresh(ids) {
					asked.push(ids);
					const snapshot: PollSnapshot<Job> = { jobs: new Map(), gone: new Map() };
					for (const id of ids) {
						if (finalStates[id] === undefined) snapshot.gone.set(id, `Video ${id} not found`);
						else snapshot.jobs.set(id, { id, state: finalStates[id], seenBy: 'api' });
					}
					return snapshot;
				},
				stateOf: (job) => job.state,
				progressOf: () => undefined,
				failureOf: (job) => `Render of ${job.id} failed`,
			};
		},
		toReadyItems: ready,
	};
	return { options, asked, intervals };
}

const entry = (itemIndex: number, jobId: string, json?: IDataObject): WaitEntry => ({ itemIndex, jobId, json });
const plan = (entries: WaitEntry[], notWaitable: WaitPlan['notWaitable'] = []): WaitPlan => ({ entries, notWaitable });
const summary = (items: INodeExecutionData[]) => items.map(({ json, pairedItem }) => ({ item: (pairedItem as { item: number }).item, ...json }));

describe('waitAndSort', () => {
	it('puts every item on an output with its id and why, sorted by input item, waiting once per job', async () => {
		const { ctx, log } = fakeContext();
		const { options, asked } = fakeApi({ done: 'ready', broke: 'failed', slow: 'pending' });
		const [ready, failed] = await waitAndSort(
			ctx,
			plan(
				[entry(4, 'slow', { id: 'slow', title: 'as created' }), entry(1, 'done'), entry(0, 'broke'), entry(3, 'done'), entry(5, 'missing', { id: 'missing', title: 'as created' }), entry(6, 'lost')],
				[{ itemIndex: 2, json: { title: 'no id' }, reason: 'The create returned no ID' }],
			),
			options,
		);
		expect(asked[0]).toEqual(['slow', 'done', 'broke', 'missing', 'lost']);
		expect(log.info[0]).toBe('Wait: 1/5 ready, 1 rendering, 3 failed, 0s elapsed');
		expect(summary(ready)).toEqual([
			{ item: 1, id: 'done', state: 'ready', seenBy: 'api', file: 'yes' },
			{ item: 3, id: 'done', state: 'ready', seenBy: 'api', file: 'yes' },
		]);
		expect(summary(failed)).toEqual([
			{ item: 0, id: 'broke', state: 'failed', seenBy: 'api', waitResult: 'failed', reason: 'Render of broke failed', elapsedSeconds: 0 },
			{ item: 2, title: 'no id', waitResult: 'notWaited', reason: 'The create returned no ID' },
			{ item: 4, id: 'slow', state: 'pending', seenBy: 'api', waitResult: 'timedOut', reason: 'Still not finished after 30m00s (the Max Wait)', elapsedSeconds: 1800 },
			{ item: 5, id: 'missing', title: 'as created', waitResult: 'failed', reason: 'Video missing not found', elapsedSeconds: 0 },
			{ item: 6, id: 'lost', waitResult: 'failed', reason: 'Video lost not found', elapsedSeconds: 0 },
		]);
		expect(log.warn).toEqual([
			'Wait: broke failed: Render of broke failed',
			'Wait: item 2 not waited on: The create returned no ID',
			'Wait: slow not finished after 30m00s: Still not finished after 30m00s (the Max Wait)',
			'Wait: missing failed: Video missing not found',
			'Wait: lost failed: Video lost not found',
		]);
	});

	it('keeps a finished job whose file would not download, with the download’s reason and the time waited so far', async () => {
		const { ctx } = fakeContext({ parameters: { pollInterval: 10 } });
		const refused = Object.assign(new Error('CDN refused'), { description: 'HTTP 403' });
		const { options } = fakeApi({ a: 'ready', b: 'ready', c: 'ready' }, async (job) => {
			now += 61_000;
			if (job.id === 'a') throw refused;
			if (job.id === 'b') throw new Error('Stalled.');
			return { ready: [{ json: { id: 'c', language: 'en' } }], failed: [{ json: { id: 'c', language: 'es' }, reason: 'es file missing' }] };
		});
		const [ready, failed] = await waitAndSort(ctx, plan([entry(0, 'a'), entry(1, 'b'), entry(2, 'c')]), options);
		expect(summary(ready)).toEqual([{ item: 2, id: 'c', language: 'en' }]);
		expect(summary(failed)).toEqual([
			{ item: 0, id: 'a', state: 'ready', seenBy: 'api', waitResult: 'fileFailed', reason: 'CDN refused. HTTP 403', elapsedSeconds: 61 },
			{ item: 1, id: 'b', state: 'ready', seenBy: 'api', waitResult: 'fileFailed', reason: 'Stalled.', elapsedSeconds: 122 },
			{ item: 2, id: 'c', language: 'es', waitResult: 'fileFailed', reason: 'es file missing', elapsedSeconds: 183 },
		]);
	});

	it('stops on cancellation during a download instead of calling it a failed file', async () => {
		const controller = new AbortController();
		const { ctx } = fakeContext({ signal: controller.signal });
		const { options } = fakeApi({ a: 'ready' }, async () => {
			controller.abort();
			throw new Error('aborted');
		});
		await expect(waitAndSort(ctx, plan([entry(0, 'a')]), options)).rejects.toThrow('The execution was canceled');
	});

	it.each(['manual', 'trigger'] as const)('uses the Poll Interval and Max Wait, and shows progress in the editor only in a manual run (%s)', async (mode) => {
		const { ctx, log } = fakeContext({ mode, parameters: { pollInterval: 7, maxWait: 1 } });
		const { options, asked, intervals } = fakeApi({ slow: 'pending' });
		const [, failed] = await waitAndSort(ctx, plan([entry(0, 'slow')]), options);
		expect(intervals).toEqual([7000]);
		expect(asked).toHaveLength(10);
		expect(failed[0].json.reason).toBe('Still not finished after 1m00s (the Max Wait)');
		expect(log.info.slice(0, 2)).toEqual(['Wait: 0/1 ready, 1 rendering, 0 failed, 0s elapsed', 'Wait: 0/1 ready, 1 rendering, 0 failed, 7s elapsed']);
		expect(log.ui).toEqual(mode === 'manual' ? log.info.map((line) => line.replace('Wait: ', '')) : []);
	});

	it.each([
		[{ pollInterval: 4.9 }, 'Poll Interval must be at least 5 seconds, not 4.9'],
		[{ pollInterval: 'soon' }, 'Poll Interval must be at least 5 seconds, not NaN'],
		[{ maxWait: 0 }, 'Max Wait must be between 1 and 180 minutes, not 0'],
		[{ maxWait: 180.5 }, 'Max Wait must be between 1 and 180 minutes, not 180.5'],
		[{ maxWait: 'long' }, 'Max Wait must be between 1 and 180 minutes, not NaN'],
	])('refuses %j before waiting: %s', async (parameters, message) => {
		const { ctx } = fakeContext({ parameters });
		const { options, asked } = fakeApi({ a: 'ready' });
		await expect(waitAndSort(ctx, plan([entry(0, 'a')]), options)).rejects.toThrow(message);
		expect(asked).toEqual([]);
	});

	it.each([
		[{ pollInterval: 5, maxWait: 180 }, 5000],
		[{}, 20_000],
	])('accepts %j (Poll Interval %i ms)', async (parameters, intervalMs) => {
		const { ctx } = fakeContext({ parameters });
		const { options, intervals } = fakeApi({ a: 'ready' });
		const [ready] = await waitAndSort(ctx, plan([entry(0, 'a')]), options);
		expect(ready).toHaveLength(1);
		expect(intervals).toEqual([intervalMs]);
	});
});

describe('waitAndSort with On Failure "Stop the Workflow"', () => {
	const stop = async (states: Record<string, JobState>, entries: WaitEntry[], notWaitable: WaitPlan['notWaitable'] = [], ready?: (job: Job) => Promise<ReadyItems>) => {
		const { ctx } = fakeContext({ parameters: { onFailure: 'error', maxWait: 1 } });
		const { options } = fakeApi(states, ready);
		return await waitAndSort(ctx, plan(entries, notWaitable), options).then(
			() => undefined,
			(error: Error & { description?: string }) => ({ message: error.message, description: error.description }),
		);
	};

	it('returns normally when nothing failed', async () => {
		expect(await stop({ a: 'ready' }, [entry(0, 'a')])).toBeUndefined();
	});

	it('names each failed job and why, and the delivered ones to fetch', async () => {
		const error = await stop(
			{ a: 'ready', b: 'failed', c: 'pending' },
			[entry(0, 'a'), entry(1, 'b'), entry(2, 'c'), entry(4, 'a')],
			[
				{ itemIndex: 3, json: {}, reason: 'No ID. The create was refused' },
				{ itemIndex: 5, json: {}, reason: 'Out of credits!' },
			],
		);
		expect(error).toEqual({
			message: '4 of 6 videos could not be delivered: b (failed), c (not finished after 1m00s), item 3 (not waited on), item 5 (not waited on)',
			description:
				'b: Render of b failed. c: Still not finished after 1m00s (the Max Wait). item 3: No ID. The create was refused. item 5: Out of credits! ' +
				'Delivered (paid, fetch them with their ID): a. ' +
				`Choose "Send to 'Failed or Timed Out' Output" under On Failure to keep the workflow going with every item.`,
		});
	});

	it('names a failed file by its job and language', async () => {
		const error = await stop({ a: 'ready' }, [entry(0, 'a')], [], async () => ({ ready: [], failed: [{ json: { id: 'a', resultFile: { language: 'de' } }, reason: 'gone' }] }));
		expect(error?.message).toBe('1 of 1 videos could not be delivered: a (de) (finished, but its file could not be downloaded)');
	});

	it.each([
		[5, ''],
		[6, ', …'],
	])('lists the first five of %i failed jobs in the message', async (count, more) => {
		const ids = Array.from({ length: count }, (_, i) => `f${i}`);
		const error = await stop(Object.fromEntries(ids.map((id) => [id, 'failed' as JobState])), ids.map((id, i) => entry(i, id)));
		expect(error?.message).toBe(`${count} of ${count} videos could not be delivered: ${ids.slice(0, 5).map((id) => `${id} (failed)`).join(', ')}${more}`);
		expect(error?.description).toBe(
			[
				...ids.slice(0, 5).map((id) => `${id}: Render of ${id} failed.`),
				...(count > 5 ? [`Not delivered, in all: ${ids.join(', ')}.`] : []),
				`Choose "Send to 'Failed or Timed Out' Output" under On Failure to keep the workflow going with every item.`,
			].join(' '),
		);
	});

	it.each([
		[20, (ids: string[]) => ids.join(', ')],
		[21, (ids: string[]) => `${ids.slice(0, 20).join(', ')}, … (21 in all)`],
	])('lists at most 20 ids of %i, failed and delivered', async (count, listed) => {
		const failedIds = Array.from({ length: count }, (_, i) => `f${i}`);
		const readyIds = Array.from({ length: count }, (_, i) => `r${i}`);
		const states = Object.fromEntries([...failedIds.map((id) => [id, 'failed']), ...readyIds.map((id) => [id, 'ready'])]) as Record<string, JobState>;
		const error = await stop(states, [...failedIds, ...readyIds].map((id, i) => entry(i, id)));
		expect(error?.description).toContain(`Not delivered, in all: ${listed(failedIds)}.`);
		expect(error?.description).toContain(`Delivered (paid, fetch them with their ID): ${listed(readyIds)}.`);
	});
});

describe('the node settings', () => {
	it('has two outputs, Ready and Failed or Timed Out, while the condition holds, else one', () => {
		expect(outputsWhenWaiting('$parameter.wait')).toBe(
			'={{ $parameter.wait ? [{ type: "main", displayName: "Ready" }, { type: "main", displayName: "Failed or Timed Out" }] : ["main"] }}',
		);
	});

	it('asks Poll Interval (at least 5 s, 20 by default) and Max Wait (1 to 180 min, 30 by default) once per node, saying so', () => {
		const [pollInterval, maxWait] = pollProperties('Each check costs one request.');
		expect([pollInterval, maxWait]).toMatchObject([
			{ displayName: 'Poll Interval (Seconds)', name: 'pollInterval', type: 'number', typeOptions: { minValue: 5 }, default: 20, noDataExpression: true, hint: 'Each check costs one request.' },
			{ displayName: 'Max Wait (Minutes)', name: 'maxWait', type: 'number', typeOptions: { minValue: 1, maxValue: 180 }, default: 30, noDataExpression: true },
		]);
		const oneValue = 'One wait serves all input items, so this takes one value for all of them.';
		expect(pollInterval.description).toBe(`How often to check. ${oneValue}`);
		expect(maxWait.description).toBe(`Jobs not finished by then go to the "Failed or Timed Out" output with what is known about them. ${oneValue}`);
	});

	it('offers On Failure: to the second output (the default) or stop the workflow, once per node', () => {
		expect(onFailureProperty).toMatchObject({ displayName: 'On Failure', name: 'onFailure', type: 'options', noDataExpression: true, default: 'output' });
		expect(onFailureProperty.options?.map((option) => [option.name, (option as { value: string }).value])).toEqual([
			['Send to "Failed or Timed Out" Output', 'output'],
			['Stop the Workflow', 'error'],
		]);
		expect(onFailureProperty.options?.map((option) => (option as { description: string }).description)).toEqual([
			'Failed and timed-out jobs, and items that could not be waited on, continue on the second output',
			'Any of them stops the workflow with an error that names every job',
		]);
	});

	it.each([
		[{ wait: true, onFailure: 'output' }, true],
		[{ wait: true }, true],
		[{ wait: true, onFailure: 'error' }, false],
		[{ wait: false, onFailure: 'output' }, false],
		[{}, false],
	])('keeps a failed create as an output item only when waiting with On Failure "output": %j', (parameters, keeps) => {
		expect(keepsFailedItems(fakeContext({ parameters }).ctx, 'wait')).toBe(keeps);
	});
});

describe('plans', () => {
	it('waits on each input item’s job ID, and reports an item without one', () => {
		const { ctx } = fakeContext({ input: [{ videoId: 'v1' }, {}, { videoId: 'v3' }] });
		const result = planFromItems(ctx, (itemIndex) => {
			const id = ctx.getInputData()[itemIndex].json.videoId;
			if (typeof id !== 'string') throw new Error('Video ID is empty');
			return id;
		});
		expect(result).toEqual({
			entries: [entry(0, 'v1'), entry(2, 'v3')].map(({ itemIndex, jobId }) => ({ itemIndex, jobId })),
			notWaitable: [{ itemIndex: 1, json: {}, reason: 'Video ID is empty' }],
		});
	});

	it('waits on each created job, and reports a failed create with its error and description', () => {
		const created = [
			{ json: { id: 'v1', title: 'one' }, pairedItem: { item: 0 } },
			{ json: { error: 'Out of credits', description: 'Top up.' }, pairedItem: { item: 1 } },
			{ json: { error: 'Refused' }, pairedItem: { item: 2 } },
			{ json: { id: 42 }, pairedItem: { item: 3 } },
		];
		expect(planFromCreated(created)).toEqual({
			entries: [entry(0, 'v1', { id: 'v1', title: 'one' })],
			notWaitable: [
				{ itemIndex: 1, json: created[1].json, reason: 'Out of credits Top up.' },
				{ itemIndex: 2, json: created[2].json, reason: 'Refused' },
				{ itemIndex: 3, json: created[3].json, reason: 'The create returned no ID' },
			],
		});
	});
});

describe('fetchEachJob', () => {
	it('records each job, a 404 as gone with its message, and fails the cycle on any other error', async () => {
		const snapshot: PollSnapshot<string> = { jobs: new Map(), gone: new Map() };
		const notFound = new NodeApiError(NODE, { message: 'Video not found' }, { httpCode: '404' });
		await fetchEachJob(['a', 'b'], 2, async (id) => (id === 'b' ? Promise.reject(notFound) : `job ${id}`), snapshot);
		expect([...snapshot.jobs]).toEqual([['a', 'job a']]);
		expect([...snapshot.gone]).toEqual([['b', notFound.message]]);
		const busy = new NodeApiError(NODE, { message: 'Busy' }, { httpCode: '503' });
		await expect(fetchEachJob(['c'], 2, async () => await Promise.reject(busy), snapshot)).rejects.toBe(busy);
		const plain = new Error('socket hang up');
		await expect(fetchEachJob(['d'], 2, async () => await Promise.reject(plain), snapshot)).rejects.toBe(plain);
	});
});

describe('mapLimit', () => {
	it('keeps the order of results and runs at most `limit` at once', async () => {
		let running = 0;
		let most = 0;
		const results = await mapLimit([5, 1, 4, 2, 3], 2, async (value) => {
			running++;
			most = Math.max(most, running);
			for (let i = 0; i < value; i++) await Promise.resolve();
			running--;
			return value * 10;
		});
		expect(results).toEqual([50, 10, 40, 20, 30]);
		expect(most).toBe(2);
		expect(await mapLimit([], 3, async (value) => value)).toEqual([]);
	});
});
