import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { resultUrlFieldProperty, resultUrlOf } from '../shared/clipmix/resultUrl';
import { CLIPMIX_SERVICES, CLIPMIX_SERVICE_KEYS } from '../shared/clipmix/services';
import { optionsProperty } from '../shared/descriptions';
import { checkSignature, deliveryKey, readEvent, rememberDelivery } from '../shared/clipmix/webhooks';

/** How many recent deliveries are remembered to recognise a redelivery. */
const DEDUPLICATION_CAPACITY = 1000;

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
				{ ...resultUrlFieldProperty, description: `${String(resultUrlFieldProperty.description)} The URL found is output as resultUrl.` },
				{
					displayName: 'Include Headers',
					name: 'includeHeaders',
					type: 'boolean',
					default: false,
					description: 'Whether to add the request headers to the output',
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
				if (!String(credentials.webhookSecret ?? '').trim()) {
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

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject() as unknown as {
			rawBody?: Buffer;
			headers: Record<string, string | string[] | undefined>;
		};
		const headers = request.headers;
		const rawBody = request.rawBody ?? Buffer.alloc(0);

		if (this.getNodeParameter('verifySignature', true) as boolean) {
			const credentials = await this.getCredentials('clipMixApi');
			const secret = String(credentials.webhookSecret ?? '');
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

		let payload: unknown;
		try {
			payload = JSON.parse(rawBody.toString('utf8'));
		} catch {
			return reject.call(this, 400, 'The body is not JSON: ClipMix sends events as JSON');
		}
		if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
			return reject.call(this, 400, 'The body is not a JSON object: ClipMix sends events as JSON objects');
		}

		const event = readEvent(payload as IDataObject, headers['x-clipmix-event-id']);
		const service = SERVICE_ALIASES[String(event.job.service ?? '')];
		const events = this.getNodeParameter('events', []) as string[];
		const services = this.getNodeParameter('services', []) as string[];
		const wanted =
			events.includes(event.event) &&
			(event.event === 'webhook.test' || services.length === CLIPMIX_SERVICE_KEYS.length || services.includes(service));
		// Acknowledged with 200 either way, so ClipMix does not redeliver what we chose to ignore.
		if (!wanted) return {};
		if (!rememberDelivery(this.getWorkflowStaticData('node'), deliveryKey(event), DEDUPLICATION_CAPACITY)) {
			return {};
		}

		const options = this.getNodeParameter('options', {}) as IDataObject;
		const { job } = event;
		return {
			workflowData: [
				this.helpers.returnJsonArray({
					event: event.event,
					eventId: event.eventId ?? null,
					jobId: (job.id as string | undefined) ?? null,
					service: service ?? (job.service as string | undefined) ?? null,
					status: (job.status as string | undefined) ?? null,
					resultUrl: resultUrlOf(job, String(options.resultUrlField ?? '')).url ?? null,
					test: job.test === true,
					receivedAt: new Date().toISOString(),
					payload: payload as IDataObject,
					...(options.includeHeaders ? { headers: headers as IDataObject } : {}),
				}),
			],
		};
	}
}
