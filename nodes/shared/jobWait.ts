import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { PollOutcome, PollSnapshot, PollSource } from './poller';
import { describeProgress, formatDuration, waitForJobs } from './poller';

export const MIN_POLL_INTERVAL_SECONDS = 5;
export const MAX_WAIT_MINUTES = 180;

/** The two outputs of every node or option that waits: Ready, and Failed or Timed Out. */
export const WAIT_OUTPUT_NAMES = ['Ready', 'Failed or Timed Out'];

/** A node's `outputs`: the two waiting outputs when `condition` (an n8n expression) holds, else one. */
export function outputsWhenWaiting(condition: string): `={{${string}}}` {
	const [ready, failed] = WAIT_OUTPUT_NAMES;
	return `={{ ${condition} ? [{ type: "main", displayName: "${ready}" }, { type: "main", displayName: "${failed}" }] : ["main"] }}`;
}

/** Poll Interval and Max Wait, for every node or option that waits on jobs. */
export function pollProperties(costHint: string): INodeProperties[] {
	return [
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS },
			default: 20,
			description: 'How often to check',
			hint: costHint,
		},
		{
			displayName: 'Max Wait (Minutes)',
			name: 'maxWait',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_WAIT_MINUTES },
			default: 30,
			description: 'Jobs not finished by then go to the "Failed or Timed Out" output with what is known about them',
		},
	];
}

export const onFailureProperty: INodeProperties = {
	displayName: 'On Failure',
	name: 'onFailure',
	type: 'options',
	options: [
		{
			name: 'Send to "Failed or Timed Out" Output',
			value: 'output',
			description: 'Failed and timed-out jobs continue on the second output',
		},
		{
			name: 'Stop the Workflow',
			value: 'error',
			description: 'Any failed or timed-out job stops the workflow with an error',
		},
	],
	default: 'output',
};

/** One input item waiting on one job. Several items may wait on the same job. */
export interface WaitEntry {
	itemIndex: number;
	jobId: string;
	/** What is known before waiting, e.g. the create's answer: output if the job is never seen. */
	json?: IDataObject;
}

export interface JobWaitOptions<Job> {
	source: PollSource<Job>;
	/** "videos", "jobs": for messages. */
	noun: string;
	/** "rendering", "processing": what the pending ones are doing. */
	pendingWord: string;
	/** Builds the Ready item of a finished job, e.g. with its file downloaded. */
	toReadyItem(job: Job, entry: WaitEntry): Promise<INodeExecutionData>;
}

function readPollSettings(ctx: IExecuteFunctions) {
	const node = ctx.getNode();
	const pollInterval = Number(ctx.getNodeParameter('pollInterval', 0, 20));
	const maxWait = Number(ctx.getNodeParameter('maxWait', 0, 30));
	if (!(pollInterval >= MIN_POLL_INTERVAL_SECONDS)) {
		throw new NodeOperationError(
			node,
			`Poll Interval must be at least ${MIN_POLL_INTERVAL_SECONDS} seconds, not ${pollInterval}`,
			{ description: 'Checking more often would not make jobs finish faster, only spend the rate limit.' },
		);
	}
	if (!(maxWait > 0 && maxWait <= MAX_WAIT_MINUTES)) {
		throw new NodeOperationError(node, `Max Wait must be between 1 and ${MAX_WAIT_MINUTES} minutes, not ${maxWait}`);
	}
	return {
		pollIntervalMs: pollInterval * 1000,
		maxWaitMs: maxWait * 60_000,
		onFailure: ctx.getNodeParameter('onFailure', 0, 'output') as 'output' | 'error',
	};
}

/**
 * Waits on all entries' jobs together and sorts the items into [ready, failedOrTimedOut].
 * The one place that turns poll outcomes into n8n outputs, for every API.
 */
export async function waitAndSort<Job extends IDataObject>(
	ctx: IExecuteFunctions,
	entries: WaitEntry[],
	options: JobWaitOptions<Job>,
): Promise<[INodeExecutionData[], INodeExecutionData[]]> {
	const settings = readPollSettings(ctx);
	const manualRun = ctx.getMode() === 'manual';
	const nodeName = ctx.getNode().name;

	const outcomes = await waitForJobs([...new Set(entries.map((entry) => entry.jobId))], options.source, {
		pollIntervalMs: settings.pollIntervalMs,
		maxWaitMs: settings.maxWaitMs,
		signal: ctx.getExecutionCancelSignal(),
		onCycle: (progress) => {
			const line = describeProgress(progress, options.pendingWord);
			ctx.logger.info(`${nodeName}: ${line}`);
			if (manualRun) ctx.sendMessageToUI(line);
		},
	});

	const ready: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	for (const entry of entries) {
		const outcome = outcomes.get(entry.jobId) as PollOutcome<Job>;
		const pairedItem = { item: entry.itemIndex };
		if (outcome.result === 'ready') {
			ready.push({ ...(await options.toReadyItem(outcome.job as Job, entry)), pairedItem });
			continue;
		}
		failed.push({
			json: {
				// The last state seen; the create's answer only when the job was never seen since.
				...(outcome.job ?? entry.json),
				id: entry.jobId,
				waitResult: outcome.result,
				reason: outcome.reason,
				elapsedSeconds: Math.round(outcome.elapsedMs / 1000),
			},
			pairedItem,
		});
	}

	if (settings.onFailure === 'error' && failed.length > 0) {
		const summary = failed
			.slice(0, 5)
			.map(({ json }) => `${String(json.id)} (${json.waitResult === 'timedOut' ? 'timed out' : 'failed'})`)
			.join(', ');
		throw new NodeOperationError(
			ctx.getNode(),
			`${failed.length} of ${entries.length} ${options.noun} did not finish: ${summary}${failed.length > 5 ? ', …' : ''}`,
			{
				description: `${ready.length} finished. Waited up to ${formatDuration(settings.maxWaitMs)}. Choose "Send to 'Failed or Timed Out' Output" under On Failure to keep the workflow going.`,
			},
		);
	}
	return [ready, failed];
}

/**
 * For a Create with its "wait" switch on: waits on the jobs the items created, as the
 * matching wait operation would. Items that failed to create (Continue On Fail) never
 * started a job, so they go to "Failed or Timed Out" as they are.
 */
export async function waitForCreated(
	results: INodeExecutionData[],
	wait: (entries: WaitEntry[]) => Promise<[INodeExecutionData[], INodeExecutionData[]]>,
): Promise<INodeExecutionData[][]> {
	const created = results.filter((result) => typeof result.json.id === 'string');
	const notCreated = results.filter((result) => typeof result.json.id !== 'string');
	const [ready, failed] = await wait(
		created.map((result) => ({
			itemIndex: (result.pairedItem as { item: number }).item,
			jobId: result.json.id as string,
			json: result.json,
		})),
	);
	return [ready, [...failed, ...notCreated]];
}

/**
 * One poll cycle's direct lookups: each id fetched, a few at a time. A 404 means the job is
 * gone, which ends its wait; any other failure fails the cycle, which the poller retries.
 */
export async function fetchEachJob<Job>(
	ids: string[],
	concurrency: number,
	fetch: (id: string) => Promise<Job>,
	snapshot: PollSnapshot<Job>,
): Promise<void> {
	await mapLimit(ids, concurrency, async (id) => {
		const answer = await fetch(id).then(
			(job) => ({ job }),
			(error: unknown) => ({ error }),
		);
		if ('job' in answer) snapshot.jobs.set(id, answer.job);
		else if (answer.error instanceof NodeApiError && answer.error.httpCode === '404') {
			snapshot.gone.set(id, answer.error.message);
		} else throw answer.error;
	});
}

/** Runs `fn` over `values`, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(values: T[], limit: number, fn: (value: T) => Promise<R>): Promise<R[]> {
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
