/**
 * The soak behind "nothing paid for is ever lost": many Blipix videos and ClipMix jobs through the
 * real engine, against a simulator whose APIs fail at random (5xx and resets, before and after a
 * create took place, 429 bursts), with Continue On Fail off and on and both ways of waiting (the
 * Create's wait switch, and a separate wait node). Judged by the simulator's own records: every
 * video or job it made must end in an output item of the last node, or be named in an error (by its
 * id; a ClipMix create that never got an answer, by the Idempotency-Key that returns it); none in two
 * items; no item paid for twice.
 *
 * The faults are decided per request (the simulator's `faults.perRequest`), not by the order in which
 * requests arrive, which concurrency and timing change from run to run: a seed meets the same faults,
 * with the same outcome, on every run.
 *
 * Shared by `npm run bench` (the built package in dist/) and test/paid/soak.test.ts (the sources):
 * the caller hands in the package's node classes and clock.
 */
import type { ICredentialType, IDataObject, INode, INodeExecutionData, INodeParameters, INodeType } from 'n8n-workflow';

import { runWorkflow } from '../engine';
import type { EngineWorkflow, WorkflowRunResult } from '../engine';
import { startSimulator } from '../simulator';
import type { ClipMixService, FaultOptions, Simulator } from '../simulator';

export interface SoakPackage {
	blipix: INodeType;
	blipixWaitForRender: INodeType;
	clipMix: INodeType;
	credentialTypes: ICredentialType[];
	/** The package's clock: it follows the simulator's speed during the soak. */
	clock: { follow(scale: number, apiNow: number): void };
}

export interface SoakOptions {
	/** Items per API, spread evenly over its four runs (Continue On Fail off/on × wait switch/wait node). */
	itemsPerApi: number;
	/** Items per execution. */
	batchSize: number;
	/** Executions running at once on one API key; each such wave gets a fresh key (at most 100 items). */
	executionsPerKey: number;
	timeScale: number;
	seed: number;
	/** For both APIs; Blipix's 60 requests a minute stay on. */
	faults: FaultOptions;
	/** Every n-th item of an execution downloads its file; 0: none. */
	downloadEvery: number;
}

/** The faults of the bench soak, on both APIs. */
export const SOAK_FAULTS = {
	serverErrorRate: 0.05,
	resetRate: 0.02,
	afterCommitShare: 0.5,
	rateLimitBursts: { everyRequests: 200, length: 5 },
} satisfies FaultOptions;

type Api = 'Blipix' | 'ClipMix';

/** The items: short renders spread over these simulated seconds, and one in `failEvery` failing at the API (paid for all the same). */
export const SOAK_ITEMS = {
	renderSeconds: { Blipix: [20, 90], ClipMix: [10, 40] } satisfies Record<Api, [number, number]>,
	failEvery: 20,
};
type Waiting = 'wait switch' | 'wait node';

export interface SoakRow {
	api: Api;
	continueOnFail: boolean;
	waiting: Waiting;
	executions: number;
	/** Executions that failed as a whole (a node-level error). */
	failedExecutions: number;
	items: number;
	/** Videos or jobs the server made and charged, by its own records. */
	paid: number;
	/** Items on all outputs of the last node. */
	outputItems: number;
	/** Paid creates whose answer a fault replaced (`faultStats().lostCreates`)... */
	lostAnswers: number;
	/** ...of them, back in an output item as its id (Blipix: adopted; ClipMix: replayed by its Idempotency-Key). */
	lostRecovered: number;
	/** ...of them, named only in an error (the item's, or the node-level one): by id, or for ClipMix by the Idempotency-Key that returns it. */
	lostNamed: number;
	/** Paid, but in no output item and named in no error (by id, or for ClipMix by its Idempotency-Key). */
	orphaned: number;
	/** Ids that are the id of more than one output item. */
	duplicated: number;
	/** Output items whose id is a video or job made for another item. */
	wrongItem: number;
	/** Paid things beyond one per item that asked. */
	doubleCharges: number;
	/** process 'unhandledRejection' events while the run went on. */
	unhandledRejections: number;
	wallMs: number;
}

export interface SoakReport {
	rows: SoakRow[];
	/** Every orphan, duplicate, wrong item, double charge and unhandled rejection, in words. */
	problems: string[];
	wallMs: number;
}

const TYPES = {
	blipix: 'n8n-nodes-blipix-clipmix.blipix',
	wait: 'n8n-nodes-blipix-clipmix.blipixWaitForRender',
	clipMix: 'n8n-nodes-blipix-clipmix.clipMix',
};
const CREDENTIAL_REFS = {
	blipixApi: { id: 'blipixApi', name: 'Blipix account' },
	clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' },
};
const SERVICES: ClipMixService[] = ['music', 'translation', 'memoryVideo', 'avatar'];
const CREATE_PARAMETERS: Record<ClipMixService, INodeParameters> = {
	music: { resource: 'music', operation: 'create', prompt: '={{ $json.text }}', durationSeconds: 10 },
	translation: { resource: 'translation', operation: 'create', videoUrl: '={{ $json.url }}', targetLanguages: ['fr'], qualityTier: 'standard' },
	memoryVideo: { resource: 'memoryVideo', operation: 'create', mode: 'moment', photoUrls: '={{ $json.url }}', title: '={{ $json.text }}' },
	avatar: { resource: 'avatar', operation: 'create', faceImageUrl: '={{ $json.url }}', avatarInput: 'script', script: '={{ $json.text }}', durationSeconds: 5, qualityTier: 'fast' },
};
/** Every item's tag, e.g. s2x3i17 (run 2, execution 3, item 17): in its prompt or body, so the server's record names its item. */
const TAG = /\bs\d+x\d+i\d+\b/;

interface Run {
	index: number;
	api: Api;
	continueOnFail: boolean;
	waiting: Waiting;
}

interface SoakItem extends IDataObject {
	tag: string;
	text: string;
	url: string;
}

interface Execution {
	number: number;
	items: SoakItem[];
	service: ClipMixService;
	/** It ended with a node-level error. */
	failed: boolean;
	/** The last node's items on all its outputs, each with the index of the input item it stands for. */
	outputs: Array<{ json: IDataObject; item: number }>;
	errorText: string;
}

const RUNS: Run[] = (['Blipix', 'ClipMix'] as const).flatMap((api) =>
	[false, true].flatMap((continueOnFail) =>
		(['wait switch', 'wait node'] as const).map((waiting) => ({ api, continueOnFail, waiting })),
	),
).map((run, index) => ({ ...run, index }));

export const runName = (row: Pick<SoakRow, 'continueOnFail' | 'waiting'>) =>
	`Continue On Fail ${row.continueOnFail ? 'on' : 'off'}, ${row.waiting}`;

export async function runSoak(pkg: SoakPackage, options: SoakOptions): Promise<SoakReport> {
	const { timeScale, seed, faults } = options;
	// Faults by what each request is, not by its place in the arrival order, which concurrency and timing change from run to run.
	const perRequest = { ...faults, perRequest: true };
	const sim = await startSimulator({ timeScale, seed, blipix: { faults: perRequest }, clipmix: { faults: perRequest } });
	pkg.clock.follow(timeScale, sim.simNow());
	const problems: string[] = [];
	let rejections = 0;
	const onRejection = (reason: unknown) => {
		rejections++;
		problems.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
	};
	process.on('unhandledRejection', onRejection);
	const startedAt = Date.now();
	const rows: SoakRow[] = [];
	try {
		// One run after the other, so wall time and unhandled rejections belong to one run.
		for (const run of RUNS) {
			const runStartedAt = Date.now();
			const rejectionsBefore = rejections;
			const row = await soakRun(sim, pkg, options, run, problems);
			rows.push({ ...row, unhandledRejections: rejections - rejectionsBefore, wallMs: Date.now() - runStartedAt });
		}
	} finally {
		process.off('unhandledRejection', onRejection);
		pkg.clock.follow(1, Date.now());
		await sim.close();
	}
	return { rows, problems, wallMs: Date.now() - startedAt };
}

type RunTotals = Omit<SoakRow, 'unhandledRejections' | 'wallMs'>;

async function soakRun(sim: Simulator, pkg: SoakPackage, options: SoakOptions, run: Run, problems: string[]): Promise<RunTotals> {
	const { batchSize, executionsPerKey } = options;
	if (batchSize * executionsPerKey > 100) throw new Error('A key may hold at most 100 items: GET /videos lists 100');
	const items = Math.floor(options.itemsPerApi / 4) + (run.index % 4 < options.itemsPerApi % 4 ? 1 : 0);
	const totals: RunTotals = {
		api: run.api, continueOnFail: run.continueOnFail, waiting: run.waiting,
		executions: 0, failedExecutions: 0, items, paid: 0, outputItems: 0, lostAnswers: 0, lostRecovered: 0,
		lostNamed: 0, orphaned: 0, duplicated: 0, wrongItem: 0, doubleCharges: 0,
	};
	const sizes = Array.from({ length: Math.ceil(items / batchSize) }, (_, i) => Math.min(batchSize, items - i * batchSize));
	for (let first = 0; first < sizes.length; first += executionsPerKey) {
		const apiKey = run.api === 'Blipix'
			? sim.blipix.createAccount({ credits: 1_000_000 })
			: sim.clipmix.createAccount({ credits: 10_000_000 }).liveKey;
		const wave = await Promise.all(
			sizes.slice(first, first + executionsPerKey).map(async (size, i) => await execute(sim, pkg, options, run, apiKey, first + i, size)),
		);
		await audit(sim, run, apiKey, wave, totals, problems);
	}
	return totals;
}

function itemsFor(run: Run, execution: number, size: number): SoakItem[] {
	return Array.from({ length: size }, (_, i) => {
		const tag = `s${run.index}x${execution}i${i}`;
		const [min, max] = SOAK_ITEMS.renderSeconds[run.api];
		const directives = `[render:${min + ((i * 37) % (max - min))}]${i % SOAK_ITEMS.failEvery === 7 ? '[fail]' : ''}`;
		return { tag, text: `soak ${tag} ${directives}`, url: `https://media.example.com/${tag}?d=${directives}` };
	});
}

async function execute(
	sim: Simulator,
	pkg: SoakPackage,
	options: SoakOptions,
	run: Run,
	apiKey: string,
	number: number,
	size: number,
): Promise<Execution> {
	const items = itemsFor(run, number, size);
	const service = SERVICES[(run.index + number) % SERVICES.length];
	const download = run.api === 'Blipix' ? 'downloadVideo' : 'downloadResult';
	const wait: INodeParameters = {
		pollInterval: 5,
		maxWait: 30,
		[download]: options.downloadEvery ? `={{ $itemIndex % ${options.downloadEvery} === 0 }}` : false,
	};
	const withSwitch = run.waiting === 'wait switch';
	const nodes = run.api === 'Blipix'
		? [
				{ name: 'Create', type: TYPES.blipix, parameters: { resource: 'video', operation: 'create', prompt: '={{ $json.text }}', voice: 'alloy', ...(withSwitch ? { waitForRender: true, ...wait } : {}) } },
				{ name: 'Wait', type: TYPES.wait, parameters: wait },
			]
		: [
				{ name: 'Create', type: TYPES.clipMix, parameters: { ...CREATE_PARAMETERS[service], ...(withSwitch ? { waitForCompletion: true, ...wait } : {}) } },
				{ name: 'Wait', type: TYPES.clipMix, parameters: { resource: 'job', operation: 'waitForCompletion', service, ...wait } },
			];
	const result = await runWorkflow({
		workflow: chain(items, withSwitch ? nodes.slice(0, 1) : nodes, run.continueOnFail),
		nodeTypes: { [TYPES.blipix]: pkg.blipix, [TYPES.wait]: pkg.blipixWaitForRender, [TYPES.clipMix]: pkg.clipMix },
		credentialTypes: pkg.credentialTypes,
		credentials: {
			blipixApi: { baseUrl: sim.blipix.baseUrl, apiKey },
			clipMixApi: { baseUrl: sim.clipmix.baseUrl, apiKey, webhookSecret: '' },
		},
	});
	const { error } = result;
	return {
		number,
		items,
		service,
		failed: error !== undefined,
		outputs: lastNodeOutputs(result, withSwitch ? 'Create' : 'Wait'),
		errorText: error ? `${error.message} ${error.description ?? ''}` : '',
	};
}

function chain(items: SoakItem[], nodes: Array<Pick<INode, 'name' | 'type' | 'parameters'>>, continueOnFail: boolean): EngineWorkflow {
	const names = ['Start', ...nodes.map((node) => node.name)];
	return {
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			...nodes.map((node, i): INode => ({
				id: node.name,
				typeVersion: 1,
				position: [200 * (i + 1), 0],
				credentials: CREDENTIAL_REFS,
				...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
				...node,
			})),
		],
		connections: Object.fromEntries(
			names.slice(0, -1).map((name, i) => [name, { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] }]),
		),
		pinData: { Start: items.map((json) => ({ json })) },
	};
}

/** The last node's items on both outputs, each traced back through pairedItem to its input item. */
function lastNodeOutputs(result: WorkflowRunResult, last: 'Create' | 'Wait'): Execution['outputs'] {
	const runData = result.run.data.resultData.runData;
	const main = runData[last]?.[0]?.data?.main ?? [];
	const created = runData.Create?.[0]?.data?.main?.[0] ?? [];
	const pairedIndex = (item: INodeExecutionData) => (item.pairedItem as { item: number }).item;
	return main.flatMap((items) =>
		(items ?? []).map((item) => ({
			json: item.json,
			item: last === 'Create' ? pairedIndex(item) : pairedIndex(created[pairedIndex(item)]),
		})),
	);
}

interface Paid {
	id: string;
	tag?: string;
	/** ClipMix: the key it was created with. Sent again, it returns this job without a second charge. */
	idempotencyKey?: string;
}

/** What the server made on the key, by its own records. */
async function paidOn(sim: Simulator, run: Run, apiKey: string): Promise<Paid[]> {
	if (run.api === 'ClipMix') {
		return sim.clipmix.ledger
			.filter((charge) => charge.apiKey === apiKey)
			.map(({ jobId, idempotencyKey }) => ({ id: jobId, idempotencyKey, tag: TAG.exec(JSON.stringify(sim.clipmix.job(jobId)?.input))?.[0] }));
	}
	const ids = await listVideoIds(sim, apiKey);
	const made = sim.blipix.stats(apiKey).creates;
	if (ids.length !== made) throw new Error(`GET /videos lists ${ids.length} videos, but the simulator made ${made}`);
	return ids.map((id) => ({ id, tag: TAG.exec(sim.blipix.video(id)?.prompt ?? '')?.[0] }));
}

/** The key's videos as GET /videos lists them, asked again through the injected faults until it answers. */
async function listVideoIds(sim: Simulator, apiKey: string): Promise<string[]> {
	for (let attempt = 0; attempt < 100; attempt++) {
		const response = await fetch(`${sim.blipix.baseUrl}/videos?limit=100`, { headers: { Authorization: `Bearer ${apiKey}` } }).catch(() => undefined);
		if (response?.status === 200) return ((await response.json()) as { videos: Array<{ id: string }> }).videos.map((video) => video.id);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	throw new Error('GET /videos never answered');
}

/** Checks one wave (the executions on one key) against the server's records, adding to `totals`. */
async function audit(sim: Simulator, run: Run, apiKey: string, wave: Execution[], totals: RunTotals, problems: string[]): Promise<void> {
	const paid = await paidOn(sim, run, apiKey);
	const faults = run.api === 'Blipix' ? sim.blipix.faultStats() : sim.clipmix.faultStats();
	const lost = new Map(faults.lostCreates.filter((create) => create.apiKey === apiKey).map((create) => [create.id, create]));
	const texts = wave.flatMap((execution) => [execution.errorText, ...execution.outputs.map((output) => JSON.stringify(output.json))]);
	const outputs = wave.flatMap((execution) => execution.outputs.map((output) => ({ ...output, execution })));
	const asIds = new Map<string, number>();
	for (const { json } of outputs) if (typeof json.id === 'string') asIds.set(json.id, (asIds.get(json.id) ?? 0) + 1);
	const tagOf = new Map(paid.map((thing) => [thing.id, thing.tag]));
	const where = (execution: Execution) =>
		`${run.api}${run.api === 'ClipMix' ? ` ${execution.service}` : ''}, ${runName(run)}, execution ${execution.number}`;

	totals.executions += wave.length;
	totals.failedExecutions += wave.filter((execution) => execution.failed).length;
	totals.paid += paid.length;
	totals.outputItems += outputs.length;
	totals.lostAnswers += lost.size;

	for (const { id, tag, idempotencyKey } of paid) {
		// A ClipMix create that never got an answer cannot know its job's id: its error names the key instead.
		const named = texts.some((text) => text.includes(id) || (idempotencyKey !== undefined && text.includes(idempotencyKey)));
		if (lost.has(id)) {
			if (asIds.has(id)) totals.lostRecovered++;
			else if (named) totals.lostNamed++;
		}
		if (named) continue;
		totals.orphaned++;
		const execution = wave.find((candidate) => candidate.items.some((item) => item.tag === tag));
		const answer = lost.get(id)?.answer;
		const item = Number(tag?.split('i')[1]);
		problems.push(
			`ORPHAN ${id} (${execution ? where(execution) : run.api}, item ${tag}): the create was ${answer === undefined ? 'answered 201' : `answered ${answer} after it took place`}; ` +
				`the item's output: ${JSON.stringify(execution?.outputs.filter((output) => output.item === item).map((output) => output.json))}; ` +
				`node-level error: ${execution?.errorText || 'none'}`,
		);
	}
	for (const [id, count] of asIds) {
		if (count < 2) continue;
		totals.duplicated++;
		problems.push(`DUPLICATE ${id} (${run.api}, ${runName(run)}) is the id of ${count} output items`);
	}
	for (const { json, item, execution } of outputs) {
		if (typeof json.id !== 'string') continue;
		const expected = execution.items[item].tag;
		if (tagOf.get(json.id) === expected) continue;
		totals.wrongItem++;
		problems.push(`WRONG ITEM ${where(execution)}: item ${expected} carries ${json.id}, made for ${tagOf.get(json.id) ?? 'no item of this key'}${json.recovered ? ' (adopted)' : ''}`);
	}
	const asked = new Set(wave.flatMap((execution) => execution.items.map((item) => item.tag)));
	const perTag = new Map<string, string[]>();
	for (const { id, tag = 'no item' } of paid) perTag.set(tag, [...(perTag.get(tag) ?? []), id]);
	for (const [tag, ids] of perTag) {
		const extra = asked.has(tag) ? ids.length - 1 : ids.length;
		if (extra === 0) continue;
		totals.doubleCharges += extra;
		problems.push(`DOUBLE CHARGE (${run.api}, ${runName(run)}): ${tag} was paid ${ids.length} times: ${ids.join(', ')}`);
	}
}
