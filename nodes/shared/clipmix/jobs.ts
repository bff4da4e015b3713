import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { maxBytesOf } from '../descriptions';
import { downloadToBinary } from '../download';
import type { ReadyItems, WaitOutputs, WaitPlan } from '../jobWait';
import { fetchEachJob, mapLimit, waitAndSort } from '../jobWait';
import { readErrorBody } from '../transport/errorBody';
import { requireText } from '../validation';
import type { ResultFile } from './resultFiles';
import { resultFilesOf } from './resultFiles';
import type { PollSnapshot, PollSource } from '../poller';
import { clipMixApi, clipMixCredentials, clipMixRequest } from './transport';
import type { ClipMixService } from './services';
import { CLIPMIX_SERVICES } from './services';

/** A ClipMix job as create and GET /<service>/{id} return it. */
export interface ClipMixJob extends IDataObject {
	id: string;
	status: string;
	test?: boolean;
	/** Undocumented: a string code, or { code, message }; read through readErrorBody. */
	error?: IDataObject | string | null;
}

/** Jobs are fetched one by one; a few at a time keeps a large wait polite. */
const FETCH_CONCURRENCY = 4;

export const isJobReady = (job: ClipMixJob) => job.status === 'completed';
export const isJobFailed = (job: ClipMixJob) => job.status === 'failed';

/**
 * The key that makes a create safe to send again. By default it is derived from the n8n
 * instance, the workflow, the execution, the node, the run and the item, so n8n's Retry On Fail
 * and our own retries after a lost answer reuse it, and ClipMix answers with the first job
 * instead of a second; another n8n instance (whose execution ids also start at 1) or another
 * workflow never gets the same key.
 */
export function idempotencyKeyFor(ctx: IExecuteFunctions, itemIndex: number, custom: string): string {
	if (custom.trim()) return custom.trim();
	const runIndex = ctx.evaluateExpression('{{ $runIndex }}', itemIndex);
	const parts = [
		ctx.getInstanceId(),
		ctx.getWorkflow().id, // join writes a missing id (a workflow never saved) as ''
		ctx.getExecutionId(),
		ctx.getNode().name,
		runIndex,
		itemIndex,
	].join('\u0000');
	return `n8n-${createHash('sha256').update(parts).digest('hex').slice(0, 40)}`;
}

export async function createJob(
	ctx: IExecuteFunctions,
	service: ClipMixService,
	body: IDataObject,
	idempotencyKey: string,
	itemIndex: number,
): Promise<ClipMixJob> {
	return await clipMixRequest<ClipMixJob>(ctx, {
		method: 'POST',
		path: CLIPMIX_SERVICES[service].path,
		body,
		headers: { 'Idempotency-Key': idempotencyKey },
		itemIndex,
		// Same key, same body: ClipMix replays the first answer, so a lost answer may be asked for again.
		retry: 'safe',
	});
}

export async function getJob(
	ctx: IExecuteFunctions,
	service: ClipMixService,
	jobId: string,
	itemIndex?: number,
): Promise<ClipMixJob> {
	return await clipMixRequest<ClipMixJob>(ctx, {
		method: 'GET',
		path: `${CLIPMIX_SERVICES[service].path}/${encodeURIComponent(jobId)}`,
		itemIndex,
	});
}

/** Files of one job downloaded at once: a translation into ten languages is ten files. */
const DOWNLOAD_CONCURRENCY = 3;

/** A completed job's result files, as its item's Result URL Field says; throws when it has none. */
function resultFilesFor(ctx: IExecuteFunctions, job: ClipMixJob, itemIndex: number): ResultFile[] {
	if (!isJobReady(job)) {
		throw new NodeOperationError(ctx.getNode(), `Job "${job.id}" is not completed yet`, {
			itemIndex,
			description: `Its status is "${job.status}". Wait until it is completed, for example with Job → Wait for Completion, then download it.`,
		});
	}
	const { files, lookedAt } = resultFilesOf(job, String(ctx.getNodeParameter('resultUrlField', itemIndex, '') ?? ''));
	if (files.length === 0) {
		throw new NodeOperationError(ctx.getNode(), `Job "${job.id}" is completed, but its answer names no result file`, {
			itemIndex,
			description: `Looked in ${lookedAt.join(', ')}. If ClipMix names the file elsewhere, put that field's path (e.g. data.file.url) in "Result URL Field".`,
		});
	}
	return files;
}

/**
 * The output items of a completed job: one per result file (a translation names one per target
 * language), each with the job, which file it is (`resultFile`: url, language or label) and how
 * many the job named and how many arrived (`resultFiles`), and, when `binaryField` is given, the
 * file streamed into binary data. A file that would not download is in `failed` with why; the
 * others still come out.
 */
export async function resultItems(
	ctx: IExecuteFunctions,
	job: ClipMixJob,
	service: ClipMixService,
	itemIndex: number,
	binaryField: string | undefined,
): Promise<ReadyItems & { failed: Array<{ json: IDataObject; reason: string }> }> {
	const files = resultFilesFor(ctx, job, itemIndex);
	const apiBaseUrl = (await clipMixCredentials(ctx, itemIndex)).baseUrl;
	const downloaded = await mapLimit(files, DOWNLOAD_CONCURRENCY, async (file) => {
		if (!binaryField) return { file };
		const name = files.length === 1 ? job.id : `${job.id}-${file.language ?? file.label ?? files.indexOf(file) + 1}`;
		return await downloadToBinary(ctx, {
			url: file.url,
			apiBaseUrl,
			credentialType: clipMixApi.credentialType,
			baseName: name,
			extension: file.url.match(/\.([a-z0-9]{2,4})(?:\?|$)/i)?.[1] ?? 'bin',
			itemIndex,
			kind: CLIPMIX_SERVICES[service].resultKind,
			maxBytes: maxBytesOf(ctx, itemIndex),
		}).then(
			(binary) => ({ file, binary }),
			(error: unknown) => ({ file, error: error as Error & { description?: string } }),
		);
	});
	const resultFiles = { named: files.length, arrived: downloaded.filter((entry) => !('error' in entry)).length };
	const jsonOf = (file: ResultFile, index: number): IDataObject => ({ ...job, resultFile: { ...file, index, of: files.length }, resultFiles });
	const ready: INodeExecutionData[] = [];
	const failed: Array<{ json: IDataObject; reason: string }> = [];
	downloaded.forEach((entry, index) => {
		if ('error' in entry) {
			const reason = [entry.error.message, entry.error.description].filter(Boolean).join('. ');
			failed.push({ json: jsonOf(entry.file, index), reason });
		} else {
			ready.push({ json: jsonOf(entry.file, index), ...('binary' in entry && binaryField ? { binary: { [binaryField]: entry.binary } } : {}) });
		}
	});
	return { ready, failed };
}

/**
 * ClipMix as a poll source: no list endpoint is known, so each pending job is fetched, at the
 * path of the service that made it.
 */
export function clipMixPollSource(
	ctx: IExecuteFunctions,
	serviceOf: (jobId: string) => ClipMixService,
): PollSource<ClipMixJob> {
	return {
		async refresh(pendingIds): Promise<PollSnapshot<ClipMixJob>> {
			const snapshot: PollSnapshot<ClipMixJob> = { jobs: new Map(), gone: new Map() };
			await fetchEachJob(pendingIds, FETCH_CONCURRENCY, (id) => getJob(ctx, serviceOf(id), id), snapshot);
			return snapshot;
		},
		stateOf: (job) => (isJobReady(job) ? 'ready' : isJobFailed(job) ? 'failed' : 'pending'),
		progressOf: (job) => (typeof job.progress === 'number' ? job.progress : undefined),
		failureOf: (job) => {
			const { message } = readErrorBody({ error: job.error ?? null });
			return `ClipMix reports the job as failed${message ? `: ${message}` : ''}`;
		},
	};
}

/**
 * Waits on the plan's jobs together; `serviceOf` says which service made each job. Ready items
 * carry the result file when their item asks for it.
 */
export async function waitForClipMixJobs(
	ctx: IExecuteFunctions,
	plan: WaitPlan,
	serviceOf: (jobId: string) => ClipMixService,
): Promise<WaitOutputs> {
	return await waitAndSort(ctx, plan, {
		source: () => clipMixPollSource(ctx, serviceOf),
		noun: 'jobs',
		pendingWord: 'processing',
		async toReadyItems(job, { itemIndex }) {
			const download = ctx.getNodeParameter('downloadResult', itemIndex, true) as boolean;
			const field = download ? requireText(ctx, 'binaryPropertyName', 'Put Output File in Field', itemIndex) : undefined;
			return await resultItems(ctx, job, serviceOf(job.id), itemIndex, field);
		},
	});
}
