/**
 * The groups `npm run mutate` knows: what each mutates, and which jest test files run against it.
 * See MUTATION.md for how the test files were chosen.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * The jest files that run our nodes in the engine. Left out: the simulator's own tests, the engine's
 * self-test and the host-API probe (it runs built code in child processes, where no mutant is
 * active): none of them loads a mutated module in the jest process.
 */
const NOT_OUR_CODE = [/^test\/simulator\//, /^test\/engine\/engine\.test\.ts$/, /^test\/compat\//];
const ENGINE_TESTS = readdirSync(new URL('../test', import.meta.url), { recursive: true })
	.map((file) => `test/${file}`)
	.filter((file) => file.endsWith('.test.ts') && !NOT_OUR_CODE.some((pattern) => pattern.test(file)))
	.sort();

const lines = (file) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8').split('\n');

function lineOf(file, text, start) {
	const index = lines(file).findIndex((line, i) => i >= start && line.includes(text));
	if (index < 0) throw new Error(`stryker/groups.mjs: "${text}" is not in ${file} any more; update the group`);
	return index;
}

/**
 * `file:first-last` for the function, method or object literal whose first line contains `text`:
 * it ends at the first later line that closes it at the same indentation. Found by text, not by
 * line number, so edits elsewhere in the file do not move it.
 */
function block(file, text) {
	const all = lines(file);
	const first = lineOf(file, text, 0);
	const indent = all[first].match(/^\s*/)[0];
	const last = all.findIndex((line, i) => i > first && line.startsWith(`${indent}}`));
	if (last < 0) throw new Error(`stryker/groups.mjs: no end for "${text}" in ${file}`);
	return `${file}:${first + 1}-${last + 1}`;
}

/** `file:first-last` for the statement that starts on the line containing `text` and ends with `;`. */
function statement(file, text) {
	const all = lines(file);
	const first = lineOf(file, text, 0);
	const last = all.findIndex((line, i) => i >= first && line.trimEnd().endsWith(';'));
	return `${file}:${first + 1}-${last + 1}`;
}

export const GROUPS = {
	transport: {
		about: 'transport: requests, retries, pacing hand-off, reading error bodies',
		mutate: ['nodes/shared/transport/apiRequest.ts', 'nodes/shared/transport/errorBody.ts'],
	},
	apiTransport: {
		about: 'each API on the transport: credentials, base URL, its errors in words',
		mutate: ['nodes/shared/blipix/transport.ts', 'nodes/shared/clipmix/transport.ts'],
	},
	pacing: {
		about: 'pacing: the request budget per API key (rate limits, shared keys)',
		mutate: ['nodes/shared/transport/requestBudget.ts'],
	},
	downloads: {
		about: 'downloads: streamed into binary data, size limits, redirects, credentials kept to the API',
		mutate: ['nodes/shared/download.ts'],
	},
	urlPolicy: {
		about: 'the URL policy: which addresses a download may reach',
		mutate: ['nodes/shared/urlPolicy.ts'],
	},
	emitOnce: {
		about: 'the emit-once store',
		mutate: ['nodes/shared/emitOnce.ts'],
	},
	webhooks: {
		about: "the ClipMix Trigger's webhook checks",
		mutate: ['nodes/shared/clipmix/webhooks.ts'],
	},
	create: {
		about: 'Blipix create and recovery of a create that got no answer',
		mutate: ['nodes/shared/blipix/create.ts'],
	},
	waiting: {
		about: 'waiting: the job wait and the poller',
		mutate: ['nodes/shared/jobWait.ts', 'nodes/shared/poller.ts'],
	},
	videoEvents: {
		about: "the Blipix Trigger's video events (cursor)",
		mutate: ['nodes/BlipixTrigger/videoEvents.ts'],
	},
	idempotency: {
		about: 'the ClipMix Idempotency-Key: derived per item, sent with the create, shared keys refused',
		mutate: [
			block('nodes/shared/clipmix/jobs.ts', 'export function idempotencyKeyFor('),
			block('nodes/shared/clipmix/jobs.ts', 'export async function createJob('),
			block('nodes/ClipMix/actions/serviceResource.ts', 'function canonicalJson('),
			block('nodes/ClipMix/actions/serviceResource.ts', 'function readCreate('),
			block('nodes/ClipMix/actions/serviceResource.ts', 'async prepare('),
			block('nodes/ClipMix/actions/serviceResource.ts', 'async execute(this: IExecuteFunctions, itemIndex: number, clashing'),
		],
	},
	credentials: {
		about: "the credentials' authenticate (Bearer header; ClipMix refuses a key without its prefix)",
		mutate: [
			block('credentials/common.ts', 'export const bearerAuthentication'),
			statement('credentials/ClipMixApi.credentials.ts', 'const WRONG_PREFIX ='),
			block('credentials/ClipMixApi.credentials.ts', 'async authenticate('),
		],
	},
};

/**
 * The test files a group's run loads: every engine test file, except those the group's last run
 * (its committed incremental file) showed to cover none of its mutants and that have not changed
 * since. Stryker's perTest coverage then runs, per mutant, only the tests that cover it; skipping the
 * files that cover nothing only shortens the initial test run. A new or edited test file is always
 * loaded, so no test is left out because the list went stale. (A static mutant, in code run when the
 * module loads, runs against every loaded file: a skipped file ran none of the module's functions
 * and killed none of its static mutants last time.)
 */
function testsFor(name) {
	const file = new URL(`incremental/${name}.json`, import.meta.url);
	if (!existsSync(file)) return ENGINE_TESTS;
	const last = JSON.parse(readFileSync(file, 'utf8'));
	const fileOfTest = new Map();
	for (const [path, { tests }] of Object.entries(last.testFiles ?? {})) for (const test of tests) fileOfTest.set(test.id, path);
	const covering = new Set();
	for (const { mutants } of Object.values(last.files)) {
		for (const mutant of mutants) {
			for (const id of [...(mutant.coveredBy ?? []), ...(mutant.killedBy ?? [])]) covering.add(fileOfTest.get(id));
		}
	}
	const unchanged = (path) => last.testFiles?.[path]?.source === readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
	return ENGINE_TESTS.filter((path) => covering.has(path) || !unchanged(path));
}

for (const [name, group] of Object.entries(GROUPS)) group.tests = testsFor(name);
