/**
 * jest `setupFilesAfterEnv`: runs inside every test file's module registry. If that file's
 * tests loaded the engine, shut it down afterwards (n8n-core's timers, the temp folder);
 * otherwise do nothing, so files that don't run workflows don't pay for loading n8n-core.
 */
afterAll(async () => {
	const shutdown = (globalThis as { __n8nEngineShutdown?: () => Promise<void> }).__n8nEngineShutdown;
	await shutdown?.();
});
