import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { resultFilesOf, resultUrlFieldProperty } from '../shared/clipmix/resultFiles';
import { CLIPMIX_SERVICES, CLIPMIX_SERVICE_KEYS } from '../shared/clipmix/services';
import {
	CLOCK_SKEW_MS,
	DEFAULT_MAX_EVENT_AGE_HOURS,
	REMEMBERED_EVENTS,
	STORE_FIELD,
	checkEventTime,
	checkSignature,
	deliveryKey,
	eventTime,
	readEvent,
	signingSecret,
	visibleHeaders,
} from '../shared/clipmix/webhooks';
import type { EventTimeProblem } from '../shared/clipmix/webhooks';
import { clock } from '../shared/clock';
import { optionsProperty } from '../shared/descriptions';
import { emitOnceScope, emitOnceStore } from '../shared/emitOnce';

const HOUR_MS = 3_600_000;

/** Names a job's service may plausibly carry in a webhook; ClipMix does not document them. */
const SERVICE_ALIASES: Record<string, string> = {
	music: 'music',
	song: 'music',
	translation: 'translation',
	translations: 'translation',
	video_translation: 'translation',
	memoryVideo: 'memoryVideo',
	memory_video: 'memoryVideo',
	family_video: 'memoryVideo',
	'family-videos': 'memoryVideo',
	avatar: 'avatar',
	avatars: 'avatar',
	faceswap: 'avatar',
};

function reject(this: IWebhookFunctions, status: number, message: string): IWebhookResponseData {
	this.getResponseObject().status(status).json({ error: message });
	return { noWebhookResponse: true };
}

function timeRefusal(problem: EventTimeProblem, maxAgeHours: number): string {
	if (problem === 'future') {
		return `The event's signed time is more than ${CLOCK_SKEW_MS / 60_000} minutes ahead of this server's clock: check the n8n server's clock`;
	}
	if (problem === 'old') return `The event is older than Max Event Age (${maxAgeHours} h): a replay of an old event is refused`;
	return `The event is older than the oldest delivery still remembered (more than ${REMEMBERED_EVENTS} events arrived within Max Event Age), so a repeat could not be recognised`;
}

export class ClipMixTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'ClipMix Trigger',
		name: 'clipMixTrigger',
		icon: { light: 'file:../../icons/clipmix.svg', dark: 'file:../../icons/clipmix.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when a ClipMix job finishes, from a signed ClipMix webhook',
		defaults: { name: 'ClipMix Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'clipMixApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'In the ClipMix dashboard, open your API key and paste this node\'s <b>Production URL</b> as its callback URL, with the signing secret from the credential. The <b>Test URL</b> only listens while you click "Listen for test event" here; the dashboard\'s "Fire test" button sends a webhook.test event to check it.',
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: [
					{ name: 'Job Completed', value: 'job.completed' },
					{ name: 'Job Failed', value: 'job.failed' },
					{ name: 'Webhook Test', value: 'webhook.test', description: 'Sent by the dashboard\'s "Fire test" button' },
				],
				default: ['job.completed', 'job.failed'],
				description: 'Other events are acknowledged and ignored',
			},
			{
				displayName: 'Services',
				name: 'services',
				type: 'multiOptions',
				options: CLIPMIX_SERVICE_KEYS.map((key) => ({ name: CLIPMIX_SERVICES[key].label, value: key })),
				default: [...CLIPMIX_SERVICE_KEYS],
				description: 'Jobs of other services are acknowledged and ignored',
			},
			{
				displayName: 'Verify Signature',
				name: 'verifySignature',
				type: 'boolean',
				default: true,
				description:
					'Whether to refuse (401) any delivery whose X-ClipMix-Signature is not the HMAC-SHA256 of its body with the credential\'s signing secret',
			},
			{
				displayName:
					'Anyone who learns the webhook URL can start this workflow and make it act on a fake job. Turn verification off only to debug.',
				name: 'unverifiedWarning',
				type: 'notice',
				default: '',
				displayOptions: { show: { verifySignature: [false] } },
			},
			optionsProperty([
				{
					...resultUrlFieldProperty,
					description: `${String(resultUrlFieldProperty.description)} Every file found is output in resultFiles (url, language), the first also as resultUrl.`,
				},
				{
					displayName: 'Include Headers',
					name: 'includeHeaders',
					type: 'boolean',
					default: false,
					description:
						'Whether to add the request headers to the output. Authorization, Cookie and X-ClipMix-Signature are always left out.',
				},
				{
					displayName: 'Max Event Age (Hours)',
					name: 'maxEventAge',
					type: 'number',
					typeOptions: { minValue: 2 },
					default: DEFAULT_MAX_EVENT_AGE_HOURS,
					description:
						'Events whose signed time is older are refused (400), so a captured event cannot be replayed later. ClipMix retries for about 1 hour after an event. Events without a time in their body are not checked.',
				},
			]),
		],
	};

	/**
	 * ClipMix keeps the callback URL on the API key, set by hand in its dashboard, and has no API
	 * to register one, so there is nothing to create or delete remotely. Activation (and "Listen
	 * for test event") still runs `create`, which is where a setup that could never accept a
	 * delivery is refused, with words, instead of answering every delivery with 401 later.
	 */
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// Nothing to look up remotely: report "not registered" so n8n runs `create` each time.
				return false;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (!(this.getNodeParameter('verifySignature', true) as boolean)) return true;
				const credentials = await this.getCredentials('clipMixApi');
				if (!signingSecret(credentials)) {
					throw new NodeOperationError(this.getNode(), 'The ClipMix credential has no Webhook Signing Secret', {
						description:
							'Every delivery would be refused with 401. Copy the signing secret from the ClipMix dashboard into the credential, or turn off Verify Signature.',
					});
				}
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				// The callback URL stays on the key in the ClipMix dashboard; remove it there if wanted.
				return true;
			},
		},
	};

	/**
	 * A genuine event starts the workflow exactly once:
	 *
	 * - Only a body signed with the credential's secret is read (401 otherwise).
	 * - The event's identity comes from the signed body alone (see deliveryKey), never from a header.
	 * - An event whose signed time is older than Max Event Age, or more than a few minutes ahead of
	 *   our clock, is refused with 400. Refused, not acknowledged with 200: ClipMix retries at most
	 *   three more times within about an hour, all refused the same way, and in exchange the refusal
	 *   shows in ClipMix's delivery log with our reason. A 200 would hide it there, and a wrong clock
	 *   on the n8n server would silently swallow every event.
	 * - A redelivered event is acknowledged with 200 without starting the workflow again. Keys are
	 *   remembered until their signed event time + Max Event Age, when the age check takes over, so
	 *   a replay is either still remembered or refused as too old (events without a time: for Max
	 *   Event Age after they were first seen). The store (nodes/shared/emitOnce.ts) checks and
	 *   claims synchronously in this process, in front of static data, and writes the union of both.
	 *
	 * Queue mode with several webhook processes (or several main instances): the in-process layer is
	 * per process, and static data is per workflow with the last save winning across processes. Two
	 * processes receiving the same event before either has loaded the other's save may both start
	 * the workflow, and a save from one process can drop keys only another process has claimed
	 * until that process saves again (a replay reaching the process that took the event is always
	 * recognised). Signatures and the age limit hold everywhere. With one webhook process (or the
	 * main process alone) it is exact. See nodes/shared/emitOnce.ts.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject() as unknown as {
			rawBody?: Buffer;
			headers: Record<string, string | string[] | undefined>;
		};
		const headers = request.headers;
		const rawBody = request.rawBody ?? Buffer.alloc(0);

		if (this.getNodeParameter('verifySignature', true) as boolean) {
			const secret = signingSecret(await this.getCredentials('clipMixApi'));
			if (!secret) {
				this.logger.warn('ClipMix Trigger refused a delivery: the ClipMix credential has no Webhook Signing Secret');
				return reject.call(this, 401, 'Signature cannot be verified: no signing secret is configured');
			}
			const problem = checkSignature(rawBody, headers['x-clipmix-signature'], secret);
			if (problem) {
				this.logger.warn(`ClipMix Trigger refused a delivery: signature ${problem}`);
				return reject.call(this, 401, `Invalid signature (${problem})`);
			}
		}
		// No await below this line: the de-duplication claim must follow its check at once.

		let payload: unknown;
		try {
			payload = JSON.parse(rawBody.toString('utf8'));
		} catch {
			return reject.call(this, 400, 'The body is not JSON: ClipMix sends events as JSON');
		}
		if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
			return reject.call(this, 400, 'The body is not a JSON object: ClipMix sends events as JSON objects');
		}

		const now = clock.now();
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const maxAgeHours = Math.max(2, Number(options.maxEventAge ?? DEFAULT_MAX_EVENT_AGE_HOURS) || DEFAULT_MAX_EVENT_AGE_HOURS);
		const nodeData = this.getWorkflowStaticData('node');
		const store = emitOnceStore(nodeData, emitOnceScope(this.getWorkflow().id, this.getNode()), {
			maxAgeMs: maxAgeHours * HOUR_MS,
			maxEntries: REMEMBERED_EVENTS,
			field: STORE_FIELD,
		});
		if (Array.isArray(nodeData.seenDeliveries)) {
			// Keys remembered by 0.1 (the last 1,000, without times): kept for another Max Event Age.
			for (const key of nodeData.seenDeliveries) if (typeof key === 'string') store.claim(key, now);
			delete nodeData.seenDeliveries;
		}

		const event = readEvent(payload as IDataObject);
		const at = eventTime(payload as IDataObject, event.job);
		if (at !== undefined) {
			const problem = checkEventTime(at, now, {
				maxAgeMs: maxAgeHours * HOUR_MS,
				skewMs: CLOCK_SKEW_MS,
				forgottenThrough: store.forgottenThrough,
			});
			if (problem) {
				this.logger.warn(`ClipMix Trigger refused a delivery: event time ${new Date(at).toISOString()} (${problem})`);
				return reject.call(this, 400, timeRefusal(problem, maxAgeHours));
			}
		}

		const service = SERVICE_ALIASES[String(event.job.service ?? '')];
		const events = this.getNodeParameter('events', []) as string[];
		const services = this.getNodeParameter('services', []) as string[];
		const wanted =
			events.includes(event.event) &&
			(event.event === 'webhook.test' || services.length === CLIPMIX_SERVICE_KEYS.length || services.includes(service));
		// Acknowledged with 200 either way, so ClipMix does not redeliver what we chose to ignore.
		if (!wanted) return {};

		const { job } = event;
		const { files } = resultFilesOf(job, String(options.resultUrlField ?? ''));
		const item: IDataObject = {
			event: event.event,
			eventId: event.eventId ?? null,
			jobId: (job.id as string | undefined) ?? null,
			service: service ?? (job.service as string | undefined) ?? null,
			status: (job.status as string | undefined) ?? null,
			resultUrl: files[0]?.url ?? null,
			// A translation names one file per language: every one, so none is paid for and missed.
			resultFiles: files as unknown as IDataObject[],
			test: job.test === true,
			receivedAt: new Date(now).toISOString(),
			payload: payload as IDataObject,
			...(options.includeHeaders ? { headers: visibleHeaders(headers) } : {}),
		};
		// Claimed last, once nothing else can fail: a delivery that errors is retried by ClipMix and
		// must then still start the workflow.
		if (!store.claim(deliveryKey(event, rawBody), now, at ?? now)) return {};
		return { workflowData: [this.helpers.returnJsonArray(item)] };
	}
}
