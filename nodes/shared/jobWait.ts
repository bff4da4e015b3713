import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { clock } from './clock';
import { canceledError } from './errors';
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

const FOR_ALL_ITEMS = 'One wait serves all input items, so this takes one value for all of them';

/** Poll Interval and Max Wait, for every node or option that waits on jobs: one value per node. */
export function pollProperties(costHint: string): INodeProperties[] {
	return [
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: MIN_POLL_INTERVAL_SECONDS },
			default: 20,
			noDataExpression: true,
			description: `How often to check. ${FOR_ALL_ITEMS}.`,
			hint: costHint,
		},
		{
			displayName: 'Max Wait (Minutes)',
			name: 'maxWait',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_WAIT_MINUTES },
			default: 30,
			noDataExpression: true,
			description: `Jobs not finished by then go to the "Failed or Timed Out" output with what is known about them. ${FOR_ALL_ITEMS}.`,
		},
	];
}

export const onFailureProperty: INodeProperties = {
	displayName: 'On Failure',
	name: 'onFailure',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Send to "Failed or Timed Out" Output',
			value: 'output',
			description: 'Failed and timed-out jobs, and items that could not be waited on, continue on the second output',
		},
		{
			name: 'Stop the Workflow',
			value: 'error',
			description: 'Any of them stops the workflow with an error that names every job',
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

/** An input item that cannot be waited on (no job ID, or its create failed), and why. */
export interface NotWaitable {
	itemIndex: number;
	json: IDataObject;
	reason: string;
}

/** What a wait is asked to do: the items to wait on, and those it can only report. */
export interface WaitPlan {
	entries: WaitEntry[];
	notWaitable: NotWaitable[];
}

export interface JobWaitOptions<Job> {
	/** How to look at the jobs; a cycle's lookups may take at most one poll interval. */
	source(pollIntervalMs: number): PollSource<Job>;
	/** "videos", "jobs": for messages. */
	noun: string;
	/** "rendering", "processing": what the pending ones are doing. */
	pendingWord: string;
	/**
	 * Builds the Ready items of a finished job, e.g. with its file downloaded: one, or one per file
	 * when the job made several. A file that would not download is in `failed`, the others ready;
	 * a throw fails the whole job's item.
	 */
	toReadyItems(job: Job, entry: WaitEntry): Promise<ReadyItems>;
}

/** What a finished job gives: its Ready items, and the files that would not download, each with why. */
export interface ReadyItems {
	ready: INodeExecutionData[];
	failed?: Array<{ json: IDataObject; reason: string }>;
}

export type WaitOutputs = [INodeExecutionData[], INodeExecutionData[]];

/** Why an item is on the "Failed or Timed Out" output (its `waitResult`). */
type WaitResult = 'failed' | 'timedOut' | 'fileFailed' | 'notWaited';

/** Each WaitResult in words, for the node error and the log; `maxWait` as formatDuration gives it. */
const OUTCOME_WORDS: Record<WaitResult, (maxWait: string) => string> = {
	failed: () => 'failed',
	timedOut: (maxWait) => `not finished after ${maxWait}`,
	fileFailed: () => 'finished, but its file could not be downloaded',
	notWaited: () => 'not waited on',
};

/** A wait's node-level settings; they come from item 0 (the properties take no expressions). */
function readWaitSettings(ctx: IExecuteFunctions) {
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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const descriptionOf = (error: unknown) => (error as { description?: string } | undefined)?.description;

const asSentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** "abc, def, … (12)": enough ids to find every job, without flooding the message. */
function listIds(ids: string[]): string {
	return ids.length > 20 ? `${ids.slice(0, 20).join(', ')}, … (${ids.length} in all)` : ids.join(', ');
}

/** The wait plan for items that carry a job ID (`readJobId` throws for an item that has none). */
export function planFromItems(ctx: IExecuteFunctions, readJobId: (itemIndex: number) => string): WaitPlan {
	const plan: WaitPlan = { entries: [], notWaitable: [] };
	ctx.getInputData().forEach((item, itemIndex) => {
		try {
			plan.entries.push({ itemIndex, jobId: readJobId(itemIndex) });
		} catch (error) {
			plan.notWaitable.push({ itemIndex, json: item.json, reason: messageOf(error) });
		}
	});
	return plan;
}

/** The wait plan for a Create's results: items whose create failed have no job to wait on. */
export function planFromCreated(results: INodeExecutionData[]): WaitPlan {
	const plan: WaitPlan = { entries: [], notWaitable: [] };
	for (const result of results) {
		const itemIndex = (result.pairedItem as { item: number }).item;
		// A failed create's item (Continue On Fail, or kept for the second output) has no id.
		if (typeof result.json.id === 'string') {
			plan.entries.push({ itemIndex, jobId: result.json.id, json: result.json });
		} else {
			const reason = [result.json.error, result.json.description].filter(Boolean).join(' ');
			plan.notWaitable.push({ itemIndex, json: result.json, reason: reason || 'The create returned no ID' });
		}
	}
	return plan;
}

/**
 * Waits on all entries' jobs together and sorts every item into [ready, failedOrTimedOut].
 * The one place that turns poll outcomes into n8n outputs, for every API. Whatever goes wrong
 * with one item (a failed job, a timeout, a file that would not download, no job to wait on)
 * puts that item on the second output with its reason and everything known, so one item never
 * costs the others their results; "Stop the Workflow" instead fails naming every job.
 */
export async function waitAndSort<Job extends IDataObject>(
	ctx: IExecuteFunctions,
	plan: WaitPlan,
	options: JobWaitOptions<Job>,
): Promise<WaitOutputs> {
	const settings = readWaitSettings(ctx);
	const manualRun = ctx.getMode() === 'manual';
	const node = ctx.getNode();
	const signal = ctx.getExecutionCancelSignal();
	const { entries } = plan;

	const startedAt = clock.now();
	const outcomes = await waitForJobs([...new Set(entries.map((entry) => entry.jobId))], options.source(settings.pollIntervalMs), {
		pollIntervalMs: settings.pollIntervalMs,
		maxWaitMs: settings.maxWaitMs,
		signal,
		onCycle: (progress) => {
			const line = describeProgress(progress, options.pendingWord);
			ctx.logger.info(`${node.name}: ${line}`);
			if (manualRun) ctx.sendMessageToUI(line);
		},
	});

	const ready: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	for (const entry of entries) {
		const outcome = outcomes.get(entry.jobId) as PollOutcome<Job>;
		const pairedItem = { item: entry.itemIndex };
		// The last state seen; the create's answer only when the job was never seen since.
		const known = { ...(outcome.job ?? entry.json), id: entry.jobId };
		const elapsedSeconds = Math.round(outcome.elapsedMs / 1000);
		// A download's time is waiting time too.
		const untilNow = () => Math.round((clock.now() - startedAt) / 1000);
		if (outcome.result === 'ready') {
			try {
				const built = await options.toReadyItems(outcome.job as Job, entry);
				for (const item of built.ready) ready.push({ ...item, pairedItem });
				for (const file of built.failed ?? []) {
					failed.push({ json: { ...file.json, waitResult: 'fileFailed', reason: file.reason, elapsedSeconds: untilNow() }, pairedItem });
				}
			} catch (error) {
				if (signal?.aborted) throw canceledError(node, entry.itemIndex);
				const reason = [messageOf(error), descriptionOf(error)].filter(Boolean).join('. ');
				failed.push({ json: { ...known, waitResult: 'fileFailed', reason, elapsedSeconds: untilNow() }, pairedItem });
			}
			continue;
		}
		failed.push({ json: { ...known, waitResult: outcome.result, reason: outcome.reason, elapsedSeconds }, pairedItem });
	}
	for (const { itemIndex, json, reason } of plan.notWaitable) {
		failed.push({ json: { ...json, waitResult: 'notWaited', reason }, pairedItem: { item: itemIndex } });
	}
	const byItem = (a: INodeExecutionData, b: INodeExecutionData) =>
		(a.pairedItem as { item: number }).item - (b.pairedItem as { item: number }).item;
	failed.sort(byItem);

	const whatHappened = (json: IDataObject) => OUTCOME_WORDS[json.waitResult as WaitResult](formatDuration(settings.maxWaitMs));
	const nameOf = ({ json, pairedItem }: INodeExecutionData) => {
		const language = (json.resultFile as IDataObject | undefined)?.language;
		const name = typeof json.id === 'string' ? json.id : `item ${(pairedItem as { item: number }).item}`;
		return typeof language === 'string' ? `${name} (${language})` : name;
	};
	for (const item of failed) ctx.logger.warn(`${node.name}: ${nameOf(item)} ${whatHappened(item.json)}: ${String(item.json.reason)}`);

	if (settings.onFailure === 'error' && failed.length > 0) {
		const total = entries.length + plan.notWaitable.length;
		const summary = failed
			.slice(0, 5)
			.map((item) => `${nameOf(item)} (${whatHappened(item.json)})`)
			.join(', ');
		const finishedIds = [...new Set(ready.map(({ json }) => String(json.id)))];
		throw new NodeOperationError(
			node,
			`${failed.length} of ${total} ${options.noun} could not be delivered: ${summary}${failed.length > 5 ? ', …' : ''}`,
			{
				description: [
					...failed.slice(0, 5).map((item) => `${nameOf(item)}: ${asSentence(String(item.json.reason))}`),
					failed.length > 5 ? `Not delivered, in all: ${listIds(failed.map(nameOf))}.` : '',
					finishedIds.length ? `Delivered (paid, fetch them with their ID): ${listIds(finishedIds)}.` : '',
					`Choose "Send to 'Failed or Timed Out' Output" under On Failure to keep the workflow going with every item.`,
				]
					.filter(Boolean)
					.join(' '),
			},
		);
	}
	return [ready, failed];
}

/** Whether a Create with its wait switch on keeps a failed item as an output item (On Failure). */
export function keepsFailedItems(ctx: IExecuteFunctions, waitSwitch: string): boolean {
	return (
		(ctx.getNodeParameter(waitSwitch, 0, false) as boolean) &&
		ctx.getNodeParameter('onFailure', 0, 'output') === 'output'
	);
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
