import { sleepWithAbort } from 'n8n-workflow';

/**
 * The package's sense of time, in "API milliseconds".
 *
 * In n8n it is plain wall-clock time (scale 1). The simulator can run its APIs faster
 * than real time; tests, the demo and the benchmarks then set the same scale here, so
 * poll intervals, rate-limit windows and timeouts shrink with it and a 15-minute render
 * is waited on in seconds, through exactly the code that runs in production.
 */
export const clock = {
	scale: 1,

	now(): number {
		return Date.now() * clock.scale;
	},

	async sleep(apiMs: number, signal?: AbortSignal): Promise<void> {
		if (apiMs <= 0) return;
		await sleepWithAbort(apiMs / clock.scale, signal);
	},
};
