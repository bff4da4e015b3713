/**
 * n8n itself, installed on first use into .n8n-dev/runtime/ (git-ignored), never into the project's
 * node_modules: a folder with its own package.json (n8n + the npm package `node` for Node 22, and an
 * `xlsx` override) and its own .npmrc, since n8n needs install scripts (sqlite3, isolated-vm, the
 * `node` package itself) that the project's .npmrc turns off.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

import {
	N8N_VERSION,
	NODE_VERSION,
	RUNTIME_DIR,
	RUNTIME_OVERRIDES,
	cleanEnv,
	formatSeconds,
	type Log,
} from './common';

export interface Runtime {
	dir: string;
	/** Node 22, from the npm package `node` */
	nodeBin: string;
	/** n8n's bin script, run with nodeBin */
	n8nBin: string;
	n8nVersion: string;
	nodeVersion: string;
}

const MARKER = '.installed.json';
/** what `npm install` of n8n 1.123.81 adds here */
const APPROX_PACKAGES = '1,920';

function runtimePackageJson() {
	return {
		name: 'n8n-dev-runtime',
		private: true,
		description: 'n8n for npm run dev and npm run test:e2e; made by scripts/dev/runtime.ts, git-ignored',
		dependencies: { n8n: N8N_VERSION, node: NODE_VERSION },
		overrides: RUNTIME_OVERRIDES,
	};
}

const RUNTIME_NPMRC = [
	'# Made by scripts/dev/runtime.ts. n8n needs its install scripts (sqlite3, isolated-vm, the `node`',
	"# package); the project's .npmrc (ignore-scripts=true) is not read here, this folder has its own.",
	'ignore-scripts=false',
	'audit=false',
	'fund=false',
	'update-notifier=false',
	'',
].join('\n');

function runtimeOf(dir: string): Runtime {
	return {
		dir,
		nodeBin: join(dir, 'node_modules', '.bin', 'node'),
		n8nBin: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nVersion: N8N_VERSION,
		nodeVersion: NODE_VERSION,
	};
}

function isInstalled(dir: string): boolean {
	const marker = join(dir, MARKER);
	if (!existsSync(marker)) return false;
	try {
		const wanted = JSON.stringify(runtimePackageJson());
		const { packageJson } = JSON.parse(readFileSync(marker, 'utf8')) as { packageJson: string };
		const rt = runtimeOf(dir);
		return packageJson === wanted && existsSync(rt.nodeBin) && existsSync(rt.n8nBin);
	} catch {
		return false;
	}
}

/** Installs n8n into .n8n-dev/runtime/ unless it is there already; shows progress meanwhile. */
export async function ensureRuntime(log: Log, dir = RUNTIME_DIR): Promise<Runtime> {
	if (isInstalled(dir)) return runtimeOf(dir);

	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'package.json'), `${JSON.stringify(runtimePackageJson(), null, 2)}\n`);
	writeFileSync(join(dir, '.npmrc'), RUNTIME_NPMRC);
	log(`Installing n8n ${N8N_VERSION} and Node ${NODE_VERSION} into ${dir} (first use only;`);
	log(`about ${APPROX_PACKAGES} packages, 1.9 GB: 3 to 4 minutes, most of it npm unpacking and building sqlite3)…`);

	const startedAt = Date.now();
	const logFile = join(dir, 'install.log');
	writeFileSync(logFile, '');
	let fetched = 0;
	let lastLine = '';
	let output = '';
	const code = await new Promise<number | null>((resolvePromise, reject) => {
		const child = spawn('npm', ['install', '--no-audit', '--no-fund', '--loglevel=http'], {
			cwd: dir,
			env: cleanEnv(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const onData = (chunk: Buffer) => {
			const text = chunk.toString();
			output += text;
			if (output.length > 2_000_000) output = output.slice(-1_000_000);
			for (const line of text.split('\n')) {
				// a tarball fetched from the registry, or taken from the npm cache
				if (line.includes('.tgz') && (line.includes('http fetch GET 200') || line.includes('npm http cache'))) fetched++;
				else if (/^npm (error|ERR)/.test(line)) lastLine = line.trim();
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		const timer = setInterval(() => {
			const phase =
				fetched === 0
					? 'resolving the dependency tree'
					: existsSync(join(dir, 'node_modules', 'sqlite3', 'build'))
						? `${fetched.toLocaleString('en-US')} packages in, building native modules (sqlite3)`
						: `${fetched.toLocaleString('en-US')} of about ${APPROX_PACKAGES} packages fetched or taken from the npm cache`;
			log(`  … ${formatSeconds(Date.now() - startedAt)}: ${phase}${lastLine ? ` (${lastLine.slice(0, 100)})` : ''}`);
		}, 10_000);
		child.on('error', (err) => {
			clearInterval(timer);
			reject(err);
		});
		child.on('close', (c) => {
			clearInterval(timer);
			resolvePromise(c);
		});
	});
	writeFileSync(logFile, output);
	if (code !== 0) {
		throw new Error(
			`Installing n8n failed (npm exit ${String(code)}); the npm output is in ${logFile}:\n` +
				output.trim().split('\n').filter((l) => !l.includes('npm http')).slice(-25).join('\n'),
		);
	}
	const rt = runtimeOf(dir);
	if (!existsSync(rt.nodeBin) || !existsSync(rt.n8nBin)) {
		throw new Error(`npm finished but ${rt.nodeBin} or ${rt.n8nBin} is missing; see ${logFile}`);
	}
	writeFileSync(
		join(dir, MARKER),
		JSON.stringify({ packageJson: JSON.stringify(runtimePackageJson()), installedAt: new Date().toISOString() }),
	);
	log(`n8n installed in ${formatSeconds(Date.now() - startedAt)}.`);
	return rt;
}
