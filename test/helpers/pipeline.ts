/**
 * The content pipeline at scale, as n8n runs its three workflows (examples/dubbing-pipeline-*.json):
 * workflow 1 creates the day's videos and ends; workflow 2's Blipix Trigger is polled once a minute
 * and starts one execution per finished video, which creates a ClipMix translation and ends;
 * ClipMix's signed webhook starts workflow 3 once per finished translation, which downloads and
 * posts each language. Shared by the tests (source nodes) and `npm run demo` (the built package).
 */
import type { IDataObject } from 'n8n-workflow';

import { pollTrigger, runWorkflow } from '../engine';
import type { EngineWorkflow, RunWorkflowOptions, WorkflowRunResult } from '../engine';
import type { Simulator } from '../simulator';
import { startWebhookReceiver } from './webhookReceiver';

export interface ScaledPipelineOptions {
	sim: Simulator;
	engine: Pick<RunWorkflowOptions, 'nodeTypes' | 'credentialTypes' | 'credentials'>;
	clipmixApiKey: string;
	/** The signing secret the ClipMix credential holds (set as the key's webhook secret here). */
	webhookSecret: string;
	/** Waits one poll interval of workflow 2 (one simulated minute). */
	sleepMinute(): Promise<void>;
	/** Called after each minute with the executions of workflows 2 and 3 it started. */
	onMinute?(minute: number, dubRuns: WorkflowRunResult[], postRuns: WorkflowRunResult[]): void;
	/** Minutes to poll at most; default 60. */
	maxMinutes?: number;
}

export interface ScaledPipelineResult {
	videoIds: string[];
	/** Workflow 1's execution. */
	createRun: WorkflowRunResult;
	/** Workflow 2's executions, one per video. */
	dubRuns: WorkflowRunResult[];
	/** Workflow 3's executions, one per finished translation. */
	postRuns: WorkflowRunResult[];
	minutes: number;
}

export const PIPELINE_EXAMPLES = {
	create: 'examples/dubbing-pipeline-1-create.json',
	dub: 'examples/dubbing-pipeline-2-dub.json',
	post: 'examples/dubbing-pipeline-3-post.json',
} as const;

/**
 * Runs the three workflows until every video's translation has been posted (or `maxMinutes`),
 * then one more minute to show nothing starts twice.
 */
export async function runScaledPipeline(
	workflows: Record<keyof typeof PIPELINE_EXAMPLES, EngineWorkflow>,
	opts: ScaledPipelineOptions,
): Promise<ScaledPipelineResult> {
	const { sim, engine } = opts;
	const post = await startWebhookReceiver({ ...engine, workflow: workflows.post, triggerNode: 'When a Dub Is Done' });
	sim.clipmix.setWebhook(opts.clipmixApiKey, post.url, opts.webhookSecret);
	const staticData: IDataObject = {};
	const poll = async (activating: boolean) =>
		await pollTrigger({ ...engine, workflow: workflows.dub, triggerNode: 'When a Video Is Ready', staticData, activating, startWorkflow: true });
	try {
		await poll(true);
		const created = await runWorkflow({ ...engine, workflow: workflows.create });
		if (created.error) throw created.error;
		const videoIds = created.json('Create Video').map((video) => String(video.id));

		const dubRuns: WorkflowRunResult[] = [];
		let minute = 0;
		const postedRuns = () => post.started().map((delivery) => delivery.run as WorkflowRunResult);
		const done = () => dubRuns.length === videoIds.length && postedRuns().length === videoIds.length;
		let reported = 0;
		// Once all is posted, one more minute: nothing may start twice.
		for (let extra = 0; minute < (opts.maxMinutes ?? 60) && extra < 2; minute++) {
			await opts.sleepMinute();
			const { runs } = await poll(false);
			dubRuns.push(...runs);
			opts.onMinute?.(minute + 1, runs, postedRuns().slice(reported));
			reported = postedRuns().length;
			if (done()) extra++;
		}
		return { videoIds, createRun: created, dubRuns, postRuns: postedRuns(), minutes: minute };
	} finally {
		sim.clipmix.setWebhook(opts.clipmixApiKey, '', '');
		await post.close();
	}
}
