/**
 * Shared by `npm run dev` (scripts/dev/index.ts) and `npm run test:e2e` (test/e2e/run.ts):
 * paths, versions, logging and child processes.
 *
 * Everything the two commands create lives in `.n8n-dev/` (git-ignored):
 *
 *   .n8n-dev/runtime/   n8n itself and Node 22 (its own package.json, .npmrc and node_modules)
 *   .n8n-dev/home/      N8N_USER_FOLDER of `npm run dev` (so n8n's folder is .n8n-dev/home/.n8n)
 *   .n8n-dev/e2e/       N8N_USER_FOLDER of `npm run test:e2e`, made afresh on every run
 *   .n8n-dev/pack/      the tarball of the package, made by `npm pack`
 */
import { spawn } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The project root (this file runs from .build/scripts/dev/). */
export const ROOT = resolve(__dirname, '../../..');
export const DEV_DIR = join(ROOT, '.n8n-dev');
export const RUNTIME_DIR = join(DEV_DIR, 'runtime');
export const PACK_DIR = join(DEV_DIR, 'pack');

/**
 * The n8n editor that runs on this machine: n8n 1.x under Node 22 (the npm package `node`).
 * n8n 2.x wants Node 24, and some of its pinned dependencies are not on the registry here.
 */
export const N8N_VERSION = '1.123.81';
export const NODE_VERSION = '22.23.3';
/** xlsx's default tarball lives outside the npm registry; 0.18.5 is the last one published on it. */
export const RUNTIME_OVERRIDES = { xlsx: '0.18.5' };

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
