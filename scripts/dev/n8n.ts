/**
 * Starting and stopping a real n8n (1.x from .n8n-dev/runtime under Node 22, 2.x from
 * .n8n-dev/runtime-2 under Node 24), and talking to it through the REST API its editor uses
 * (`/rest/...`, cookie auth). The REST calls used here (owner setup, login, credentials, workflows,
 * `POST /rest/workflows/:id/activate`, `/run`, executions) are the same on 1.123 and 2.41.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { cleanEnv, followOutput, formatSeconds, sleep, type Log } from './common';
import type { Runtime } from './runtime';

export interface N8nOptions {
	runtime: Runtime;
	/** N8N_USER_FOLDER: n8n keeps its data in `<userFolder>/.n8n` */
	userFolder: string;
	port: number;
	/** task runner broker port (n8n's default 5679) */
	brokerPort: number;
	/** every line n8n prints goes here as well */
	logFile: string;
	/** lines worth showing (migrations and the like are left out) */
	onLine?: (line: string) => void;
	/**
	 * n8n's working directory; default the user folder. A user's n8n runs wherever they typed `n8n`
	 * (or their service manager's folder), which is not necessarily their home: test:e2e runs it
	 * elsewhere, so that nothing passes only because the working directory is the home.
	 */
	cwd?: string;
	/** extra environment (N8N_DEFAULT_BINARY_DATA_MODE among others: unset, n8n picks its own default) */
	env?: Record<string, string>;
	/** how long to wait for the REST API, default 180 s */
	startTimeoutMs?: number;
}

export interface N8nInstance {
	url: string;
	child: ChildProcess;
	/** the last lines n8n printed (for error messages) */
	tail(): string;
	/** SIGTERM, wait for n8n's own graceful shutdown, SIGKILL after `timeoutMs`. Idempotent. */
	stop(timeoutMs?: number): Promise<void>;
	exited: Promise<number | null>;
}

/**
 * The folder nodes may read and write files in: `<user folder>/.n8n-files`. n8n 2.x allows only
 * `~/.n8n-files` by default (N8N_RESTRICT_FILE_ACCESS_TO, `~` being the OS home), so n8n runs here with
 * HOME set to the user folder: 2.x's default then means this folder, and nothing lands in the real
 * home. n8n 1.x restricts nothing by default and does not expand `~`; it gets this folder explicitly.
 * n8n does not create the folder; startN8n does. Read/Write Files resolves a relative path against
 * n8n's working directory (not the home), so the examples write to this folder's absolute path.
 */
export function filesFolder(userFolder: string): string {
	return join(userFolder, '.n8n-files');
}

/** N8N_DEFAULT_BINARY_DATA_MODE's values this harness speaks of; `default` keeps binary data in memory. */
export type BinaryDataMode = 'default' | 'filesystem' | 'database' | 's3';

/**
 * What n8n uses when N8N_DEFAULT_BINARY_DATA_MODE is unset: 1.x keeps binary data in memory
 * (`default`, in the execution data) in regular and queue mode; 2.x writes it to disk (`filesystem`,
 * under `~/.n8n/storage`), in queue mode to the database (BinaryDataConfig, n8n-core 2.41).
 */
export function defaultBinaryDataMode(major: 1 | 2, queue = false): BinaryDataMode {
	if (major === 1) return 'default';
	return queue ? 'database' : 'filesystem';
}

/** A binary data mode in words, for log lines and summaries. */
export function describeBinaryDataMode(mode: string): string {
	return mode === 'default' ? 'default (in memory)' : mode;
}

/** The environment that keeps n8n offline, quiet and local. */
export function n8nEnv(opts: Pick<N8nOptions, 'userFolder' | 'port' | 'brokerPort' | 'runtime'>): Record<string, string> {
	const url = `http://localhost:${opts.port}/`;
	const common: Record<string, string> = {
		N8N_USER_FOLDER: opts.userFolder,
		// the user folder stands in for the home folder (see filesFolder)
		HOME: opts.userFolder,
		N8N_PORT: String(opts.port),
		N8N_HOST: 'localhost',
		N8N_PROTOCOL: 'http',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_EDITOR_BASE_URL: url,
		// offline and quiet: no telemetry, surveys, version checks, templates or banners
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_ONBOARDING_FLOW_DISABLED: 'true',
		N8N_AI_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_DEV_RELOAD: 'false',
		// community packages: loaded from <user folder>/.n8n/nodes
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		// task runners (on by default in 2.x) and 2.x's security defaults, on both versions
		N8N_RUNNERS_BROKER_PORT: String(opts.brokerPort),
		DB_SQLITE_POOL_SIZE: '2',
		N8N_BLOCK_ENV_ACCESS_IN_NODE: 'true',
		N8N_GIT_NODE_DISABLE_BARE_REPOS: 'true',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		// N8N_DEFAULT_BINARY_DATA_MODE is not set here: each command chooses (npm run dev sets filesystem,
		// test:e2e and test:queue leave n8n's own default, plus an explicit database pass)
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		// the simulator is on loopback; never send it through a proxy
		NO_PROXY: '127.0.0.1,localhost,::1',
		no_proxy: '127.0.0.1,localhost,::1',
		// this runtime's Node (22 or 24) first on PATH, for n8n and the task runner it starts
		PATH: `${join(opts.runtime.dir, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
	};
	if (opts.runtime.major === 1) {
		return {
			...common,
			WEBHOOK_URL: url,
			// settles n8n 1.x's deprecation notice the way 2.x defaults are
			N8N_RUNNERS_ENABLED: 'true',
			// 2.x's default (`~/.n8n-files`), spelt out: 1.x restricts nothing unless told
			N8N_RESTRICT_FILE_ACCESS_TO: filesFolder(opts.userFolder),
		};
	}
	return {
		...common,
		// 2.x reads N8N_WEBHOOK_URL (WEBHOOK_URL still works, with a deprecation notice)
		N8N_WEBHOOK_URL: url,
		// offline: no vetted-community-nodes list and no MCP server registry from api.n8n.io
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_DISABLED_MODULES: 'mcp-registry',
		// defaults 2.41 warns will change; set to today's values to keep its log quiet
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_RUNNERS_TASK_TIMEOUT: '300',
		N8N_COMPRESSION_NODE_MAX_DECOMPRESSED_SIZE_BYTES: String(2 * 1024 ** 3),
		N8N_COMPRESSION_NODE_MAX_ZIP_ENTRIES: '5000',
	};
}

const QUIET = [
	/^Starting migration /,
	/^Finished migration /,
	/^\[MoveSshKeysToDatabase/,
	/^\[license SDK\]/,
	/^Migrations in progress/,
];

export async function startN8n(opts: N8nOptions, log: Log): Promise<N8nInstance> {
	mkdirSync(opts.userFolder, { recursive: true });
	mkdirSync(filesFolder(opts.userFolder), { recursive: true });
	mkdirSync(dirname(opts.logFile), { recursive: true });
	const logStream = createWriteStream(opts.logFile, { flags: 'a' });
	const url = `http://127.0.0.1:${opts.port}`;

	const env = cleanEnv({ ...n8nEnv(opts), ...(opts.env ?? {}) });
	if (opts.cwd) mkdirSync(opts.cwd, { recursive: true });
	const child = spawn(opts.runtime.nodeBin, [opts.runtime.n8nBin, 'start'], {
		cwd: opts.cwd ?? opts.userFolder,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		// its own process group: Ctrl-C reaches only us, and we stop n8n once, in order
		detached: true,
	});
	let migrations = 0;
	const output = followOutput(child, logStream, (line) => {
		if (/^Finished migration /.test(line)) migrations++;
		if (!QUIET.some((re) => re.test(line))) opts.onLine?.(line);
	});

	const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
	let exitCode: number | null | undefined;
	void exited.then((c) => {
		exitCode = c;
		logStream.end();
	});
	// If this process dies without stopping n8n (an uncaught error), take n8n down with it.
	const killOnExit = () => {
		if (exitCode === undefined && child.pid) {
			try {
				process.kill(-child.pid, 'SIGKILL');
			} catch {
				/* already gone */
			}
		}
	};
	process.on('exit', killOnExit);

	let stopping: Promise<void> | undefined;
	const instance: N8nInstance = {
		url,
		child,
		exited,
		tail: output.tail,
		stop(timeoutMs = 30_000) {
			stopping ??= (async () => {
				if (exitCode === undefined && child.pid) {
					try {
						process.kill(child.pid, 'SIGTERM');
					} catch {
						/* already gone */
					}
					const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
					if (!done) {
						log(`n8n did not stop within ${formatSeconds(timeoutMs)}; killing it.`);
						try {
							process.kill(-child.pid, 'SIGKILL');
						} catch {
							/* gone */
						}
						await exited;
					}
				}
				// the task runner and anything else n8n started, in its process group
				try {
					if (child.pid) process.kill(-child.pid, 'SIGKILL');
				} catch {
					/* nothing left */
				}
				process.off('exit', killOnExit);
			})();
			return stopping;
		},
	};

	const startedAt = Date.now();
	const timeout = opts.startTimeoutMs ?? 180_000;
	let lastReport = startedAt;
	for (;;) {
		if (exitCode !== undefined) {
			throw new Error(`n8n exited (code ${String(exitCode)}) while starting. Its last lines:\n${instance.tail()}`);
		}
		try {
			// While it migrates its database, n8n already answers every path with a "starting" page.
			const res = await fetch(`${url}/rest/settings`);
			const body = res.ok ? ((await res.json().catch(() => undefined)) as { data?: { userManagement?: unknown } } | undefined) : undefined;
			if (body?.data?.userManagement) break;
		} catch {
			/* not listening yet */
		}
		if (Date.now() - startedAt > timeout) {
			await instance.stop();
			throw new Error(`n8n did not answer on ${url} within ${formatSeconds(timeout)}. Its last lines:\n${instance.tail()}`);
		}
		if (Date.now() - lastReport > 10_000) {
			lastReport = Date.now();
			log(`  … n8n starting, ${formatSeconds(Date.now() - startedAt)}${migrations ? ` (${migrations} database migrations done)` : ''}`);
		}
		await sleep(300);
	}
	log(`n8n is up in ${formatSeconds(Date.now() - startedAt)}${migrations ? ` (first start: ${migrations} database migrations)` : ''}.`);
	return instance;
}

/** Sent as `browser-id` on every REST call: n8n binds its auth cookie to the one sent at login. */
export const BROWSER_ID = 'n8n-nodes-blipix-clipmix-dev';

export class RestError extends Error {
	constructor(
		readonly status: number,
		readonly body: string,
		what: string,
	) {
		super(`${what} → HTTP ${status}: ${body.slice(0, 500)}`);
	}
}

export interface Owner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

/** n8n's internal REST API (what the editor calls), with the auth cookie of one user. */
export class N8nRest {
	private cookie = '';

	constructor(readonly baseUrl: string) {}

	async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const res = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers: {
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...(this.cookie ? { cookie: this.cookie } : {}),
				'browser-id': BROWSER_ID,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = res.headers.getSetCookie?.() ?? [];
		for (const c of setCookie) {
			const m = /^n8n-auth=([^;]*)/.exec(c);
			if (m) this.cookie = `n8n-auth=${m[1]}`;
		}
		const text = await res.text();
		if (!res.ok) throw new RestError(res.status, text, `${method} ${path}`);
		if (!text) return undefined as T;
		const json = JSON.parse(text) as { data?: T };
		return (json && typeof json === 'object' && 'data' in json ? json.data : json) as T;
	}

	get authCookie(): string {
		return this.cookie;
	}

	/**
	 * The binary data mode n8n runs with, as its editor is told (`/rest/settings`, the same on 1.123 and
	 * 2.41). Sign in first: before that, 2.x answers only its public settings, without it.
	 */
	async binaryDataMode(): Promise<string> {
		const settings = await this.request<{ binaryDataMode?: string }>('GET', '/rest/settings');
		if (!settings.binaryDataMode) throw new Error('/rest/settings has no binaryDataMode');
		return settings.binaryDataMode;
	}

	/** Sets the owner account up on a fresh n8n, or logs in as it; returns whether it was new. */
	async setupOrLogin(owner: Owner): Promise<boolean> {
		const settings = await this.request<{ userManagement: { showSetupOnFirstLoad?: boolean } }>('GET', '/rest/settings');
		if (settings.userManagement.showSetupOnFirstLoad) {
			await this.request('POST', '/rest/owner/setup', owner);
			return true;
		}
		await this.request('POST', '/rest/login', { emailOrLdapLoginId: owner.email, password: owner.password });
		return false;
	}
}
