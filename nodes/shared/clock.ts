import { sleep as hostSleep } from 'n8n-workflow';

/**
 * Real milliseconds one host timer waits at most. Every n8n version exports `sleep(ms)`, but
 * not one that takes an abort signal (n8n-workflow 2.34 removed its abort-aware sleep), so a long
 * wait is cut into short timers raced against the signal: cancelling ends it at once, and at
 * most one short timer outlives it.
 */
const SLICE_MS = 1000;

/** The execution was cancelled (Stop button, execution timeout) while the package waited. */
export class WaitCancelledError extends Error {
	constructor() {
		super('The execution was cancelled');
		this.name = 'WaitCancelledError';
	}
}

function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
	if (!signal) return promise;
	if (signal.aborted) return Promise.reject(new WaitCancelledError());
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(new WaitCancelledError());
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/**
 * The package's sense of time, in "API milliseconds", and its one way to wait.
 *
 * In n8n it is plain wall-clock time (scale 1). The simulator can run its APIs faster
 * than real time; tests, the demo and the benchmarks then set the same scale here, so
 * poll intervals, rate-limit windows and timeouts shrink with it and a 15-minute render
 * is waited on in seconds, through exactly the code that runs in production.
 */
export const clock = {
	scale: 1,
	/** A moment both clocks agree on: real ms epoch `real` is API ms epoch `api`. */
	sync: { real: 0, api: 0 },

	/** API time, ms epoch: wall-clock time in n8n, comparable with the API's own timestamps. */
	now(): number {
		return clock.sync.api + (Date.now() - clock.sync.real) * clock.scale;
	},

	/** Runs at `scale`, reading `apiNow` now: how tests and the demo follow a sped-up simulator. */
	follow(scale: number, apiNow: number): void {
		clock.scale = scale;
		clock.sync = { real: Date.now(), api: apiNow };
	},

	/** Waits `apiMs`, or rejects with WaitCancelledError as soon as `signal` aborts. */
	async sleep(apiMs: number, signal?: AbortSignal): Promise<void> {
		if (signal?.aborted) throw new WaitCancelledError();
		if (apiMs <= 0) return;
		const until = Date.now() + apiMs / clock.scale;
		for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
			await untilAborted(hostSleep(Math.min(left, SLICE_MS)), signal);
		}
	},
};
