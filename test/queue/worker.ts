/**
 * `n8n worker --concurrency=N` from the e2e's n8n install, on its own user folder (for its logs:
 * n8n's event log lives in the user folder, and a main reading a worker's log can take that worker's
 * finished executions for crashed ones). The environment is scripts/dev's `n8nEnv` (offline, quiet,
 * the runtime's Node first on PATH) plus what queue mode needs; started in its own process group, so
 * stopping it takes its task runner along.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { cleanEnv, followOutput, formatSeconds, sleep, type Log } from '../../scripts/dev/common';
import { filesFolder, n8nEnv } from '../../scripts/dev/n8n';
import type { Runtime } from '../../scripts/dev/runtime';

export interface WorkerOptions {
	label: string;
	runtime: Runtime;
	userFolder: string;
	concurrency: number;
	/** N8N_PORT (unused by a worker unless its health server is on) and the task runner broker's port */
	port: number;
	brokerPort: number;
	env: Record<string, string>;
	/** the worker ran an execution (from its "Worker started execution N" line) */
	onExecution?: (executionId: string) => void;
	startTimeoutMs?: number;
}

export interface N8nWorker {
	label: string;
	pid: number;
	logFile: string;
	tail(): string;
	stop(timeoutMs?: number): Promise<void>;
	exited: Promise<number | null>;
}

export async function startWorker(opts: WorkerOptions, log: Log): Promise<N8nWorker> {
	mkdirSync(filesFolder(opts.userFolder), { recursive: true });
	const logFile = join(opts.userFolder, 'n8n.log');
	const logStream = createWriteStream(logFile, { flags: 'a' });
	const env = cleanEnv({ ...n8nEnv({ userFolder: opts.userFolder, port: opts.port, brokerPort: opts.brokerPort, runtime: opts.runtime }), ...opts.env });
	const child: ChildProcess = spawn(opts.runtime.nodeBin, [opts.runtime.n8nBin, 'worker', `--concurrency=${opts.concurrency}`], {
		cwd: opts.userFolder,
		env,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	if (!child.pid) throw new Error(`n8n worker ${opts.label} did not start`);
	const pid = child.pid;
	let ready = false;
	const output = followOutput(child, logStream, (line) => {
		if (line.includes('n8n worker is now ready')) ready = true;
		const started = /Worker started execution (\d+)/.exec(line);
		if (started) opts.onExecution?.(started[1]);
	});
	let exitCode: number | null | undefined;
	const exited = new Promise<number | null>((r) =>
		child.on('exit', (code) => {
			exitCode = code;
			logStream.end();
			r(code);
		}),
	);
	const killOnExit = () => {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			/* gone */
		}
	};
	process.on('exit', killOnExit);

	let stopping: Promise<void> | undefined;
	const worker: N8nWorker = {
		label: opts.label,
		pid,
		logFile,
		exited,
		tail: output.tail,
		stop(timeoutMs = 30_000) {
			stopping ??= (async () => {
				if (exitCode === undefined) {
					try {
						process.kill(pid, 'SIGTERM');
					} catch {
						/* gone */
					}
					const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
					if (!done) log(`worker ${opts.label} did not stop within ${formatSeconds(timeoutMs)}; killing it.`);
				}
				killOnExit();
				if (exitCode === undefined) await exited;
				process.off('exit', killOnExit);
			})();
			return stopping;
		},
	};

	const startedAt = Date.now();
	const timeout = opts.startTimeoutMs ?? 180_000;
	while (!ready) {
		if (exitCode !== undefined) throw new Error(`n8n worker ${opts.label} exited (code ${String(exitCode)}) while starting. Its last lines:\n${worker.tail()}`);
		if (Date.now() - startedAt > timeout) {
			await worker.stop(5000);
			throw new Error(`n8n worker ${opts.label} was not ready within ${formatSeconds(timeout)}. Its last lines:\n${worker.tail()}`);
		}
		await sleep(200);
	}
	return worker;
}
