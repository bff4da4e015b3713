/**
 * Runs in its own `node` process (see hostApi.test.ts): loads the built package with
 * `n8n-workflow` resolved to one host version, then really waits and retries through it.
 * A process per version keeps the module caches apart, as in separate n8n installs.
 */
import Module from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { JobState, PollSnapshot, PollSource } from '../../nodes/shared/poller';
import type { ApiContext, ApiDefinition } from '../../nodes/shared/transport/apiRequest';
import type { HostImport } from './hostImports';

export interface ProbeInput {
	/** The npm alias the host's n8n-workflow is installed under, e.g. `n8n-workflow-2.41`. */
	alias: string;
	projectDir: string;
	buildDir: string;
	/** package.json's n8n.nodes and n8n.credentials, relative to the build directory. */
	entries: string[];
	imports: HostImport[];
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Cancellation {
	/** Why the wait ended; undefined if it resolved instead of rejecting. */
	error?: string;
	msAfterAbort: number;
	/** Real ms the interrupted wait still had to go when the abort came. */
	msLeft: number;
	calls: number;
}

export interface ProbeReport {
	version: string;
	missing: HostImport[];
	entries: Array<{ entry: string } & Attempt<{ properties: number }>>;
	wait: Attempt<{ result: string; refreshes: number; realMs: number; intervalRealMs: number }>;
	waitCancel: Cancellation;
	retry: Attempt<{ statusCode: number; body: unknown; requests: string[] }>;
	retryCancel: Cancellation;
}

/** Real milliseconds a cancellation test waits before aborting, and then at most for the wait to end. */
const ABORT_AFTER_MS = 200;
const GIVE_UP_MS = 2_000;

const input = JSON.parse(process.argv[2]) as ProbeInput;

// Every `n8n-workflow[/…]` the package (or this probe) requires becomes the host's copy.
const moduleApi = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const resolveFilename = moduleApi._resolveFilename;
moduleApi._resolveFilename = function (request, ...rest) {
	const host = /^n8n-workflow(\/.*)?$/.exec(request);
	if (!host) return resolveFilename.call(this, request, ...rest);
	// Resolved from the project, where the aliases are installed, not from the build directory.
	const [parent, isMain] = rest;
	return resolveFilename.call(this, input.alias + (host[1] ?? ''), parent, isMain, { paths: [input.projectDir] });
};

const built = (file: string) => require(join(input.buildDir, file));
const { clock } = built('nodes/shared/clock.js') as typeof import('../../nodes/shared/clock');
const { waitForJobs } = built('nodes/shared/poller.js') as typeof import('../../nodes/shared/poller');
const { apiRequest } = built('nodes/shared/transport/apiRequest.js') as typeof import('../../nodes/shared/transport/apiRequest');
const { budgetFor } = built('nodes/shared/transport/requestBudget.js') as typeof import('../../nodes/shared/transport/requestBudget');

async function attempt<T>(run: () => Promise<T> | T): Promise<Attempt<T>> {
	try {
		return { ok: true, value: await run() };
	} catch (error) {
		return { ok: false, error: String(error) };
	}
}

function missingImports(): HostImport[] {
	return input.imports.filter(({ specifier, name }) => {
		try {
			return typeof require(specifier)[name] === 'undefined';
		} catch {
			return true;
		}
	});
}

/** What n8n's loader does: the class named after the file, instantiated. */
function instantiate(entry: string) {
	const className = entry.replace(/^.*\//, '').replace(/\..*$/, '');
	const Type = built(entry)[className] as new () => { description?: { properties: unknown[] }; properties?: unknown[] };
	const instance = new Type();
	// A node describes itself in `description`, a credential on the instance itself.
	return { properties: (instance.description ?? instance).properties?.length ?? 0 };
}

/**
 * Runs `wait`, which sleeps `waitMs` real ms after it starts, aborts it ABORT_AFTER_MS later, and times
 * how long it takes to stop after that.
 */
async function abortMidway(waitMs: number, wait: (signal: AbortSignal) => Promise<unknown>): Promise<Omit<Cancellation, 'calls'>> {
	const controller = new AbortController();
	let abortedAt = Number.NaN;
	setTimeout(() => {
		abortedAt = performance.now();
		controller.abort();
	}, ABORT_AFTER_MS);
	// A wait that ignores the abort is left behind, so that the other checks still report.
	const ignored = new Promise<string>((resolve) =>
		setTimeout(() => resolve(`still waiting ${GIVE_UP_MS} ms after the abort`), ABORT_AFTER_MS + GIVE_UP_MS),
	);
	const ended = wait(controller.signal).then(
		() => undefined,
		(error: unknown) => String(error),
	);
	const error = await Promise.race([ended, ignored]);
	return { error, msAfterAbort: performance.now() - abortedAt, msLeft: waitMs - ABORT_AFTER_MS };
}

interface FakeJob {
	state: JobState;
}

/** Jobs that stay pending for `pendingCycles` refreshes, then are ready. */
class FakeJobs implements PollSource<FakeJob> {
	refreshes = 0;

	constructor(private readonly pendingCycles: number) {}

	async refresh(ids: string[]): Promise<PollSnapshot<FakeJob>> {
		this.refreshes++;
		const state: JobState = this.refreshes > this.pendingCycles ? 'ready' : 'pending';
		return { jobs: new Map(ids.map((id) => [id, { state }])), gone: new Map() };
	}

	stateOf(job: FakeJob): JobState {
		return job.state;
	}

	progressOf(): undefined {
		return undefined;
	}

	failureOf(): string {
		return 'failed';
	}
}

async function waitTwoCycles() {
	clock.scale = 100;
	const pollIntervalMs = 5_000;
	const source = new FakeJobs(2);
	const startedAt = performance.now();
	const outcomes = await waitForJobs(['job-1'], source, { pollIntervalMs, maxWaitMs: 60_000 });
	return {
		result: String(outcomes.get('job-1')?.result),
		refreshes: source.refreshes,
		realMs: performance.now() - startedAt,
		intervalRealMs: pollIntervalMs / clock.scale,
	};
}

async function waitCancel(): Promise<Cancellation> {
	clock.scale = 1;
	const source = new FakeJobs(Number.POSITIVE_INFINITY);
	const stopped = await abortMidway(60_000, (signal) =>
		waitForJobs(['job-1'], source, { pollIntervalMs: 60_000, maxWaitMs: 600_000, signal }),
	);
	return { ...stopped, calls: source.refreshes };
}

/** A fake execution context whose HTTP answers with `statuses` in turn, the last one forever, each with `headers`. */
function fakeApi(statuses: number[], headers: Record<string, string> = {}) {
	const requests: string[] = [];
	const context = (signal?: AbortSignal) =>
		({
			getNode: () => ({ id: 'compat', name: 'Compat', type: 'compat', typeVersion: 1, position: [0, 0], parameters: {} }),
			getCredentials: async () => ({ apiKey: 'key', baseUrl: 'http://api.test/v1' }),
			getExecutionCancelSignal: () => signal,
			helpers: {
				async httpRequestWithAuthentication(_credentialType: string, options: { method: string; url: string }) {
					requests.push(`${options.method} ${options.url}`);
					const statusCode = statuses[Math.min(requests.length, statuses.length) - 1];
					return { statusCode, headers, body: statusCode < 300 ? { id: 'thing-1' } : { message: 'busy' } };
				},
			},
		}) as unknown as ApiContext;
	const api: ApiDefinition = {
		label: 'Compat',
		credentialType: 'compatApi',
		defaultBaseUrl: 'http://api.test/v1',
		budget: () => budgetFor(`compat-${statuses.join('-')}`, 10, 1_000),
		describeError: (statusCode) => ({ message: `HTTP ${statusCode}` }),
	};
	return { context, api, requests };
}

async function retryToSuccess() {
	clock.scale = 1_000;
	const { context, api, requests } = fakeApi([429, 503, 200]);
	const response = await apiRequest(context(), api, { method: 'GET', path: '/things/thing-1' });
	return { statusCode: response.statusCode, body: response.body, requests };
}

async function retryCancel(): Promise<Cancellation> {
	// A 429 saying Retry-After: 60 is waited on for 60 s of real time at scale 1: the abort lands inside it.
	clock.scale = 1;
	const { context, api, requests } = fakeApi([429], { 'retry-after': '60' });
	const stopped = await abortMidway(60_000, (signal) => apiRequest(context(signal), api, { method: 'GET', path: '/things/thing-1' }));
	return { ...stopped, calls: requests.length };
}

async function probe(): Promise<ProbeReport> {
	return {
		version: require('n8n-workflow/package.json').version,
		missing: missingImports(),
		entries: await Promise.all(
			input.entries.map(async (entry) => ({ entry, ...(await attempt(() => instantiate(entry))) })),
		),
		wait: await attempt(waitTwoCycles),
		waitCancel: await waitCancel(),
		retry: await attempt(retryToSuccess),
		retryCancel: await retryCancel(),
	};
}

// Exit at once: a wait that ignored its cancellation would otherwise keep the process alive.
void probe().then((report) => process.send!(report, () => process.exit(0)));
