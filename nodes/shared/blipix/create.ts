import type { IDataObject, IExecuteFunctions, NodeApiError } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { clock } from '../clock';
import { isUnconfirmedCreate } from '../transport/apiRequest';
import { creditCost } from './constants';
import { blipixBaseUrl, blipixRequest, keyHashOf } from './transport';
import type { BlipixVideo } from './types';
import { listVideos } from './videos';

/** Server and n8n clocks may disagree a little: a video this much older than our send still counts. */
const CLOCK_SKEW_MS = 60_000;
/** A lost create shows up in the list within seconds; look a few times before concluding. */
const RECOVERY_LOOKS_MS = [0, 5_000, 15_000];
const RECOVERY_LIST_LIMIT = 50;
/** Ids remembered per key (claimed, or seen in a recovery's listing); oldest forgotten first. */
const ID_CAPACITY = 5_000;

/**
 * Steps of this process in the order they happened: clock readings can tie (a sped-up clock
 * moves in steps), and "listed before this create was sent" must be exact.
 */
let step = 0;

interface CreateRecord {
	/** API time, for the window of videos it may have made. */
	sentAt: number;
	sentStep: number;
	/** Set once the create's own answer, or its recovery, named its video. */
	id?: string;
	/** The step at which its recovery gave up without a video after listing the key's videos. */
	unresolvedStep?: number;
}

/** Per API key (hashed): this process's recent creates, and what it knows of the key's videos. */
interface KeyLedger {
	creates: Set<CreateRecord>;
	/** Ids a create of this process made (its answer said so, or its recovery adopted it). */
	claimed: Set<string>;
	/** Id → the step at which a recovery's listing first showed it: a video listed before a create was sent is not that create's. */
	listedAt: Map<string, number>;
}

const ledgers = new Map<string, KeyLedger>();

function ledgerFor(keyHash: string): KeyLedger {
	let ledger = ledgers.get(keyHash);
	if (!ledger) {
		ledger = { creates: new Set(), claimed: new Set(), listedAt: new Map() };
		ledgers.set(keyHash, ledger);
	}
	return ledger;
}

function claim(ledger: KeyLedger, id: string): void {
	ledger.claimed.add(id);
	if (ledger.claimed.size > ID_CAPACITY) ledger.claimed.delete(ledger.claimed.values().next().value as string);
}

function noteListed(ledger: KeyLedger, videos: BlipixVideo[]): void {
	const listedStep = ++step;
	for (const video of videos) if (!ledger.listedAt.has(video.id)) ledger.listedAt.set(video.id, listedStep);
	while (ledger.listedAt.size > ID_CAPACITY) ledger.listedAt.delete(ledger.listedAt.keys().next().value as string);
}

async function ledgerOf(ctx: IExecuteFunctions, itemIndex: number): Promise<KeyLedger> {
	const credentials = await ctx.getCredentials('blipixApi', itemIndex);
	return ledgerFor(keyHashOf(credentials, await blipixBaseUrl(ctx, itemIndex)));
}

const describeVideo = (video: BlipixVideo) => `${video.id} ("${String(video.title ?? '')}", created ${String(video.createdAt)})`;

/**
 * POST /videos/create, sent once. Blipix has no idempotency key, so a create that got no answer
 * or a 5xx is never sent again (that could pay twice); instead the newest videos are read to find
 * the one it may have made. It is adopted (`recovered: true`) only when exactly one video
 * appeared on the key since the create was sent, with the same aspect ratio, that no create of
 * this n8n process claims and that no earlier recovery of this process had already listed,
 * while no other create of this process on the key was still unconfirmed when this one was sent:
 * otherwise two executions could take each other's videos. Anything less certain fails the item,
 * listing the candidates.
 */
export async function createVideo(ctx: IExecuteFunctions, body: IDataObject, itemIndex: number): Promise<IDataObject> {
	const ledger = await ledgerOf(ctx, itemIndex);
	const record: CreateRecord = { sentAt: clock.now(), sentStep: ++step };
	ledger.creates.add(record);
	const outcome = await blipixRequest(ctx, { method: 'POST', path: '/videos/create', body, itemIndex, retry: 'once' }).then(
		(created) => ({ created }),
		(error: unknown) => ({ error }),
	);
	if ('created' in outcome) {
		record.id = String(outcome.created.id);
		claim(ledger, record.id);
		forgetOldCreates(ledger);
		return outcome.created;
	}
	if (!isUnconfirmedCreate(outcome.error)) {
		ledger.creates.delete(record);
		throw outcome.error;
	}
	forgetOldCreates(ledger);
	const adopted = await recoverCreate(ctx, ledger, record, body, outcome.error, itemIndex);
	record.id = String(adopted.id);
	claim(ledger, record.id);
	return adopted;
}

/** Creates older than any window a recovery could look at are of no more use. */
function forgetOldCreates(ledger: KeyLedger): void {
	const horizon = clock.now() - 10 * CLOCK_SKEW_MS;
	for (const create of ledger.creates) if (create.sentAt < horizon) ledger.creates.delete(create);
}

async function recoverCreate(
	ctx: IExecuteFunctions,
	ledger: KeyLedger,
	record: CreateRecord,
	body: IDataObject,
	failure: NodeApiError,
	itemIndex: number,
): Promise<IDataObject> {
	const since = record.sentAt - CLOCK_SKEW_MS;
	const unanswered = failure.httpCode ? `it answered HTTP ${failure.httpCode}` : 'no answer came back';
	const why = `Blipix did not confirm this create (${unanswered}); it was not sent again, because a second create could pay twice`;
	const fail = (found: string) =>
		new NodeOperationError(ctx.getNode(), why, {
			itemIndex,
			description: `${found} Check your Blipix account (Video → Get Many) before running this item again.`,
		});

	let candidates: BlipixVideo[] = [];
	let looked = false;
	let lookFailure = '';
	for (const delay of RECOVERY_LOOKS_MS) {
		await clock.sleep(delay, ctx.getExecutionCancelSignal());
		const listed = await listVideos(ctx, { limit: RECOVERY_LIST_LIMIT }, itemIndex).then(
			(videos) => ({ videos }),
			(error: unknown) => ({ error }),
		);
		// A look that failed is a look not taken: the next one may work.
		if ('error' in listed) {
			lookFailure = (listed.error as Error).message;
			continue;
		}
		looked = true;
		candidates = listed.videos.filter(
			(video) =>
				Date.parse(String(video.createdAt)) >= since &&
				!ledger.claimed.has(video.id) &&
				(ledger.listedAt.get(video.id) ?? Infinity) > record.sentStep &&
				(video.aspectRatio === undefined || video.aspectRatio === body.aspectRatio),
		);
		noteListed(ledger, listed.videos);
		if (candidates.length > 0) break;
	}
	// Never looked: this create stays a rival for good (its window), since its video, if made, was never listed.
	if (!looked) throw fail(`Looking for the video on your account failed too (${lookFailure}).`);
	// Other creates of this process on the key that were unconfirmed when this one was sent could own a candidate.
	const rivals = [...ledger.creates].filter(
		(other) =>
			other !== record &&
			other.id === undefined &&
			other.sentAt >= since - CLOCK_SKEW_MS &&
			(other.unresolvedStep === undefined || other.unresolvedStep > record.sentStep),
	);
	if (candidates.length === 1 && rivals.length === 0) {
		ctx.logger.warn(`Blipix: adopted video ${candidates[0].id} for item ${itemIndex} after "${failure.message}"`);
		return { ...candidates[0], creditsCost: creditCost(String(body.duration)) ?? null, recovered: true };
	}
	// It looked and listed what there was: those videos are no later create's, and this one is no rival from now on.
	record.unresolvedStep = ++step;
	throw fail(
		candidates.length === 0
			? 'No new video appeared on your Blipix account since it was sent, so it was most likely not created.'
			: `${candidates.length} video(s) appeared on your account since it was sent, and none can be told apart as this item's${rivals.length ? ' (other creates on this key were unconfirmed too)' : ''}: ${candidates.map(describeVideo).join('; ')}.`,
	);
}
