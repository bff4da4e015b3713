/**
 * The groups `npm run mutate` knows: what each mutates, and which jest test files run against it.
 * See MUTATION.md for how the test files were chosen.
 */
import { readFileSync } from 'node:fs';

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
		tests: [
			'test/security/canary.test.ts',
			'test/paid/otherServer.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/files/binaryModes.test.ts',
			'test/clipmix/clipmix.node.test.ts',
			'test/paid/soak.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/paid/neverLost.test.ts',
			'test/security/keys.test.ts',
			'test/package/editor.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/paid/responseShapes.test.ts',
			'test/transport/apiRequest.test.ts',
			'test/transport/errorBody.test.ts',
		],
	},
	apiTransport: {
		about: 'each API on the transport: credentials, base URL, its errors in words',
		mutate: ['nodes/shared/blipix/transport.ts', 'nodes/shared/clipmix/transport.ts'],
		tests: [
			'test/security/canary.test.ts',
			'test/paid/soak.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/paid/otherServer.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/files/binaryModes.test.ts',
			'test/paid/neverLost.test.ts',
			'test/package/editor.test.ts',
			'test/security/keys.test.ts',
			'test/clipmix/clipmix.node.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
		],
	},
	pacing: {
		about: 'pacing: the request budget per API key (rate limits, shared keys)',
		mutate: ['nodes/shared/transport/requestBudget.ts'],
		tests: [
			'test/transport/requestBudget.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/files/binaryModes.test.ts',
			'test/security/canary.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/paid/otherServer.test.ts',
			'test/paid/soak.test.ts',
			'test/paid/neverLost.test.ts',
			'test/security/keys.test.ts',
			'test/package/editor.test.ts',
		],
	},
	downloads: {
		about: 'downloads: streamed into binary data, size limits, redirects, credentials kept to the API',
		mutate: ['nodes/shared/download.ts'],
		tests: [
			'test/files/binaryModes.test.ts',
			'test/security/downloads.test.ts',
			'test/paid/otherServer.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/paid/soak.test.ts',
			'test/clipmix/clipmix.node.test.ts',
			'test/security/canary.test.ts',
			'test/paid/neverLost.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/blipix/blipix.node.test.ts',
		],
	},
	urlPolicy: {
		about: 'the URL policy: which addresses a download may reach',
		mutate: ['nodes/shared/urlPolicy.ts'],
		tests: [
			'test/security/urlPolicy.test.ts',
			'test/files/binaryModes.test.ts',
			'test/security/downloads.test.ts',
			'test/paid/otherServer.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/paid/soak.test.ts',
			'test/clipmix/clipmix.node.test.ts',
			'test/security/canary.test.ts',
			'test/paid/neverLost.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/blipix/blipix.node.test.ts',
		],
	},
	emitOnce: {
		about: 'the emit-once store',
		mutate: ['nodes/shared/emitOnce.ts'],
		tests: [
			'test/clipmix/emitOnce.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/files/binaryModes.test.ts',
			'test/paid/otherServer.test.ts',
			'test/security/canary.test.ts',
		],
	},
	webhooks: {
		about: "the ClipMix Trigger's webhook checks",
		mutate: ['nodes/shared/clipmix/webhooks.ts'],
		tests: [
			'test/clipmix/webhookChecks.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/security/canary.test.ts',
			'test/paid/otherServer.test.ts',
			'test/package/editor.test.ts',
		],
	},
	create: {
		about: 'Blipix create and recovery of a create that got no answer',
		mutate: ['nodes/shared/blipix/create.ts'],
		tests: [
			'test/paid/otherServer.test.ts',
			'test/paid/soak.test.ts',
			'test/security/canary.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/files/binaryModes.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/paid/neverLost.test.ts',
			'test/package/editor.test.ts',
		],
	},
	waiting: {
		about: 'waiting: the job wait and the poller',
		mutate: ['nodes/shared/jobWait.ts', 'nodes/shared/poller.ts'],
		tests: [
			'test/files/binaryModes.test.ts',
			'test/blipix/waitForRender.test.ts',
			'test/paid/otherServer.test.ts',
			'test/paid/soak.test.ts',
			'test/paid/neverLost.test.ts',
			'test/clipmix/clipmix.node.test.ts',
			'test/blipix/blipixTrigger.test.ts',
			'test/security/canary.test.ts',
			'test/package/editor.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/security/keys.test.ts',
		],
	},
	videoEvents: {
		about: "the Blipix Trigger's video events (cursor)",
		mutate: ['nodes/BlipixTrigger/videoEvents.ts'],
		tests: [
			'test/blipix/blipixTrigger.test.ts',
			'test/files/binaryModes.test.ts',
		],
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
		tests: [
			'test/clipmix/clipmix.node.test.ts',
			'test/paid/otherServer.test.ts',
			'test/security/canary.test.ts',
			'test/paid/soak.test.ts',
			'test/files/binaryModes.test.ts',
			'test/security/keys.test.ts',
			'test/paid/neverLost.test.ts',
			'test/clipmix/idempotency.test.ts',
		],
	},
	credentials: {
		about: "the credentials' authenticate (Bearer header; ClipMix refuses a key without its prefix)",
		mutate: [
			block('credentials/common.ts', 'export const bearerAuthentication'),
			statement('credentials/ClipMixApi.credentials.ts', 'const WRONG_PREFIX ='),
			block('credentials/ClipMixApi.credentials.ts', 'async authenticate('),
		],
		tests: [
			'test/clipmix/clipmix.node.test.ts',
			'test/paid/otherServer.test.ts',
			'test/security/canary.test.ts',
			'test/files/binaryModes.test.ts',
			'test/paid/soak.test.ts',
			'test/clipmix/clipmixTrigger.test.ts',
			'test/paid/neverLost.test.ts',
			'test/security/keys.test.ts',
			'test/blipix/blipix.node.test.ts',
			'test/security/credentials.test.ts',
		],
	},
};
