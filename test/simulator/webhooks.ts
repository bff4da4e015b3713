/**
 * Outgoing webhooks of the simulated ClipMix API: per-key configuration, HMAC-SHA256 signing,
 * delivery with retries on the simulated time scale, and a per-key delivery log (last 100 attempts).
 *
 * What is documented (the launch post) and what is inferred is listed in README.md. In short:
 * documented: `job.completed` / `job.failed` / `webhook.test` events, `X-ClipMix-Signature: sha256=<hex>`
 * (HMAC-SHA256), retries "0s → 30s → 5m → 1h, four attempts total", a 100-row delivery log per key.
 * Inferred: the event envelope, `X-ClipMix-Event-Id`, `X-ClipMix-Delivery-Attempt`, the 10 s timeout.
 *
 * Nothing here keeps the process alive: every wait is an unref'd timer and `close()` cancels them.
 */
import axios from 'axios';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { type Prng, type SimClock, TimerSet } from './server';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type WebhookEventType = 'job.completed' | 'job.failed' | 'webhook.test';

/** The body POSTed to a webhook URL (inferred envelope; see README). */
export interface WebhookEvent {
	/** `evt_` + 24 alphanumerics; the same on every retry of this event. */
	id: string;
	type: WebhookEventType;
	/** Simulated time at which the event was created (ISO 8601, ms, Z); real time with `wallClockTimestamps`. */
	created_at: string;
	/** The job JSON (as `GET <path>/{id}` shows it at that moment) or, for webhook.test, `{ test: true, message }`. */
	data: unknown;
}

export interface WebhookConfig {
	url: string;
	secret: string;
}

/** One delivery attempt, as the dashboard's delivery log shows it. */
export interface DeliveryLogEntry {
	eventId: string;
	type: WebhookEventType;
	/** 1..4 */
	attempt: number;
	url: string;
	/** HTTP status of the receiver's answer (absent when none arrived: network error or timeout). */
	status?: number;
	/** Network error or timeout (absent when an HTTP answer arrived, whatever its status). */
	error?: string;
	/** Real ms epoch at which the attempt started. */
	at: number;
	/** Simulated ms epoch at which the attempt started. */
	simAt: number;
	/** True for a 2xx within the timeout (the event is then delivered and not retried). */
	ok: boolean;
}

/** Offsets of the four attempts from the first one, in simulated ms: 0 s, 30 s, 5 min, 1 h. */
export const WEBHOOK_RETRY_OFFSETS_MS: readonly number[] = [0, 30_000, 5 * 60_000, 60 * 60_000];

/** Rows kept per key in the delivery log. */
export const DELIVERY_LOG_SIZE = 100;

export const SIGNATURE_HEADER = 'X-ClipMix-Signature';
export const EVENT_ID_HEADER = 'X-ClipMix-Event-Id';
export const ATTEMPT_HEADER = 'X-ClipMix-Delivery-Attempt';

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export function signWebhook(secret: string, body: Buffer | string): string {
	return 'sha256=' + crypto.createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of an `X-ClipMix-Signature` header against the raw body. */
export function verifyWebhookSignature(secret: string, body: Buffer | string, header: string | undefined): boolean {
	if (!header) return false;
	const expected = Buffer.from(signWebhook(secret, body));
	const got = Buffer.from(header.trim());
	return expected.length === got.length && crypto.timingSafeEqual(expected, got);
}

// ---------------------------------------------------------------------------------------------
// Dispatcher
// ---------------------------------------------------------------------------------------------

export interface WebhookDispatcherDeps {
	clock: SimClock;
	/** For event ids. */
	prng: Prng;
	/** Real ms a receiver has to answer with a 2xx; default 10_000. */
	timeoutMs?: number;
}

export class WebhookDispatcher {
	readonly timeoutMs: number;
	private readonly clock: SimClock;
	private readonly prng: Prng;
	private readonly configs = new Map<string, WebhookConfig>();
	private readonly logs = new Map<string, DeliveryLogEntry[]>();
	private readonly timers = new TimerSet();
	private readonly inflight = new Set<AbortController>();
	private readonly httpAgent = new http.Agent({ keepAlive: false });
	private readonly httpsAgent = new https.Agent({ keepAlive: false });
	/** Bumped by cancelAll(): retry chains of an older generation stop. */
	private generation = 0;
	private closed = false;

	constructor(deps: WebhookDispatcherDeps) {
		this.clock = deps.clock;
		this.prng = deps.prng;
		this.timeoutMs = deps.timeoutMs ?? 10_000;
		if (!(this.timeoutMs > 0)) throw new Error('webhookTimeoutMs must be > 0');
	}

	/** Set (or, with an empty url, remove) the webhook of a key. */
	set(apiKey: string, url: string, secret: string): void {
		if (url === '') {
			this.configs.delete(apiKey);
			return;
		}
		let parsed: URL;
		try {
			parsed = new URL(url);
		} catch {
			throw new Error(`Invalid webhook url: ${url}`);
		}
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('Webhook url must be http(s).');
		if (typeof secret !== 'string' || secret === '') throw new Error('Webhook secret must be a non-empty string.');
		this.configs.set(apiKey, { url, secret });
	}

	get(apiKey: string): WebhookConfig | undefined {
		const c = this.configs.get(apiKey);
		return c ? { ...c } : undefined;
	}

	/** The key's delivery log, oldest first (at most the last 100 attempts). */
	deliveries(apiKey: string): DeliveryLogEntry[] {
		return (this.logs.get(apiKey) ?? []).map((e) => ({ ...e }));
	}

	/**
	 * Create an event and start delivering it to the key's webhook (if it has one). `first` resolves with
	 * the log entry of the first attempt; later attempts run in the background.
	 */
	send(apiKey: string, type: WebhookEventType, data: unknown): { event: WebhookEvent; first: Promise<DeliveryLogEntry> } | undefined {
		const cfg = this.configs.get(apiKey);
		if (!cfg || this.closed) return undefined;
		const event: WebhookEvent = { id: 'evt_' + this.prng.token(24), type, created_at: this.clock.stamp(this.clock.now()), data };
		const body = Buffer.from(JSON.stringify(event), 'utf8');
		let resolveFirst!: (e: DeliveryLogEntry) => void;
		const first = new Promise<DeliveryLogEntry>((r) => (resolveFirst = r));
		this.run(apiKey, { ...cfg }, event, body, resolveFirst).catch(() => {
			// run() handles its own errors; this only guards against an unhandled rejection.
		});
		return { event, first };
	}

	/** Cancel pending retries and abort in-flight attempts (configs and logs stay). */
	cancelAll(): void {
		this.generation++;
		this.timers.clear();
		for (const c of this.inflight) c.abort();
		this.inflight.clear();
	}

	/** Clear the delivery logs and cancel everything pending (configs stay). */
	reset(): void {
		this.cancelAll();
		this.logs.clear();
	}

	close(): void {
		this.closed = true;
		this.cancelAll();
		this.httpAgent.destroy();
		this.httpsAgent.destroy();
	}

	/** Pending retry timers (for tests). */
	get pendingTimers(): number {
		return this.timers.size;
	}

	private async run(
		apiKey: string,
		cfg: WebhookConfig,
		event: WebhookEvent,
		body: Buffer,
		resolveFirst: (e: DeliveryLogEntry) => void,
	): Promise<void> {
		const gen = this.generation;
		const firstAt = Date.now();
		for (let i = 0; i < WEBHOOK_RETRY_OFFSETS_MS.length; i++) {
			if (i > 0) {
				// Measured from the start of the first attempt, on the simulated time scale; never before
				// the previous attempt has finished.
				await this.timers.sleepUntil(firstAt + WEBHOOK_RETRY_OFFSETS_MS[i] / this.clock.timeScale);
				if (gen !== this.generation) return;
			}
			const entry = await this.attempt(cfg, event, body, i + 1);
			if (i === 0) resolveFirst(entry);
			if (gen !== this.generation) return; // cancelled (reset/close) while in flight: not logged
			this.log(apiKey, entry);
			if (entry.ok) return;
		}
	}

	private log(apiKey: string, entry: DeliveryLogEntry): void {
		let list = this.logs.get(apiKey);
		if (!list) {
			list = [];
			this.logs.set(apiKey, list);
		}
		list.push(entry);
		if (list.length > DELIVERY_LOG_SIZE) list.splice(0, list.length - DELIVERY_LOG_SIZE);
	}

	private async attempt(cfg: WebhookConfig, event: WebhookEvent, body: Buffer, attempt: number): Promise<DeliveryLogEntry> {
		const entry: DeliveryLogEntry = {
			eventId: event.id,
			type: event.type,
			attempt,
			url: cfg.url,
			at: Date.now(),
			simAt: this.clock.now(),
			ok: false,
		};
		const controller = new AbortController();
		this.inflight.add(controller);
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			controller.abort();
		}, this.timeoutMs);
		timer.unref();
		try {
			const res = await axios.request({
				method: 'POST',
				url: cfg.url,
				data: body,
				headers: {
					'Content-Type': 'application/json',
					'User-Agent': 'ClipMix-Webhooks/1.0 (simulator)',
					[SIGNATURE_HEADER]: signWebhook(cfg.secret, body),
					[EVENT_ID_HEADER]: event.id,
					[ATTEMPT_HEADER]: String(attempt),
				},
				transformRequest: [(d: unknown) => d],
				transformResponse: [(d: unknown) => d],
				responseType: 'arraybuffer',
				validateStatus: () => true,
				maxRedirects: 0,
				maxContentLength: 1024 * 1024,
				proxy: false,
				httpAgent: this.httpAgent,
				httpsAgent: this.httpsAgent,
				signal: controller.signal,
			});
			entry.status = res.status;
			entry.ok = res.status >= 200 && res.status < 300;
		} catch (err) {
			if (timedOut) entry.error = `timeout: no response within ${this.timeoutMs} ms`;
			else {
				const e = err as { code?: string; message?: string };
				entry.error = e.code && !String(e.message).includes(e.code) ? `${e.code}: ${e.message}` : String(e.message ?? err);
			}
		} finally {
			clearTimeout(timer);
			this.inflight.delete(controller);
		}
		return entry;
	}
}
