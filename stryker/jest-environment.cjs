/**
 * The jest test environment for `npm run mutate` (Stryker) only: jest's own `node` environment
 * (what jest.config.js uses), plus three things Stryker's jest runner does not do for this suite.
 *
 * In the initial test run (no active mutant), with Stryker's perTest coverage:
 * 1. Code run by a `beforeAll` counts as covered by the tests of that block. Stryker counts it as
 *    "static", and runs a static mutant with every test of the group: test/paid/soak.test.ts runs
 *    its whole soak in beforeAll, which made most of the transport static.
 * 2. It writes down which test files cover each mutant (COVERAGE_FILE, in the sandbox), for
 *    jest-sequencer.cjs: a mutant's run then loads only those files, not every file of the group.
 *
 * In a mutant's run:
 * 3. Bail: once one test has failed the mutant is killed, so every later test of that run is
 *    skipped (in this file and the run's later files). Stryker bails like this with its other test
 *    runners; its jest runner cannot (it forces jest's `bail` off). MUTATE_BAIL=0 turns it off.
 *
 * State lives in this module, which jest requires once per Stryker worker process; a new active
 * mutant id starts a new run.
 */
const { writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { TestEnvironment } = require('jest-environment-node');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
const COVERAGE_FILE = '.stryker-mutate-coverage.json';

let run = { mutant: undefined, failed: false };
/** Initial run: mutant id -> test files whose tests cover it. */
const filesByMutant = new Map();
/** Mutants Stryker counted as static in any file of the initial run. */
const staticMutants = new Set();

/** A test's id as Stryker's jest runner names it (and as jest matches --testNamePattern). */
function fullName(test) {
	const names = [];
	for (let block = test.parent; block?.parent; block = block.parent) names.unshift(block.name);
	return [...names, test.name].join(' ').trim();
}

function testsUnder(block) {
	return block.children.flatMap((child) => (child.type === 'test' ? [child] : testsUnder(child)));
}

class MutateEnvironment extends TestEnvironment {
	constructor(config, context) {
		super(config, context);
		const testPath = context.testPath;
		const rootDir = config.projectConfig.rootDir;
		const mutant = process.env[ACTIVE_MUTANT];
		if (mutant !== run.mutant) run = { mutant, failed: false };
		const bail = mutant !== undefined && process.env.MUTATE_BAIL !== '0';
		/** Stryker's instrumenter context; set by Stryker's own environment mixin, after this constructor. */
		const stryker = () => this.global[this.global.__strykerGlobalNamespace__ ?? '__stryker__'];
		const namesInFile = new Set();
		const beforeAll = new Map();

		this.recordCoverage = () => {
			const coverage = stryker()?.mutantCoverage;
			if (mutant !== undefined || !coverage) return;
			// Code run while this file loaded (a module's constants) is static: it counts for this file
			// too, or a static mutant would not be run against the file that imports its module.
			const hits = [...namesInFile].flatMap((name) => Object.keys(coverage.perTest[name] ?? {}));
			for (const id of Object.keys(coverage.static ?? {})) staticMutants.add(id);
			for (const id of [...hits, ...Object.keys(coverage.static ?? {})]) {
				filesByMutant.set(id, [...new Set([...(filesByMutant.get(id) ?? []), testPath])]);
			}
			const file = join(rootDir, COVERAGE_FILE);
			// Every file's static mutants, not only the last file's.
			const data = { static: [...staticMutants], files: Object.fromEntries(filesByMutant) };
			writeFileSync(`${file}.tmp`, JSON.stringify(data));
			renameSync(`${file}.tmp`, file);
		};

		// An arrow function: Stryker's coverage mixin calls it without `this`.
		this.handleTestEvent = (event, state) => {
			if (mutant === undefined) {
				const context = stryker();
				// The same object the instrumented code counts into (it creates it on first use).
				const coverage = context && (context.mutantCoverage ??= { static: {}, perTest: {} });
				if (event.name === 'test_start') namesInFile.add(fullName(event.test));
				if (!coverage) return;
				if (event.name === 'hook_start' && event.hook.type === 'beforeAll') {
					beforeAll.set(event.hook, coverage.static);
					coverage.static = {};
				}
				if ((event.name === 'hook_success' || event.name === 'hook_failure') && beforeAll.has(event.hook)) {
					const during = coverage.static;
					coverage.static = beforeAll.get(event.hook);
					beforeAll.delete(event.hook);
					const tests = testsUnder(event.hook.parent).filter((test) => test.mode !== 'skip' && test.mode !== 'todo');
					for (const target of tests.length ? tests.map((test) => (coverage.perTest[fullName(test)] ??= {})) : [coverage.static]) {
						for (const [id, hits] of Object.entries(during)) target[id] = (target[id] ?? 0) + hits;
					}
				}
				return;
			}
			if (!bail) return;
			// A file started after the failure: skip all of it, so its beforeAll hooks do not run either.
			if (event.name === 'run_start' && run.failed) for (const test of testsUnder(state.rootDescribeBlock)) test.mode = 'skip';
			// jest-circus reads `mode` right after dispatching test_start.
			if (event.name === 'test_start' && run.failed) event.test.mode = 'skip';
			if (event.name === 'test_done' && event.test.errors.length > 0) run.failed = true;
		};
	}

	async teardown() {
		this.recordCoverage();
		// A file whose tests were all skipped (bail) ran no afterAll, so test/engine/setup.ts did not
		// shut down the n8n engine its imports loaded; this worker process runs thousands of files.
		await this.global.__n8nEngineShutdown?.();
		await super.teardown();
	}
}

module.exports = MutateEnvironment;
module.exports.COVERAGE_FILE = COVERAGE_FILE;
