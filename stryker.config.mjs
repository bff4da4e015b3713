// @ts-check
/**
 * StrykerJS configuration for `npm run mutate` (scripts/mutate.mjs): one group of modules per run,
 * chosen by the MUTATE_GROUP environment variable (see stryker/groups.mjs). Opt-in and slow: CI
 * and `npm test` never run it.
 */
import { GROUPS } from './stryker/groups.mjs';

const name = process.env.MUTATE_GROUP ?? '';
const group = GROUPS[name];
if (!group) {
	throw new Error(`MUTATE_GROUP must name a group (${Object.keys(GROUPS).join(', ')}); run it through npm run mutate`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
	testRunner: 'jest',
	checkers: ['typescript'],
	// The source's own tsconfig (nodes/ and credentials/, no tests): a mutant that does not compile
	// is rejected there, before any test runs.
	tsconfigFile: 'tsconfig.json',
	typescriptChecker: { prioritizePerformanceOverAccuracy: true },
	mutate: group.mutate,
	jest: {
		projectType: 'custom',
		// The project's own jest config (ts-jest, isolatedModules, setup and teardown), with only the
		// group's test files, and an environment and a sequencer that only Stryker's runs use
		// (see the header of each).
		configFile: 'jest.config.js',
		config: {
			testMatch: group.tests.map((file) => `<rootDir>/${file}`),
			testEnvironment: './stryker/jest-environment.cjs',
			testSequencer: './stryker/jest-sequencer.cjs',
		},
		// Related tests by import would be nearly every test file (the engine loads every node);
		// perTest coverage picks the tests that actually run each mutant.
		enableFindRelatedTests: false,
	},
	coverageAnalysis: 'perTest',
	// Two cores, shared with other work.
	concurrency: 1,
	// jest run in-process thousands of times keeps memory (about 1.5 MB a second here): a fresh
	// test runner process every 40 mutants costs a few seconds and keeps it under 1 GB.
	maxTestRunnerReuse: 40,
	// Tests run real HTTP on loopback and scaled time: leave room on a busy machine.
	timeoutFactor: 2,
	timeoutMS: 15_000,
	dryRunTimeoutMinutes: 20,
	incremental: true,
	incrementalFile: `stryker/incremental/${name}.json`,
	reporters: ['clear-text', 'progress', 'json', 'html'],
	jsonReporter: { fileName: `reports/mutation/${name}.json` },
	htmlReporter: { fileName: `reports/mutation/${name}.html` },
	clearTextReporter: { allowColor: false, reportTests: false, reportMutants: false, logTests: false },
	ignorePatterns: ['/dist', '/.build', '/.n8n-dev', '/demo-output', '/coverage', '/docs', '/reports', '/bench', '/.stryker-tmp*', '*.tgz', '*.log'],
	tempDirName: '.stryker-tmp',
	cleanTempDir: true,
};

export default config;
