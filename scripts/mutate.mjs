#!/usr/bin/env node
/**
 * npm run mutate [-- [group ...] [options]]: StrykerJS mutation testing, one group of modules at a
 * time (stryker/groups.mjs), one after another, then the score of each group and overall.
 * Opt-in and slow (minutes per group on two cores): CI and `npm test` never run it.
 *
 *   npm run mutate                      every group, in the order of stryker/groups.mjs
 *   npm run mutate -- webhooks emitOnce those groups only
 *   npm run mutate -- --list            the groups: what each mutates, which test files it runs
 *   npm run mutate -- --force ...       test every mutant again, not only what changed since
 *                                       the incremental file (stryker/incremental/<group>.json)
 *   npm run mutate -- --summary         only print the scores of the last reports
 *
 * Incremental: each group's results are kept in stryker/incremental/<group>.json (committed), so
 * a run re-tests only the mutants whose code or covering tests changed.
 * Reports: reports/mutation/<group>.html and .json (not committed), and summary.md/summary.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { GROUPS } from '../stryker/groups.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportsDir = join(root, 'reports', 'mutation');
const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const named = args.filter((arg) => !arg.startsWith('--'));

const unknown = named.filter((name) => !GROUPS[name]);
if (unknown.length) {
	console.error(`Unknown group(s): ${unknown.join(', ')}. Groups: ${Object.keys(GROUPS).join(', ')}`);
	process.exit(2);
}
const known = new Set(['--list', '--force', '--summary']);
const strange = [...flags].filter((flag) => !known.has(flag));
if (strange.length) {
	console.error(`Unknown option(s): ${strange.join(', ')}. Options: ${[...known].join(', ')}`);
	process.exit(2);
}
const groups = named.length ? named : Object.keys(GROUPS);

if (flags.has('--list')) {
	for (const name of groups) {
		const group = GROUPS[name];
		console.log(`${name}: ${group.about}\n  mutates: ${group.mutate.join(', ')}\n  tests:   ${group.tests.join(', ')}\n`);
	}
	process.exit(0);
}

/** One Stryker run of one group; resolves with its exit code and how long it took. */
function runStryker(name) {
	const started = Date.now();
	const strykerArgs = ['run', 'stryker.config.mjs', ...(flags.has('--force') ? ['--force'] : [])];
	return new Promise((resolve) => {
		const child = spawn(process.execPath, [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), ...strykerArgs], {
			cwd: root,
			env: { ...process.env, MUTATE_GROUP: name },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let tail = '';
		const keep = (chunk) => (tail = (tail + chunk).slice(-20_000));
		child.stdout.on('data', (chunk) => (process.stdout.write(chunk), keep(chunk)));
		child.stderr.on('data', (chunk) => (process.stderr.write(chunk), keep(chunk)));
		child.on('close', (code) => resolve({ code: code ?? 1, seconds: (Date.now() - started) / 1000, tail }));
	});
}

const STATUSES = ['Killed', 'Survived', 'Timeout', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored'];

/**
 * Counts and survivors of a group's last JSON report, or else of its committed incremental file
 * (the same format), so a fresh clone's `--summary` shows the last recorded results.
 */
function summarize(name) {
	const file = [join(reportsDir, `${name}.json`), join(root, 'stryker', 'incremental', `${name}.json`)].find((path) => existsSync(path));
	if (!file) return undefined;
	const report = JSON.parse(readFileSync(file, 'utf8'));
	const counts = Object.fromEntries(STATUSES.map((status) => [status, 0]));
	const survivors = [];
	for (const [fileName, { source, mutants }] of Object.entries(report.files)) {
		const lines = source.split('\n');
		for (const mutant of mutants) {
			counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
			if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
			const { start, end } = mutant.location;
			const original =
				start.line === end.line
					? lines[start.line - 1].slice(start.column - 1, end.column - 1)
					: [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
			survivors.push({
				file: fileName,
				line: start.line,
				column: start.column,
				mutator: mutant.mutatorName,
				status: mutant.status,
				original,
				replacement: mutant.replacement ?? '',
			});
		}
	}
	survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
	return { counts, survivors, files: Object.keys(report.files) };
}

const detected = (c) => c.Killed + c.Timeout;
const valid = (c) => c.Killed + c.Timeout + c.Survived + c.NoCoverage;
const score = (c) => (valid(c) ? `${((100 * detected(c)) / valid(c)).toFixed(1)}%` : 'n/a');

function table(rows) {
	const header = ['group', 'killed', 'survived', 'timeout', 'no coverage', 'total', 'score', 'not compiled', 'survivors explained', 'wall time'];
	const total = Object.fromEntries(STATUSES.map((status) => [status, 0]));
	let explainedTotal = 0;
	const body = rows.map(({ name, counts: c, survivors, seconds }) => {
		for (const status of STATUSES) total[status] += c[status];
		const explained = survivors.filter((s) => s.why).length;
		explainedTotal += explained;
		return [name, c.Killed, c.Survived, c.Timeout, c.NoCoverage, valid(c), score(c), c.CompileError, `${explained} of ${survivors.length}`, seconds === undefined ? '' : `${Math.round(seconds / 60)} min`];
	});
	body.push(['**overall**', total.Killed, total.Survived, total.Timeout, total.NoCoverage, valid(total), score(total), total.CompileError, `${explainedTotal} of ${total.Survived + total.NoCoverage}`, '']);
	const lines = [header, header.map(() => '---'), ...body].map((row) => `| ${row.join(' | ')} |`);
	return lines.join('\n');
}

const oneLine = (text) => text.replace(/\s*\n\s*/g, ' ⏎ ');
/** Markdown inline code, also for text that holds backticks (template literals). */
const code = (text) => {
	const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
	return fence.length > 1 ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
};

const where = (s) => `${s.file}:${s.line}:${s.column}`;
const described = (s) => `${s.mutator}${s.status === 'NoCoverage' ? ' (no coverage)' : ''}: ${code(oneLine(s.original))} → ${code(oneLine(s.replacement))}`;

/**
 * The survivors accepted in stryker/explained.md, one line each: `- file:line:column <as listed> — why`.
 * A line matches a survivor by file and text; the line number only picks between equal texts, so
 * an explanation outlives edits elsewhere in the file.
 */
function explanations() {
	const file = join(root, 'stryker', 'explained.md');
	if (!existsSync(file)) return [];
	return readFileSync(file, 'utf8')
		.split('\n')
		.map((text) => text.match(/^- ([^\s:]+):(\d+):\d+ (.*)$/))
		.filter(Boolean)
		.map(([, path, line, rest]) => ({ path, line: Number(line), rest }));
}

function explain(survivors, accepted, unused = [...accepted]) {
	const take = (s, sameLine) => {
		const prefix = `${described(s)} — `;
		const index = unused.findIndex((a) => a.path === s.file && (!sameLine || a.line === s.line) && a.rest.startsWith(prefix));
		return index < 0 ? undefined : unused.splice(index, 1)[0].rest.slice(prefix.length);
	};
	// Same line first, so a twin whose line moved cannot take another's explanation.
	const onTheLine = survivors.map((s) => take(s, true));
	return survivors.map((s, i) => ({ ...s, why: onTheLine[i] ?? take(s, false) }));
}

function survivorList(name, survivors) {
	if (!survivors.length) return `### ${name}\n\nNone.\n`;
	const open = survivors.filter((s) => !s.why);
	const rows = (list, withWhy) => list.map((s) => `- ${where(s)} ${described(s)}${withWhy ? ` — ${s.why}` : ''}`).join('\n');
	return [
		`### ${name}\n`,
		`Not explained (${open.length}):\n\n${open.length ? rows(open, false) : 'None.'}\n`,
		`Explained in stryker/explained.md (${survivors.length - open.length}):\n\n${rows(survivors.filter((s) => s.why), true) || 'None.'}\n`,
	].join('\n');
}

/**
 * Stryker reuses a survivor when none of the tests that cover it changed, but a static mutant (in
 * code run when its module loads: a constant, a regular expression) has no covering tests on
 * record, so a test added for it later is never tried: it would stay "survived" for good. Such
 * survivors are dropped from the incremental file before each run, so Stryker tests them again.
 */
function forgetStaticSurvivors(name) {
	const file = join(root, 'stryker', 'incremental', `${name}.json`);
	if (!existsSync(file)) return;
	const report = JSON.parse(readFileSync(file, 'utf8'));
	for (const entry of Object.values(report.files)) {
		entry.mutants = entry.mutants.filter((mutant) => !(mutant.static && (mutant.status === 'Survived' || mutant.status === 'NoCoverage')));
	}
	writeFileSync(file, JSON.stringify(report));
}

const runs = [];
const previous = existsSync(join(reportsDir, 'summary.json')) ? JSON.parse(readFileSync(join(reportsDir, 'summary.json'), 'utf8')) : {};
for (const name of groups) {
	if (flags.has('--summary')) break;
	console.log(`\n=== npm run mutate: group "${name}" (${GROUPS[name].about}) ===\n`);
	forgetStaticSurvivors(name);
	let result;
	// The initial test run fails now and then on a busy machine: a few tests assert real-time
	// margins of a few milliseconds (see MUTATION.md). Such a run tested no mutant: try again.
	for (let attempt = 1; attempt <= 3; attempt++) {
		result = await runStryker(name);
		if (result.code === 0 || !/failed tests in the initial test run/.test(result.tail)) break;
		console.log(`\n=== group "${name}": a test failed in the initial test run (attempt ${attempt} of 3); trying again ===\n`);
	}
	if (result.code !== 0) {
		console.error(`\n=== group "${name}": Stryker exited with ${result.code} ===`);
		process.exitCode = 1;
		continue;
	}
	// The incremental file is committed: it should not name this machine's checkout.
	const incremental = join(root, 'stryker', 'incremental', `${name}.json`);
	if (existsSync(incremental)) {
		const report = JSON.parse(readFileSync(incremental, 'utf8'));
		writeFileSync(incremental, JSON.stringify({ ...report, projectRoot: '.' }));
	}
	previous[name] = { seconds: result.seconds, at: new Date().toISOString() };
	runs.push(name);
}

mkdirSync(reportsDir, { recursive: true });
const accepted = explanations();
const unmatched = [...accepted];
const rows = groups
	.map((name) => ({ name, summary: summarize(name), seconds: previous[name]?.seconds }))
	.filter(({ summary }) => summary)
	.map(({ name, summary, seconds }) => ({ name, counts: summary.counts, survivors: explain(summary.survivors, accepted, unmatched), files: summary.files, seconds }));
// An explanation whose mutant is gone (killed since, or its code changed) should go too.
const summarized = new Set(rows.flatMap(({ files }) => files));
const stale = unmatched.filter((a) => summarized.has(a.path));
writeFileSync(join(reportsDir, 'summary.json'), JSON.stringify(previous, null, 2));
const markdown = [
	`## Scores\n\n${table(rows)}\n\nscore = (killed + timeout) / total; total = killed + survived + timeout + no coverage; "not compiled": mutants the TypeScript checker rejected (not counted); "survivors explained": survived or not covered, with a reason in stryker/explained.md.\n`,
	`## Surviving mutants\n`,
	...rows.map(({ name, survivors }) => survivorList(name, survivors)),
].join('\n');
writeFileSync(join(reportsDir, 'summary.md'), markdown);
console.log(`\n${table(rows)}\n\nSurvivors per group: reports/mutation/summary.md; reports: reports/mutation/<group>.html`);
if (stale.length) console.log(`\nLines of stryker/explained.md that match no survivor any more (remove them):\n${stale.map((a) => `- ${a.path}:${a.line} ${a.rest.slice(0, 100)}`).join('\n')}`);
if (runs.length < groups.length && !flags.has('--summary')) console.log(`Ran: ${runs.join(', ') || 'none'}`);
