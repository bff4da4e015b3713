/**
 * Packs the package and installs the tarball into an n8n user folder, in the two ways a user gets it:
 *
 * - `installLikeN8n`: what n8n's own installer (Settings → Community Nodes → Install) does, read off
 *   CommunityPackagesService.downloadPackage (the same in n8n 1.123 and 2.41): unpack the tarball into
 *   `<n8n folder>/nodes/node_modules/<name>`, drop devDependencies, peerDependencies and
 *   optionalDependencies from its package.json, run `npm install` inside it with n8n's flags, and
 *   record it in `<n8n folder>/nodes/package.json`. (n8n then also records it in its database; that
 *   needs the package on the npm registry, so here n8n finds it in nodes/node_modules at start.)
 * - `installLikeDocs`: the manual install of n8n's docs, `npm install <package>` in ~/.n8n/nodes,
 *   with npm's defaults (install scripts on, peer dependencies installed unless optional).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACK_DIR, ROOT, cleanEnv, readPackageJson, runOrThrow } from './common';

/** `npm pack` of the project as it is (run `npm run build` first); returns the tarball's path. */
export async function packTarball(destDir = PACK_DIR): Promise<string> {
	rmSync(destDir, { recursive: true, force: true });
	mkdirSync(destDir, { recursive: true });
	const { stdout } = await runOrThrow('npm', ['pack', '--json', '--pack-destination', destDir], {
		cwd: ROOT,
		env: cleanEnv(),
	});
	const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
	const tarball = join(destDir, info.filename);
	if (!existsSync(tarball)) throw new Error(`npm pack did not write ${tarball}`);
	// dist/ is made by `npm run build`, which empties it first: a build running at the same time (in
	// another terminal) leaves a tarball n8n cannot load. Say so here, not as "Unrecognized node type".
	const { n8n } = readPackageJson();
	const packed = new Set(info.files.map((f) => f.path));
	const missing = [...n8n.nodes, ...n8n.credentials].filter((file) => !packed.has(file));
	if (missing.length) {
		throw new Error(`npm pack left out ${missing.join(', ')}: dist/ is incomplete (run npm run build; is another build running?)`);
	}
	return tarball;
}

/** n8n's own flags for `npm install` of a community package (n8n 1.123's NPM_INSTALL_ARGS; 2.41 passes the same). */
const N8N_NPM_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

function ensureNodesPackageJson(nodesDir: string): string {
	mkdirSync(nodesDir, { recursive: true });
	const file = join(nodesDir, 'package.json');
	// What n8n writes itself (CommunityPackagesService.ensurePackageJson).
	if (!existsSync(file)) {
		writeFileSync(file, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
	}
	return file;
}

/** Installs the tarball into `<n8nFolder>/nodes` the way n8n's Community Nodes installer does. */
export async function installLikeN8n(tarball: string, n8nFolder: string): Promise<string> {
	const { name } = readPackageJson();
	const nodesDir = join(n8nFolder, 'nodes');
	const nodesPackageJson = ensureNodesPackageJson(nodesDir);
	const packageDir = join(nodesDir, 'node_modules', name);
	rmSync(packageDir, { recursive: true, force: true });
	mkdirSync(packageDir, { recursive: true });
	await runOrThrow('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);

	const pkgFile = join(packageDir, 'package.json');
	// eslint-disable-next-line @typescript-eslint/no-unused-vars
	const { devDependencies, peerDependencies, optionalDependencies, ...packageJson } = JSON.parse(
		readFileSync(pkgFile, 'utf8'),
	) as Record<string, unknown>;
	writeFileSync(pkgFile, JSON.stringify(packageJson, null, 2));
	await runOrThrow('npm', ['install', ...N8N_NPM_INSTALL_ARGS], { cwd: packageDir, env: cleanEnv() });

	const nodes = JSON.parse(readFileSync(nodesPackageJson, 'utf8')) as { dependencies: Record<string, string> };
	nodes.dependencies = { ...nodes.dependencies, [name]: String(packageJson.version) };
	writeFileSync(nodesPackageJson, JSON.stringify(nodes, null, 2));
	return packageDir;
}

export interface DocsInstallResult {
	nodesDir: string;
	/** top-level entries of nodes/node_modules (scopes expanded), e.g. ['n8n-nodes-blipix-clipmix'] */
	installed: string[];
	npmOutput: string;
}

/**
 * `cd <n8nFolder>/nodes && npm install <tarball>`, as n8n's docs describe the manual install, with
 * the machine's own npm and Node and npm's defaults: nothing of the project's config leaks in.
 */
export async function installLikeDocs(tarball: string, n8nFolder: string): Promise<DocsInstallResult> {
	const nodesDir = join(n8nFolder, 'nodes');
	// The folder as n8n leaves it after its first start. Without a package.json here npm would
	// install into the nearest parent folder that has one: in a real home that is usually none,
	// but under this project it would be the project itself.
	ensureNodesPackageJson(nodesDir);
	const { stdout, stderr } = await runOrThrow('npm', ['install', tarball], { cwd: nodesDir, env: cleanEnv() });
	const modules = join(nodesDir, 'node_modules');
	if (!existsSync(modules)) throw new Error(`npm install in ${nodesDir} made no node_modules there:\n${stdout}${stderr}`);
	const installed: string[] = [];
	for (const entry of existsSync(modules) ? readdirSync(modules) : []) {
		if (entry.startsWith('.')) continue;
		if (entry.startsWith('@')) for (const sub of readdirSync(join(modules, entry))) installed.push(`${entry}/${sub}`);
		else installed.push(entry);
	}
	return { nodesDir, installed, npmOutput: `${stdout}${stderr}` };
}
