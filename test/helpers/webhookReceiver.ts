/**
 * A local n8n stand-in for one webhook-triggered workflow: a real HTTP server whose requests go,
 * raw bytes and all, through the trigger in n8n-core's WebhookContext (test/engine
 * `deliverWebhook`), each starting the workflow as n8n would. The simulator's ClipMix sends its
 * signed events here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { deliverWebhook } from '../engine';
import type { DeliverWebhookOptions, EngineWorkflow, WebhookDelivery, WebhookRequest } from '../engine';

export interface WebhookReceiverOptions extends Pick<DeliverWebhookOptions, 'nodeTypes' | 'credentialTypes' | 'credentials'> {
	/** The workflow; its id is the receiver's own unless it has one (the trigger's memory is per workflow). */
	workflow: EngineWorkflow;
	triggerNode: string;
	/** Static data shared with another receiver plays the same workflow in a second process, or after a restart. */
	staticData?: IDataObject;
	/** Lose this many of n8n's answers after the workflow started, as a proxy timeout would. */
	failAnswers?: number;
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

let receivers = 0;

export async function startWebhookReceiver(opts: WebhookReceiverOptions) {
	const staticData: IDataObject = opts.staticData ?? {};
	const workflow = { ...opts.workflow, id: opts.workflow.id ?? `receiver-${++receivers}` };
	const deliveries: WebhookDelivery[] = [];
	let failAnswers = opts.failAnswers ?? 0;
	/** What n8n's webhook server does with one request: static data copied in, run, copied out. */
	const handle = async (request: WebhookRequest) => {
		const delivery = await deliverWebhook({
			workflow,
			triggerNode: opts.triggerNode,
			staticData,
			nodeTypes: opts.nodeTypes,
			credentialTypes: opts.credentialTypes,
			credentials: opts.credentials,
			request,
		}).catch((error: Error) => ({ statusCode: 599, body: { engineError: error.message }, started: false }) as WebhookDelivery);
		deliveries.push(delivery);
		return delivery;
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const delivery = await handle({ method: req.method, headers: req.headers, rawBody: Buffer.concat(chunks) });
			const status = failAnswers-- > 0 ? 500 : delivery.statusCode;
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(delivery.body ?? {}));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/clipmix`;
	const close = async () => {
		// Keep-alive sockets from the simulator's sender would otherwise hold close() open.
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	};
	return { url, workflow, staticData, deliveries, handle, close, started: () => deliveries.filter((d) => d.started) };
}
