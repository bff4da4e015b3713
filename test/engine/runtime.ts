/**
 * Process-wide pieces of the in-process n8n engine: the DI container set-up (logger,
 * instance settings, binary data), per-run context for log capture, and shutdown.
 */
import './env';

import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { types } from 'node:util';

import { BinaryDataService, InstanceSettings } from 'n8n-core';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import type { LogMetadata } from 'n8n-workflow';
import { LoggerProxy } from 'n8n-workflow';

import { engineFilesDir, engineRoot } from './env';

export { engineFilesDir, engineRoot };

/**
 * n8n-core's own copies of its DI container and Logger class (not direct dependencies of
 * this package): resolved from n8n-core's folder, so the engine always registers services
 * in the very container n8n-core reads from, even if another copy gets installed elsewhere.
 */
const coreDir = dirname(require.resolve('n8n-core/package.json'));
function fromN8nCore<T>(id: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(require.resolve(id, { paths: [coreDir] })) as T;
}
export const { Container } = fromN8nCore<typeof import('@n8n/di')>('@n8n/di');
export const { Logger } = fromN8nCore<typeof import('@n8n/backend-common')>('@n8n/backend-common');
type Logger = InstanceType<typeof Logger>;

export type EngineLogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface EngineLogEntry {
	level: EngineLogLevel;
	message: string;
	metadata?: LogMetadata;
	/** The node that was executing when the message was logged, if any. */
	nodeName?: string;
}

/** What a single `runWorkflow`/`loadOptions`/`testCredential` call wants to capture. */
export interface RunScope {
	onLog?: (entry: EngineLogEntry) => void;
	currentNode?: string;
}

export const runScope = new AsyncLocalStorage<RunScope>();

const LEVELS: EngineLogLevel[] = ['error', 'warn', 'info', 'debug'];

/**
 * Console threshold for messages nobody captures: `N8N_ENGINE_LOG=debug|info|warn|error`.
 * Unset means silent, so intentionally failing nodes don't flood test output.
 */
function consoleThreshold(): number {
	const wanted = process.env.N8N_ENGINE_LOG as EngineLogLevel | undefined;
	return wanted ? LEVELS.indexOf(wanted) : -1;
}

function toConsole(level: EngineLogLevel, message: string, metadata?: LogMetadata): void {
	if (LEVELS.indexOf(level) > consoleThreshold()) return;
	const meta = metadata && Object.keys(metadata).length ? metadata : undefined;
	const line = `[n8n ${level}] ${message}`;
	if (meta) process.stderr.write(`${line} ${safeJson(meta)}\n`);
	else process.stderr.write(`${line}\n`);
}

function safeJson(value: unknown): string {
	try {
		return JSON.stringify(value);
	} catch {
		return String(value);
	}
}

/**
 * Stands in for `@n8n/backend-common`'s `Logger` in the DI container: this is what nodes get
 * as `this.logger` (and what n8n-core's services log through). Messages go to the calling
 * run's `onLog` (found via AsyncLocalStorage, so concurrent runs don't mix) or, when nothing
 * captures them, to stderr per `N8N_ENGINE_LOG`.
 */
class EngineLogger {
	constructor(private readonly scopes: string[] = []) {}

	scoped(scopes: string | string[]): EngineLogger {
		return new EngineLogger([...this.scopes, ...(Array.isArray(scopes) ? scopes : [scopes])]);
	}

	error(message: string, metadata?: LogMetadata): void {
		this.log('error', message, metadata);
	}

	warn(message: string, metadata?: LogMetadata): void {
		this.log('warn', message, metadata);
	}

	info(message: string, metadata?: LogMetadata): void {
		this.log('info', message, metadata);
	}

	debug(message: string, metadata?: LogMetadata): void {
		this.log('debug', message, metadata);
	}

	private log(level: EngineLogLevel, message: string, metadata?: LogMetadata): void {
		const scope = runScope.getStore();
		const meta = (this.scopes.length ? { ...metadata, scopes: this.scopes } : metadata) as LogMetadata;
		if (scope?.onLog) {
			scope.onLog({ level, message, metadata: meta, nodeName: scope.currentNode });
		} else {
			toConsole(level, message, meta);
		}
	}
}

/**
 * Under jest, test code runs in its own VM realm while Node's built-in modules throw errors
 * made by the main realm's Error, so `error instanceof Error` is false for an fs ENOENT.
 * n8n-core relies on that check (e.g. resolvePath() for a file that does not exist yet), so
 * let this realm's `instanceof Error` also accept native errors of another realm. A no-op
 * in a plain Node process, where both are the same.
 */
function acceptForeignNativeErrors(): void {
	try {
		readFileSync(`${engineRoot}/does-not-exist`);
	} catch (error) {
		if (error instanceof Error) return;
	}
	const ownHasInstance = Function.prototype[Symbol.hasInstance];
	Object.defineProperty(Error, Symbol.hasInstance, {
		configurable: true,
		value(this: unknown, instance: unknown): boolean {
			return ownHasInstance.call(this, instance) || (this === Error && types.isNativeError(instance));
		},
	});
}

let ready: Promise<void> | undefined;
let sshClientsManager: SSHClientsManager | undefined;

/**
 * Sets up n8n-core's DI container once per module registry. Idempotent; every public entry
 * point awaits it.
 */
export async function ensureEngine(): Promise<void> {
	if (shutDown) throw new Error('The n8n engine has been shut down (shutdownEngine)');
	ready ??= (async () => {
		acceptForeignNativeErrors();
		Container.set(Logger, new EngineLogger() as unknown as Logger);
		// The workflow engine's own chatter ("Start executing node ...") goes through
		// LoggerProxy; it is only ever printed (N8N_ENGINE_LOG), never sent to onLog.
		LoggerProxy.init({
			error: (m, meta) => toConsole('error', m, meta),
			warn: (m, meta) => toConsole('warn', m, meta),
			info: (m, meta) => toConsole('info', m, meta),
			debug: (m, meta) => toConsole('debug', m, meta),
		});

		const { n8nFolder } = Container.get(InstanceSettings);
		if (!n8nFolder.startsWith(engineRoot)) {
			throw new Error(
				`n8n-core's InstanceSettings were created before the engine set N8N_USER_FOLDER ` +
					`(user folder is ${n8nFolder}, expected under ${engineRoot}). Import the engine ` +
					'before anything that asks n8n-core\'s container for InstanceSettings.',
			);
		}

		// Memory mode by default (env.ts); init() also sets up the filesystem manager, which
		// binaryModes.ts switches to.
		await Container.get(BinaryDataService).init();

		// Every node execution context asks the container for the SSH tunnel manager, whose
		// constructor starts a 60 s cleanup interval. Create it now, and don't let its timer
		// keep the process alive; shutdownEngine() clears it.
		sshClientsManager = Container.get(SSHClientsManager);
		const timer = (sshClientsManager as unknown as { cleanupTimer?: NodeJS.Timeout }).cleanupTimer;
		timer?.unref();
	})();
	return await ready;
}

let shutDown = false;

// setup.ts calls this after each test file without importing (and so loading) the engine.
(globalThis as { __n8nEngineShutdown?: () => Promise<void> }).__n8nEngineShutdown = shutdownEngine;

// A script that never calls shutdownEngine() still leaves no temp folder behind.
process.once('exit', () => {
	if (!shutDown) rmSync(engineRoot, { recursive: true, force: true });
});

/**
 * Stops n8n-core's background timers and removes this registry's temp root. Call once when
 * done (jest: `test/engine/setup.ts` does it in `afterAll`; scripts: at the end).
 */
export async function shutdownEngine(): Promise<void> {
	if (shutDown) return;
	shutDown = true;
	if (ready) {
		await ready.catch(() => undefined);
	}
	sshClientsManager?.onShutdown();
	sshClientsManager = undefined;
	rmSync(engineRoot, { recursive: true, force: true });
}
