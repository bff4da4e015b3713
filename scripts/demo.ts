/**
 * `npm run demo`: runs examples/blipix-prompt-to-video.json through the real n8n engine,
 * with the package as built in dist/: three prompts → Create → Wait for Render (which
 * downloads each MP4) — then writes the files to ./demo-output/.
 *
 * Without BLIPIX_API_KEY it starts the embedded simulator at 60x speed (a 3-minute render
 * takes 3 seconds); with it, it talks to the real Blipix API (BLIPIX_BASE_URL to override).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const outputDir = join(root, 'demo-output');

import type { IDataObject, INodeParameters, INodeType } from 'n8n-workflow';

import { runWorkflow } from '../test/engine';
import type { EngineWorkflow } from '../test/engine';
import { startSimulator } from '../test/simulator';
import type { Simulator } from '../test/simulator';

/* eslint-disable @typescript-eslint/no-require-imports -- the package as users get it */
const { Blipix } = require(join(root, 'dist/nodes/Blipix/Blipix.node.js')) as { Blipix: new () => INodeType };
const { BlipixWaitForRender } = require(join(root, 'dist/nodes/BlipixWaitForRender/BlipixWaitForRender.node.js')) as {
	BlipixWaitForRender: new () => INodeType;
};
const { BlipixApi } = require(join(root, 'dist/credentials/BlipixApi.credentials.js'));
const { clock } = require(join(root, 'dist/nodes/shared/clock.js')) as {
	clock: { follow(scale: number, apiNow: number): void };
};
/* eslint-enable @typescript-eslint/no-require-imports */

const SIM_TIME_SCALE = 60;
const BLIPIX_TYPE = 'n8n-nodes-blipix-clipmix.blipix';

const log = (line: string) => console.log(`[demo] ${line}`);

interface Target {
	baseUrl: string;
	apiKey: string;
	sim?: Simulator;
}

async function connect(): Promise<Target> {
	const apiKey = process.env.BLIPIX_API_KEY;
	if (apiKey) {
		const baseUrl = process.env.BLIPIX_BASE_URL ?? 'https://app.blipix.pro/api/v1';
		log(`Using the real Blipix API at ${baseUrl}: this spends real credits.`);
		return { baseUrl, apiKey };
	}
	const sim = await startSimulator({ timeScale: SIM_TIME_SCALE, seed: 42 });
	clock.follow(SIM_TIME_SCALE, sim.simNow());
	log(`No BLIPIX_API_KEY set: using the embedded simulator at ${sim.blipix.baseUrl} (${SIM_TIME_SCALE}x speed).`);
	return { baseUrl: sim.blipix.baseUrl, apiKey: sim.blipix.apiKey, sim };
}

async function main() {
	const target = await connect();
	const engine = {
		nodeTypes: {
			[BLIPIX_TYPE]: new Blipix(),
			'n8n-nodes-blipix-clipmix.blipixWaitForRender': new BlipixWaitForRender(),
		},
		credentialTypes: [new BlipixApi()],
		credentials: { blipixApi: { baseUrl: target.baseUrl, apiKey: target.apiKey } },
	};
	const runBlipix = async (parameters: INodeParameters, items: IDataObject[] = [{}]) => {
		const result = await runWorkflow({ ...engine, workflow: blipixStep(parameters, items) });
		if (result.error) throw result.error;
		return result;
	};
	const credits = async () =>
		((await runBlipix({ resource: 'account', operation: 'get' })).json('Blipix')[0].credits as IDataObject)
			.remaining as number;

	const creditsBefore = await credits();
	const startedAt = Date.now();

	const example = require(join(root, 'examples/blipix-prompt-to-video.json')) as EngineWorkflow;
	log(`Running "${example.name}"…`);
	const run = await runWorkflow({
		...engine,
		workflow: example,
		onMessageToUI: (node, message) => log(`${node}: ${String(message)}`),
	});
	if (run.error) throw run.error;
	log(`Created ${run.json('Create Video').length} videos.`);

	mkdirSync(outputDir, { recursive: true });
	const [ready, failed] = run.outputs('Wait for Render');
	const rows: string[][] = [];
	for (const [index, item] of ready.entries()) {
		const video = item.json;
		const bytes = await run.binary('Wait for Render', index, 'data');
		const file = join(outputDir, item.binary?.data.fileName ?? `${String(video.id)}.mp4`);
		writeFileSync(file, bytes);
		rows.push([String(video.id), String(video.title), `${Number(video.duration).toFixed(1)} s`, formatBytes(bytes.length), relative(root, file)]);
	}
	for (const { json } of failed) rows.push([String(json.id), String(json.title), '-', String(json.waitResult), String(json.reason)]);

	const creditsAfter = await credits();
	const requests = target.sim ? String(target.sim.blipix.stats(target.apiKey).requests) : 'not counted (real API)';
	console.log('\nSummary');
	printTable(['id', 'title', 'duration', 'size', 'file'], rows);
	console.log(`\nAPI requests used: ${requests}`);
	console.log(`Credits spent:     ${creditsBefore - creditsAfter}`);
	console.log(`Wall time:         ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
	await target.sim?.close();
}

function blipixStep(parameters: INodeParameters, items: IDataObject[]): EngineWorkflow {
	return {
		name: 'demo step',
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'blipix',
				name: 'Blipix',
				type: BLIPIX_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters,
				credentials: { blipixApi: { id: 'blipix-demo', name: 'Blipix account' } },
			},
		],
		connections: { Start: { main: [[{ node: 'Blipix', type: 'main', index: 0 }]] } },
		pinData: { Start: items.map((json) => ({ json })) },
	};
}

function formatBytes(bytes: number): string {
	return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function printTable(header: string[], rows: string[][]) {
	const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
	console.log(line(header));
	console.log(widths.map((width) => '-'.repeat(width)).join('  '));
	for (const row of rows) console.log(line(row));
}

main().catch((error) => {
	console.error(`[demo] failed: ${(error as Error).message}`);
	if ((error as { description?: string }).description) console.error(`       ${(error as { description?: string }).description}`);
	process.exitCode = 1;
});
