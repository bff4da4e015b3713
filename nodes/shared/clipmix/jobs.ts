import { createHash } from 'crypto';
import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { maxBytesOf } from '../descriptions';
import { downloadToBinary } from '../download';
import type { WaitOutputs, WaitPlan } from '../jobWait';
import { fetchEachJob, waitAndSort } from '../jobWait';
import { readErrorBody } from '../transport/errorBody';
import { requireText } from '../validation';
import { resultUrlOf } from './resultUrl';
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
		ctx.getWorkflow().id ?? '',
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

/** Streams a completed job's result file into binary data, as its item's parameters say. */
export async function downloadResult(
	ctx: IExecuteFunctions,
	job: ClipMixJob,
	service: ClipMixService,
	itemIndex: number,
): Promise<IBinaryData> {
	if (!isJobReady(job)) {
		throw new NodeOperationError(ctx.getNode(), `Job "${job.id}" is not completed yet`, {
			itemIndex,
			description: `Its status is "${job.status}". Wait until it is completed, for example with Job → Wait for Completion, then download it.`,
		});
	}
	const { url, lookedAt } = resultUrlOf(job, String(ctx.getNodeParameter('resultUrlField', itemIndex, '') ?? ''));
	if (!url) {
		throw new NodeOperationError(ctx.getNode(), `Job "${job.id}" is completed, but its answer names no result file`, {
			itemIndex,
			description: `Looked in ${lookedAt.join(', ')}. If ClipMix names the file elsewhere, put that field's path (e.g. data.file.url) in "Result URL Field".`,
		});
	}
	return await downloadToBinary(ctx, {
		url,
		apiBaseUrl: (await clipMixCredentials(ctx, itemIndex)).baseUrl,
		credentialType: clipMixApi.credentialType,
		baseName: job.id,
		extension: url.match(/\.([a-z0-9]{2,4})(?:\?|$)/i)?.[1] ?? 'bin',
		itemIndex,
		kind: CLIPMIX_SERVICES[service].resultKind,
		maxBytes: maxBytesOf(ctx, itemIndex),
	});
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
		async toReadyItem(job, { itemIndex }) {
			const json = { ...job };
			if (!(ctx.getNodeParameter('downloadResult', itemIndex, true) as boolean)) return { json };
			const field = requireText(ctx, 'binaryPropertyName', 'Put Output File in Field', itemIndex);
			return { json, binary: { [field]: await downloadResult(ctx, job, serviceOf(job.id), itemIndex) } };
		},
	});
}
