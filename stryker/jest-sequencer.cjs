/**
 * The jest test sequencer for `npm run mutate` (Stryker) only: in a mutant's run, only the test
 * files whose tests cover that mutant, as jest-environment.cjs wrote them down in the initial run.
 *
 * Stryker's jest runner narrows a mutant's run to the covering tests by name (--testNamePattern),
 * but jest still loads every test file of the group to find those names, which costs a second or
 * more per file that loads the n8n engine. Static mutants, mutants the record does not know, and
 * the initial run itself get every test file, in jest's usual order.
 */
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;
const { COVERAGE_FILE } = require('./jest-environment.cjs');

let cache = { file: '', mtimeMs: 0, data: undefined };

function coverageRecord(rootDir) {
	const file = join(rootDir, COVERAGE_FILE);
	try {
		const { mtimeMs } = statSync(file);
		if (cache.file !== file || cache.mtimeMs !== mtimeMs) {
			const data = JSON.parse(readFileSync(file, 'utf8'));
			cache = { file, mtimeMs, data: { static: new Set(data.static), files: data.files } };
		}
		return cache.data;
	} catch {
		return undefined;
	}
}

class MutateSequencer extends Sequencer {
	async sort(tests) {
		const sorted = await super.sort(tests);
		const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;
		if (mutant === undefined || tests.length === 0) return sorted;
		const record = coverageRecord(tests[0].context.config.rootDir);
		const files = record?.files[mutant];
		if (!record || record.static.has(mutant) || !files) return sorted;
		const covering = new Set(files);
		// jest runs the slowest file first (good for parallel workers); a mutant's run stops at its
		// first failure, so here the file that failed last time comes first (neighbouring mutants
		// tend to die by the same tests), then the quickest: unit tests before whole workflows.
		const quickest = (a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || (a.duration ?? 0) - (b.duration ?? 0);
		return sorted.filter((test) => covering.has(test.path)).sort(quickest);
	}
}

module.exports = MutateSequencer;
