// npm run verify: offline, the checks n8n's verification runs on a community package
// (@n8n/scan-community-package), plus our lint with warnings counted as findings. The scanner's
// own CLI cannot run here: it downloads the published package and its provenance-attested source.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

// What the scanner's CLI lints in the downloaded tarball, not analyzePackage's default (which
// adds .ts and .json): shipped .d.ts files would only trip the .ts file-name rules.
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = [];

function report(step, problem) {
	const line = problem ? `FAIL  ${step}: ${problem}` : `PASS  ${step}`;
	results.push(line);
	console.log(`\n${line}\n`);
}

function run(command, args, options = {}) {
	return spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: 'inherit', ...options });
}

function lint() {
	const { status } = run('npm', ['run', 'lint', '--', '--max-warnings', '0']);
	report('lint (npm run lint, --max-warnings 0)', status === 0 ? null : 'findings above');
}

/** Builds and packs the package, then returns the unpacked tarball's directory, or null. */
function packAndCheck(tmp) {
	const step = 'pack (npm run build, npm pack, tarball contents)';
	// Build output is noise unless it failed.
	const build = run('npm', ['run', 'build'], { stdio: 'pipe' });
	if (build.status !== 0) {
		console.log(build.stdout, build.stderr);
		report(step, 'npm run build failed');
		return null;
	}
	const pack = run('npm', ['pack', '--json', '--pack-destination', tmp], { stdio: 'pipe' });
	if (pack.status !== 0) {
		console.log(pack.stderr);
		report(step, 'npm pack failed');
		return null;
	}
	const [{ filename, files }] = JSON.parse(pack.stdout);
	console.log(`${filename}, ${files.length} files:`);
	for (const file of files) console.log(`  ${String(file.size).padStart(8)}  ${file.path}`);

	// Unpacked the way the scanner unpacks a downloaded tarball.
	const packageDir = path.join(tmp, 'package');
	fs.mkdirSync(packageDir);
	const tarball = path.join(tmp, filename);
	const untar = run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
	if (untar.status !== 0) {
		report(step, 'could not unpack the tarball');
		return null;
	}

	const shipped = new Set(files.map((file) => file.path));
	const problems = [];
	const { main, n8n } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
	// Node resolves `main` as the file itself, with .js added, or as a folder's index.js.
	const mainCandidates = main ? [main, `${main}.js`, path.posix.join(main, 'index.js')] : [];
	if (main && !mainCandidates.some((p) => shipped.has(path.posix.normalize(p)))) {
		problems.push(`"main" is ${main}, which is not in the tarball`);
	}
	for (const file of [...(n8n?.nodes ?? []), ...(n8n?.credentials ?? [])]) {
		if (!shipped.has(file)) {
			problems.push(`${file} (package.json "n8n") is not in the tarball`);
			continue;
		}
		// n8n loads `icon: 'file:…'` (or `{ light: 'file:…', dark: 'file:…' }`) relative to the
		// compiled file; requiring at least one catches a pattern this search does not know.
		const source = fs.readFileSync(path.join(packageDir, file), 'utf8');
		const icons = [...source.matchAll(/['"`]file:([^'"`]+)['"`]/g)].map((m) =>
			path.posix.join(path.posix.dirname(file), m[1]),
		);
		if (icons.length === 0) problems.push(`${file} declares no icon`);
		for (const icon of icons) {
			if (!shipped.has(icon)) problems.push(`${file}: its icon ${icon} is not in the tarball`);
		}
	}
	for (const problem of problems) console.log(`  ${problem}`);
	report(step, problems.length ? `${problems.length} problem(s) above` : null);
	return packageDir;
}

async function scan(step, dir, patterns) {
	const result = await analyzePackage(dir, patterns);
	if (result.details) console.log(result.details);
	report(step, result.passed ? null : result.message);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-verify-'));
try {
	lint();
	const packageDir = packAndCheck(tmp);
	if (packageDir) await scan('scanner on the packed tarball', packageDir, TARBALL_FILE_PATTERNS);
	else report('scanner on the packed tarball', 'no tarball to scan');
	await scan('scanner on the source (SOURCE_FILE_PATTERNS)', root, SOURCE_FILE_PATTERNS);
} finally {
	fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`\nnpm run verify:\n${results.map((line) => `  ${line}`).join('\n')}`);
process.exitCode = results.some((line) => line.startsWith('FAIL')) ? 1 : 0;
