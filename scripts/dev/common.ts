/**
 * Shared by `npm run dev` (scripts/dev/index.ts) and `npm run test:e2e` (test/e2e/run.ts):
 * paths, versions, logging and child processes.
 *
 * Everything the two commands create lives in `.n8n-dev/` (git-ignored):
 *
 *   .n8n-dev/runtime/     n8n 1.x and Node 22 (its own package.json, .npmrc and node_modules)
 *   .n8n-dev/runtime-2/   n8n 2.x and Node 24 (likewise)
 *   .n8n-dev/home/        N8N_USER_FOLDER of `npm run dev -- --n8n 1` (n8n's folder is .n8n-dev/home/.n8n)
 *   .n8n-dev/home-2/      N8N_USER_FOLDER of `npm run dev` (n8n 2.x, the default)
 *   .n8n-dev/e2e/         N8N_USER_FOLDER of `npm run test:e2e` on n8n 1.x, made afresh on every run
 *   .n8n-dev/e2e-2/       the same for n8n 2.x
 *   .n8n-dev/pack/        the tarball of the package, made by `npm pack`
 */
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root (this file runs from .build/scripts/dev/). */
export const ROOT = resolve(__dirname, '../../..');
export const DEV_DIR = join(ROOT, '.n8n-dev');
export const PACK_DIR = join(DEV_DIR, 'pack');

/** The n8n major versions `npm run dev` and `npm run test:e2e` can run (`--n8n 1|2`). */
export type N8nMajor = 1 | 2;
export const N8N_MAJORS: readonly N8nMajor[] = [1, 2];

export interface N8nRelease {
	major: N8nMajor;
	n8nVersion: string;
	/** the npm package `node` of this version provides the Node that runs this n8n */
	nodeVersion: string;
	/** the runtime folder: n8n, its Node and their node_modules */
	runtimeDir: string;
	/** npm `overrides` of the runtime's package.json */
	overrides: Record<string, string>;
	/**
	 * undefined: `npm install` runs every install script. A list: `npm install --ignore-scripts`, then
	 * `npm rebuild` of exactly these packages (the `node` package first: it fetches its own binary).
	 */
	rebuild?: string[];
	/** what a first install fetches (distinct package tarballs) and takes on disk, for the progress lines */
	approxTarballs: number;
	approxSize: string;
	approxMinutes: string;
}

/**
 * The n8n editors that run on this machine, where only the npm registry and Debian's packages are
 * reachable. n8n 1.123.81 runs under Node 22 (npm package `node@22`); its xlsx pin is a tarball outside
 * the registry, so it is overridden with 0.18.5, the last xlsx published there. n8n 2.41.1 is the newest
 * 2.x whose pinned dependencies are all on the registry; it needs Node >= 24 (`node@24`). Its install
 * scripts are off except for the `node` package and the native modules n8n loads
 * (@confluentinc/kafka-javascript's cannot build here, and nothing needs it; nor the others: ssh2's and
 * cpu-features' optional speedups, oracledb, @parcel/watcher, telemetry postinstalls).
 */
export const N8N_RELEASES: Record<N8nMajor, N8nRelease> = {
	1: {
		major: 1,
		n8nVersion: '1.123.81',
		nodeVersion: '22.23.3',
		runtimeDir: join(DEV_DIR, 'runtime'),
		overrides: { xlsx: '0.18.5' },
		approxTarballs: 1490,
		approxSize: '2.0 GB',
		approxMinutes: '3 to 4 minutes',
	},
	2: {
		major: 2,
		n8nVersion: '2.41.1',
		nodeVersion: '24.21.0',
		runtimeDir: join(DEV_DIR, 'runtime-2'),
		overrides: {},
		rebuild: ['node', 'isolated-vm', 'sqlite3', 'msgpackr-extract', '@sentry/node-cpu-profiler', '@sentry/node-native-stacktrace'],
		approxTarballs: 1890,
		approxSize: '2.8 GB',
		approxMinutes: '4 to 5 minutes',
	},
};

/** `--n8n 1`, `--n8n 2` (also `1.x`, `2.x`, or a full version of the table above). */
export function parseN8nMajor(value: string | undefined): N8nMajor {
	const v = String(value ?? '').trim().replace(/\.x$/, '');
	for (const major of N8N_MAJORS) {
		if (v === String(major) || v === N8N_RELEASES[major].n8nVersion) return major;
	}
	throw new Error(`--n8n takes 1 or 2 (n8n ${N8N_RELEASES[1].n8nVersion} or ${N8N_RELEASES[2].n8nVersion}), not "${String(value)}"`);
}

export interface PackageJson {
	name: string;
	version: string;
	n8n: { n8nNodesApiVersion: number; nodes: string[]; credentials: string[] };
	[key: string]: unknown;
}

export function readPackageJson(): PackageJson {
	return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
}

export type Log = (line: string) => void;

export function logger(prefix: string): Log {
	return (line: string) => process.stdout.write(`[${prefix}] ${line}\n`);
}

export function sleep(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}

export function formatSeconds(ms: number): string {
	const s = Math.round(ms / 1000);
	return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/**
 * The environment for npm and n8n child processes, without what `npm run` adds: npm exports the
 * project's config as npm_config_* variables (ignore-scripts=true among them), and those would
 * beat the runtime folder's own .npmrc.
 */
const KEEP_NPM_CONFIG = ['cache', 'registry', 'proxy', 'https_proxy', 'noproxy', 'cafile', 'strict_ssl', 'userconfig', 'globalconfig'];

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		const k = key.toLowerCase();
		// where npm reaches the registry is the user's, and stays; how it installs is not
		const keep = k.startsWith('npm_config_') && KEEP_NPM_CONFIG.includes(k.slice('npm_config_'.length));
		if (!keep && (k.startsWith('npm_') || k === 'init_cwd' || k === 'node_options' || k === 'node_env')) continue;
		env[key] = value;
	}
	return { ...env, ...extra };
}

export interface RunResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs a command to completion; output is collected (and echoed when `echo` is set). */
export function run(
	command: string,
	args: string[],
	options: SpawnOptions & { echo?: (line: string) => void } = {},
): Promise<RunResult> {
	return new Promise((resolvePromise, reject) => {
		const { echo, ...spawnOptions } = options;
		const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
		let stdout = '';
		let stderr = '';
		const onData = (which: 'out' | 'err') => (chunk: Buffer) => {
			const text = chunk.toString();
			if (which === 'out') stdout += text;
			else stderr += text;
			if (echo) for (const line of text.split('\n')) if (line.trim()) echo(line);
		};
		child.stdout?.on('data', onData('out'));
		child.stderr?.on('data', onData('err'));
		child.on('error', reject);
		child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
	});
}

export async function runOrThrow(
	command: string,
	args: string[],
	options: SpawnOptions & { echo?: (line: string) => void } = {},
): Promise<RunResult> {
	const result = await run(command, args, options);
	if (result.code !== 0) {
		const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-30).join('\n');
		throw new Error(`${command} ${args.join(' ')} failed (exit ${String(result.code)}):\n${tail}`);
	}
	return result;
}

/**
 * Follows a child n8n process's output: every byte into its log file, each non-empty line to
 * `onLine`. Returns `tail()`, the last lines it printed, for error messages.
 */
export function followOutput(
	child: { stdout?: NodeJS.ReadableStream | null; stderr?: NodeJS.ReadableStream | null },
	logStream: NodeJS.WritableStream,
	onLine: (line: string) => void,
): { tail: () => string } {
	const lines: string[] = [];
	const onData = (chunk: Buffer) => {
		logStream.write(chunk);
		for (const raw of chunk.toString().split('\n')) {
			const line = raw.trimEnd();
			if (!line.trim()) continue;
			lines.push(line);
			if (lines.length > 200) lines.shift();
			onLine(line);
		}
	};
	child.stdout?.on('data', onData);
	child.stderr?.on('data', onData);
	return { tail: () => lines.slice(-40).join('\n') };
}
