import { createHash } from 'crypto';
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { downloadToBinary } from '../download';
import type { WaitEntry } from '../jobWait';
import { fetchEachJob, waitAndSort } from '../jobWait';
import type { PollSnapshot, PollSource } from '../poller';
import { clipMixApi, clipMixCredentials, clipMixRequest } from './transport';
import type { ClipMixService } from './services';
import { CLIPMIX_SERVICES } from './services';

/** A ClipMix job as create and GET /<service>/{id} return it. */
export interface ClipMixJob extends IDataObject {
	id: string;
	status: string;
	test?: boolean;
	result_url?: string | null;
	error?: { code?: string; message?: string } | null;
}

/** Jobs are fetched one by one; a few at a time keeps a large wait polite. */
const FETCH_CONCURRENCY = 4;

export const isJobReady = (job: ClipMixJob) => job.status === 'completed';
export const isJobFailed = (job: ClipMixJob) => job.status === 'failed';

/**
 * The key that makes a create safe to send again. By default it is derived from the
 * execution, the node, the run and the item, so n8n's Retry On Fail and our own retries
 * after a lost answer reuse it, and ClipMix answers with the first job instead of a second.
 */
export function idempotencyKeyFor(ctx: IExecuteFunctions, itemIndex: number, custom: string): string {
	if (custom.trim()) return custom.trim();
	const runIndex = ctx.evaluateExpression('{{ $runIndex }}', itemIndex);
	const parts = [ctx.getExecutionId(), ctx.getNode().name, runIndex, itemIndex].join('\u0000');
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

/** Streams a completed job's result file into binary data. */
export async function downloadResult(
	ctx: IExecuteFunctions,
	job: ClipMixJob,
	itemIndex: number,
): Promise<IBinaryData> {
	if (!isJobReady(job) || !job.result_url) {
		throw new NodeOperationError(ctx.getNode(), `Job "${job.id}" has no result yet`, {
			itemIndex,
			description: `Its status is "${job.status}". Wait until it is completed, for example with Job → Wait for Completion, then download it.`,
		});
	}
	const extension = job.result_url.match(/\.([a-z0-9]{2,4})(?:\?|$)/i)?.[1] ?? 'bin';
	return await downloadToBinary(ctx, {
		url: job.result_url,
		apiBaseUrl: (await clipMixCredentials(ctx, itemIndex)).baseUrl,
		credentialType: clipMixApi.credentialType,
		baseName: job.id,
		extension,
		itemIndex,
	});
}

/** ClipMix as a poll source: no list endpoint is known, so each pending job is fetched. */
export function clipMixPollSource(ctx: IExecuteFunctions, service: ClipMixService): PollSource<ClipMixJob> {
	return {
		async refresh(pendingIds): Promise<PollSnapshot<ClipMixJob>> {
			const snapshot: PollSnapshot<ClipMixJob> = { jobs: new Map(), gone: new Map() };
			await fetchEachJob(pendingIds, FETCH_CONCURRENCY, (id) => getJob(ctx, service, id), snapshot);
			return snapshot;
		},
		stateOf: (job) => (isJobReady(job) ? 'ready' : isJobFailed(job) ? 'failed' : 'pending'),
		progressOf: (job) => (typeof job.progress === 'number' ? job.progress : undefined),
		failureOf: (job) => `ClipMix reports the job as failed${job.error?.message ? `: ${job.error.message}` : ''}`,
	};
}

/** Waits on all entries' jobs together; Ready items carry the result file if asked. */
export async function waitForClipMixJobs(
	ctx: IExecuteFunctions,
	service: ClipMixService,
	entries: WaitEntry[],
): Promise<[INodeExecutionData[], INodeExecutionData[]]> {
	const download = ctx.getNodeParameter('downloadResult', 0, true) as boolean;
	const field = download ? (ctx.getNodeParameter('binaryPropertyName', 0) as string) : '';
	return await waitAndSort(ctx, entries, {
		source: clipMixPollSource(ctx, service),
		noun: 'jobs',
		pendingWord: 'processing',
		async toReadyItem(job, entry) {
			const json = { ...job };
			if (!download) return { json };
			return { json, binary: { [field]: await downloadResult(ctx, job, entry.itemIndex) } };
		},
	});
}
