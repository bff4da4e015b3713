/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test', '<rootDir>/nodes', '<rootDir>/credentials'],
	testMatch: ['**/*.test.ts'],
	transform: {
		// tsconfig.dev.json sets isolatedModules, so ts-jest only transpiles: `npm run typecheck`
		// checks types once, instead of once per test file.
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }],
	},
	setupFilesAfterEnv: ['<rootDir>/test/engine/setup.ts'],
	globalTeardown: '<rootDir>/test/engine/globalTeardown.ts',
	testTimeout: 60_000,
};
