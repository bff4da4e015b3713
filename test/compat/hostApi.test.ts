/**
 * The built package against every n8n-workflow it must run on. The dev copy alone hid that
 * 2.34 removed `sleepWithAbort`: each host version is loaded in its own process, and the
 * package's waits and retries really run there.
 */
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

import { findHostImports, scanHostImports } from './hostImports';
import type { ProbeInput, ProbeReport } from './hostProbe';

/** The n8n-workflow versions users' n8n ship, installed under npm aliases (package.json). */
const HOSTS = [
	'n8n-workflow-1.120', // n8n 1.123
	'n8n-workflow', // the dev copy, 2.11
	'n8n-workflow-2.33', // the last minor with sleepWithAbort
	'n8n-workflow-2.41', // n8n 2.41
];

/**
 * A cancelled wait stops in a small share of the time it still had to go (a minute here): not when its
 * interval or back-off is over. A share, so that a busy machine's slower reaction cannot break it.
 */
const PROMPTLY_SHARE = 0.1;

/** n8n tells a cancelled execution from a failed one by "cancel" in the error's message. */
const CANCELLED = /cancel/i;

const projectDir = resolve(__dirname, '../..');
let workDir: string;
let scan: ReturnType<typeof findHostImports>;
const reports = new Map<string, ProbeReport | Error>();

function runProbe(probe: string, input: ProbeInput): Promise<ProbeReport> {
	return new Promise((resolvePromise, reject) => {
		const child = fork(probe, [JSON.stringify(input)], {
			execArgv: [],
			stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
			timeout: 20_000,
		});
		let output = '';
		let report: ProbeReport | undefined;
		child.stdout!.on('data', (chunk) => (output += chunk));
		child.stderr!.on('data', (chunk) => (output += chunk));
		child.on('message', (message) => (report = message as ProbeReport));
		child.on('error', reject);
		child.on('close', (code, signal) =>
			report
				? resolvePromise(report)
				: reject(new Error(`The probe for ${input.alias} ended (${signal ?? code}) without a report:\n${output}`)),
		);
	});
}

beforeAll(async () => {
	workDir = mkdtempSync(join(tmpdir(), 'compat-'));
	const buildDir = join(workDir, 'build');
	// Exactly what `npm run build` compiles, but into our own directory: dist/ belongs to other scripts.
	const tsc = require.resolve('typescript/bin/tsc');
	await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', buildDir], { cwd: projectDir }).catch(
		(error: { stdout: string }) => {
			throw new Error(`tsc -p tsconfig.json failed:\n${error.stdout}`);
		},
	);
	scan = findHostImports(buildDir);

	const probe = join(workDir, 'hostProbe.js');
	const probeSource = readFileSync(join(__dirname, 'hostProbe.ts'), 'utf8');
	const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
	writeFileSync(probe, ts.transpileModule(probeSource, { compilerOptions }).outputText);

	const { n8n } = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const entries = [...n8n.nodes, ...n8n.credentials].map((entry) => relative('dist', entry));
	await Promise.all(
		HOSTS.map(async (alias) => {
			const input: ProbeInput = { alias, projectDir, buildDir, entries, imports: scan.imports };
			reports.set(alias, await runProbe(probe, input).catch((error: Error) => error));
		}),
	);
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

test('the import scan reads each form tsc emits, and flags what it cannot check', () => {
	const js = [
		'const n8n_workflow_1 = require("n8n-workflow");',
		'const common = tslib_1.__importStar(require("n8n-workflow/common"));',
		'const { NodeApiError, sleep: hostSleep } = require("n8n-workflow");',
		'(0, n8n_workflow_1.updateDisplayOptions)({}, []); new n8n_workflow_1["NodeOperationError"](node, "x"); common.x;',
		'__exportStar(require("n8n-workflow"), exports);',
		'use(n8n_workflow_1);',
	].join('\n');
	expect(scanHostImports(js)).toEqual({
		imports: [
			{ specifier: 'n8n-workflow', name: 'updateDisplayOptions' },
			{ specifier: 'n8n-workflow', name: 'NodeOperationError' },
			{ specifier: 'n8n-workflow/common', name: 'x' },
			{ specifier: 'n8n-workflow', name: 'NodeApiError' },
			{ specifier: 'n8n-workflow', name: 'sleep' },
		],
		unrecognised: ['use(n8n_workflow_1);', '__exportStar(require("n8n-workflow"), exports);'],
	});
});

test('the built package uses n8n-workflow only in forms the scan can check', () => {
	expect(scan.unrecognised).toEqual([]);
	expect(scan.imports.length).toBeGreaterThan(0);
});

describe.each(HOSTS)('on %s', (alias) => {
	function report(): ProbeReport {
		const found = reports.get(alias);
		if (found instanceof Error) throw found;
		return found!;
	}

	test('provides every value the package imports', () => {
		const { version, missing } = report();
		const lacks = missing.map(
			({ specifier, name, files }) =>
				`n8n-workflow ${version} lacks ${specifier === 'n8n-workflow' ? name : `${name} (from ${specifier})`}, used by ${files.join(', ')}`,
		);
		expect(lacks).toEqual([]);
	});

	test('loads every node and credential, with its description', () => {
		expect(report().entries.filter((entry) => !entry.ok || entry.value.properties === 0)).toEqual([]);
	});

	test('waits on a job through two poll intervals until it is ready', () => {
		const { wait } = report();
		expect(wait).toEqual({ ok: true, value: expect.objectContaining({ result: 'ready', refreshes: 3 }) });
		// Both intervals were really slept (1 ms for Date.now()'s rounding).
		if (wait.ok) expect(wait.value.realMs).toBeGreaterThanOrEqual(2 * wait.value.intervalRealMs - 1);
	});

	test('stops a wait as soon as the execution is cancelled', () => {
		const { waitCancel } = report();
		expect(waitCancel.error).toMatch(CANCELLED);
		expect(waitCancel.msAfterAbort / waitCancel.msLeft).toBeLessThan(PROMPTLY_SHARE);
		expect(waitCancel.calls).toBe(1);
	});

	test('retries a GET through a 429 and a 503 to its answer', () => {
		expect(report().retry).toEqual({
			ok: true,
			value: { statusCode: 200, body: { id: 'thing-1' }, requests: Array(3).fill('GET http://api.test/v1/things/thing-1') },
		});
	});

	test('stops a retry back-off as soon as the execution is cancelled', () => {
		const { retryCancel } = report();
		expect(retryCancel.error).toMatch(CANCELLED);
		expect(retryCancel.msAfterAbort / retryCancel.msLeft).toBeLessThan(PROMPTLY_SHARE);
		expect(retryCancel.calls).toBe(1);
	});
});
