/**
 * `npm run demo`: the package as built in dist/, through the real n8n engine.
 *
 * Part 1 runs examples/blipix-prompt-to-video.json: three prompts → Create → Wait for Render
 * (which downloads each MP4), then writes the files to ./demo-output/.
 * Part 2 is scheduled posting without holding an execution: examples/scheduled-posting-1-create.json
 * creates the day's videos and ends; then the Blipix Trigger of scheduled-posting-2-post.json is
 * polled once a minute as n8n would (activation first), each video starting its own execution.
 * Part 3 is the content pipeline across both APIs, a prompt to a video dubbed into three languages:
 * examples/content-pipeline.json in one execution, then the three dubbing-pipeline-*.json workflows
 * (none waits: the Blipix Trigger starts the dub, ClipMix's signed webhook starts the posting), with
 * each language's file written to ./demo-output/ and what each variant cost per video.
 *
 * Without BLIPIX_API_KEY it starts the embedded simulator at 60x speed (a 3-minute render
 * takes 3 seconds); with it, parts 1 and 2 talk to the real Blipix API (BLIPIX_BASE_URL to
 * override), and part 3, which needs ClipMix too, runs only on the simulator. The simulator's
 * ClipMix names one file per language (resultShape 'results'): how the real one does is not documented.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const outputDir = join(root, 'demo-output');

import type { IDataObject, INodeParameters, INodeType } from 'n8n-workflow';

import { pollTrigger, runWorkflow } from '../test/engine';
import type { EngineWorkflow, RunWorkflowOptions, WorkflowRunResult } from '../test/engine';
import { PIPELINE_EXAMPLES, runScaledPipeline } from '../test/helpers/pipeline';
import { startSimulator } from '../test/simulator';
import type { Simulator } from '../test/simulator';

/* eslint-disable @typescript-eslint/no-require-imports -- the package as users get it */
const { Blipix } = require(join(root, 'dist/nodes/Blipix/Blipix.node.js')) as { Blipix: new () => INodeType };
const { BlipixWaitForRender } = require(join(root, 'dist/nodes/BlipixWaitForRender/BlipixWaitForRender.node.js')) as {
	BlipixWaitForRender: new () => INodeType;
};
const { BlipixTrigger } = require(join(root, 'dist/nodes/BlipixTrigger/BlipixTrigger.node.js')) as {
	BlipixTrigger: new () => INodeType;
};
const { ClipMix } = require(join(root, 'dist/nodes/ClipMix/ClipMix.node.js')) as { ClipMix: new () => INodeType };
const { ClipMixTrigger } = require(join(root, 'dist/nodes/ClipMixTrigger/ClipMixTrigger.node.js')) as {
	ClipMixTrigger: new () => INodeType;
};
const { BlipixApi } = require(join(root, 'dist/credentials/BlipixApi.credentials.js'));
const { ClipMixApi } = require(join(root, 'dist/credentials/ClipMixApi.credentials.js'));
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
	const sim = await startSimulator({ timeScale: SIM_TIME_SCALE, seed: 42, clipmix: { resultShape: 'results' } });
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
			'n8n-nodes-blipix-clipmix.blipixTrigger': new BlipixTrigger(),
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
	console.log('\nPart 1 summary');
	printTable(['id', 'title', 'duration', 'size', 'file'], rows);
	console.log(`\nAPI requests used: ${requests}`);
	console.log(`Credits spent:     ${creditsBefore - creditsAfter}`);
	console.log(`Wall time:         ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

	await scheduledPosting(engine, target);
	if (target.sim) await contentPipeline(target.sim);
	else log('Part 3 (the pipeline with ClipMix) runs on the simulator only: unset BLIPIX_API_KEY to see it.');
	await target.sim?.close();
}

const WEBHOOK_SECRET = 'whsec_demo_pipeline';

/** What one variant of part 3 cost, per video. */
interface PipelineCost {
	variant: string;
	videos: number;
	blipixRequests: number;
	clipmixRequests: number;
	blipixCredits: number;
	clipmixCredits: number;
	executions: number;
	/** Simulated minutes executions were open, all together. */
	heldMinutes: number;
	files: number;
}

/** Simulated minutes an execution was open. */
const heldMinutesOf = (run: WorkflowRunResult) =>
	((new Date(run.run.stoppedAt ?? Date.now()).getTime() - new Date(run.run.startedAt).getTime()) * SIM_TIME_SCALE) / 60_000;

/** Part 3: the content pipeline, both ways, on fresh accounts so that each variant's cost is its own. */
async function contentPipeline(sim: Simulator) {
	const accounts = () => {
		const blipixKey = sim.blipix.createAccount({ credits: 1000 });
		const clipmixKey = sim.clipmix.createAccount().liveKey;
		return {
			blipixKey,
			clipmixKey,
			engine: {
				nodeTypes: {
					[BLIPIX_TYPE]: new Blipix(),
					'n8n-nodes-blipix-clipmix.blipixTrigger': new BlipixTrigger(),
					'n8n-nodes-blipix-clipmix.clipMix': new ClipMix(),
					'n8n-nodes-blipix-clipmix.clipMixTrigger': new ClipMixTrigger(),
				},
				credentialTypes: [new BlipixApi(), new ClipMixApi()],
				credentials: {
					blipixApi: { baseUrl: sim.blipix.baseUrl, apiKey: blipixKey },
					clipMixApi: { baseUrl: sim.clipmix.baseUrl, apiKey: clipmixKey, webhookSecret: WEBHOOK_SECRET },
				},
			},
		};
	};
	const costOf = (variant: string, keys: { blipixKey: string; clipmixKey: string }, videos: number, runs: WorkflowRunResult[], files: number): PipelineCost => ({
		variant,
		videos,
		executions: runs.length,
		heldMinutes: runs.reduce((sum, run) => sum + heldMinutesOf(run), 0),
		blipixRequests: sim.blipix.stats(keys.blipixKey).requests,
		clipmixRequests: sim.clipmix.requestLog.filter((entry) => entry.apiKey === keys.clipmixKey).length,
		blipixCredits: sim.blipix.stats(keys.blipixKey).creditsSpent,
		clipmixCredits: sim.clipmix.ledger.filter((charge) => charge.apiKey === keys.clipmixKey).reduce((sum, charge) => sum + charge.credits, 0),
		files,
	});
	const saveLanguages = async (run: WorkflowRunResult, node: string) => {
		const rows: string[][] = [];
		for (const [index, item] of run.outputs(node)[0].entries()) {
			const language = String((item.json.resultFile as IDataObject).language);
			const bytes = await run.binary(node, index, 'data');
			const file = join(outputDir, item.binary?.data.fileName ?? `${String(item.json.id)}-${language}.mp4`);
			writeFileSync(file, bytes);
			rows.push([String(item.json.id), language, formatBytes(bytes.length), relative(root, file)]);
		}
		return rows;
	};
	mkdirSync(outputDir, { recursive: true });

	console.log('');
	const simple = require(join(root, 'examples/content-pipeline.json')) as EngineWorkflow;
	log(`Part 3: "${simple.name}"…`);
	const one = accounts();
	const run = await runWorkflow({ ...one.engine, workflow: simple, onMessageToUI: (node, message) => log(`${node}: ${String(message)}`) });
	if (run.error) throw run.error;
	const simpleRows = await saveLanguages(run, 'Upload per Language');
	printTable(['ClipMix job', 'language', 'size', 'file'], simpleRows);
	const costs = [costOf('one execution (content-pipeline.json)', one, run.json('Create Video').length, [run], simpleRows.length)];

	console.log('');
	log('Part 3, at scale: "dubbing-pipeline-1" creates and ends; the Blipix Trigger of "-2" starts one dub per ready video; ClipMix\'s webhook starts "-3" once per finished dub…');
	const three = accounts();
	const scaledRows: string[][] = [];
	const result = await runScaledPipeline(
		{
			create: require(join(root, PIPELINE_EXAMPLES.create)) as EngineWorkflow,
			dub: require(join(root, PIPELINE_EXAMPLES.dub)) as EngineWorkflow,
			post: require(join(root, PIPELINE_EXAMPLES.post)) as EngineWorkflow,
		},
		{
			sim,
			engine: three.engine,
			clipmixApiKey: three.clipmixKey,
			webhookSecret: WEBHOOK_SECRET,
			sleepMinute: async () => await sleepApiMinute({ baseUrl: '', apiKey: '', sim }),
			onMinute: (minute, dubs, posts) => {
				const started = [
					...dubs.map((dub) => `dub of ${String(dub.json('When a Video Is Ready')[0].id)} → job ${String(dub.json('Dub into 3 Languages')[0].id)}`),
					...posts.map((post) => `posting of job ${String(post.json('When a Dub Is Done')[0].jobId)}: ${post.json('Download Each Language').length} languages`),
				];
				log(`minute ${minute}: ${started.length ? started.join('; ') : 'nothing new'}`);
			},
		},
	);
	for (const post of result.postRuns) scaledRows.push(...(await saveLanguages(post, 'Upload per Language')));
	printTable(['ClipMix job', 'language', 'size', 'file'], scaledRows);
	costs.push(costOf('three workflows (dubbing-pipeline-*.json)', three, result.videoIds.length, [result.createRun, ...result.dubRuns, ...result.postRuns], scaledRows.length));

	console.log('\nPart 3 summary, per video');
	printTable(
		['variant', 'videos', 'Blipix requests', 'ClipMix requests', 'Blipix credits', 'ClipMix credits', 'executions', 'execution-minutes held', 'files posted'],
		costs.map((cost) => {
			const per = (total: number) => (total / cost.videos).toFixed(1);
			return [
				cost.variant,
				String(cost.videos),
				per(cost.blipixRequests),
				per(cost.clipmixRequests),
				per(cost.blipixCredits),
				per(cost.clipmixCredits),
				per(cost.executions),
				per(cost.heldMinutes),
				per(cost.files),
			];
		}),
	);
}

/** Part 2: create without waiting, then let the Blipix Trigger start one execution per finished video. */
async function scheduledPosting(engine: Pick<RunWorkflowOptions, 'nodeTypes' | 'credentialTypes' | 'credentials'>, target: Target) {
	const create = require(join(root, 'examples/scheduled-posting-1-create.json')) as EngineWorkflow;
	const post = require(join(root, 'examples/scheduled-posting-2-post.json')) as EngineWorkflow;
	const requestsNow = () => target.sim?.blipix.stats(target.apiKey).requests ?? 0;
	const staticData: IDataObject = {};
	const poll = async (activating: boolean) =>
		await pollTrigger({ ...engine, workflow: post, triggerNode: 'When a Video Is Ready', staticData, activating, startWorkflow: true });

	console.log('');
	log(`Part 2: "${post.name}" is activated (its first poll records what exists and emits nothing)…`);
	await poll(true);
	log(`Running "${create.name}"…`);
	const created = await runWorkflow({ ...engine, workflow: create });
	if (created.error) throw created.error;
	const ids = created.json('Create Video').map((video) => String(video.id));
	log(`Created ${ids.length} videos; that execution has ended. The trigger now polls once a minute.`);

	const emitted = new Set<string>();
	const startedAt = Date.now();
	for (let minute = 1; emitted.size < ids.length && minute <= 30; minute++) {
		await sleepApiMinute(target);
		const before = requestsNow();
		const { runs } = await poll(false);
		const names = runs.map((run) => {
			const video = run.json('When a Video Is Ready')[0];
			emitted.add(String(video.id));
			return `${String(video.id)} "${String(video.title)}" (${run.outputs('Upload to YouTube')[0][0].binary?.data.fileSize ?? '?'})`;
		});
		const cost = target.sim ? `, ${requestsNow() - before} request(s)` : '';
		log(`poll ${minute}: ${runs.length ? `${runs.length} execution(s): ${names.join('; ')}` : 'nothing new'}${cost}`);
	}
	log(`Every video posted once, each in its own execution, ${((Date.now() - startedAt) / 1000).toFixed(1)} s of wall time.`);
}

/** One poll interval of the example (every minute): one second of real time at the simulator's 60x. */
async function sleepApiMinute(target: Target) {
	await new Promise((resolve) => setTimeout(resolve, target.sim ? 60_000 / SIM_TIME_SCALE : 60_000));
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
