/**
 * One prompt, every language: a Blipix video dubbed by ClipMix into three languages, each posted
 * once, both ways a user builds it (examples/content-pipeline.json in one execution, and the three
 * dubbing-pipeline-* workflows, none of which waits), against a ClipMix that names one file per
 * language.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { runWorkflow } from '../engine';
import type { EngineWorkflow, WorkflowRunResult } from '../engine';
import { PIPELINE_EXAMPLES, runScaledPipeline } from '../helpers/pipeline';
import { blipixCredentials, clipMixCredentials, credentialTypes, nodeTypes } from '../helpers/nodes';
import { stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

const TIME_SCALE = 600;
const LANGUAGES = ['es', 'de', 'ja'];
const SECRET = 'whsec_pipeline';

let sim: Simulator;

beforeAll(async () => {
	sim = await startSimulator({ timeScale: TIME_SCALE, seed: 1818, clipmix: { resultShape: 'results' } });
	clock.follow(TIME_SCALE, sim.simNow());
});

afterAll(async () => await stopScaledSimulator(sim));

// eslint-disable-next-line @typescript-eslint/no-require-imports
const example = (path: string) => require(`../../${path}`) as EngineWorkflow;

function accounts() {
	const blipixKey = sim.blipix.createAccount({ credits: 1000 });
	const clipmixKey = sim.clipmix.createAccount().liveKey;
	const credentials = { ...blipixCredentials(sim.blipix.baseUrl, blipixKey), ...clipMixCredentials(sim.clipmix.baseUrl, clipmixKey, SECRET) };
	return { blipixKey, clipmixKey, engine: { nodeTypes, credentialTypes, credentials } };
}

const languageOf = (item: INodeExecutionData) => (item.json.resultFile as IDataObject).language as string;

/** Every file the job's translation made is among the posted items, with that language's bytes. */
async function expectEveryLanguagePostedOnce(run: WorkflowRunResult, node: string) {
	expect(run.error).toBeUndefined();
	const posted = run.outputs(node)[0];
	expect(posted.map(languageOf)).toEqual(LANGUAGES);
	for (const [index, item] of posted.entries()) {
		expect((await run.binary(node, index, 'data')).equals(sim.clipmix.resultFile(item.json.id as string, languageOf(item)))).toBe(true);
	}
	return posted;
}

/** ClipMix charges each language for each started minute of the video: standard is 95 a language-minute. */
const translationCost = (videoSeconds: number) => 95 * LANGUAGES.length * Math.ceil(videoSeconds / 60);

describe('the content pipeline', () => {
	it('in one execution: a prompt becomes a video, the video three dubbed files, each posted once', async () => {
		const { clipmixKey, engine } = accounts();
		const run = await runWorkflow({ ...engine, workflow: example('examples/content-pipeline.json') });
		const [video] = run.outputs('Create Video')[0];
		const posted = await expectEveryLanguagePostedOnce(run, 'Upload per Language');

		// The Blipix video's own URL is what ClipMix translated, and it was not downloaded on the way.
		const jobId = posted[0].json.id as string;
		expect((sim.clipmix.job(jobId)?.json.input as IDataObject).video_url).toBe(video.json.videoUrl);
		expect(video.binary).toBeUndefined();
		expect(sim.clipmix.ledger.filter((charge) => charge.apiKey === clipmixKey).map((charge) => charge.credits)).toEqual([
			translationCost(video.json.duration as number),
		]);
	});

	it('Max Credits per Job refuses a dub that would cost more, from the video length, before anything is sent', async () => {
		const { clipmixKey, engine } = accounts();
		const workflow = example('examples/content-pipeline.json');
		const tight = structuredClone(workflow);
		const dub = tight.nodes.find((node) => node.name === 'Dub into 3 Languages')!;
		dub.parameters = { ...dub.parameters, maxCredits: 200 };
		const run = await runWorkflow({ ...engine, workflow: tight });
		const [refused] = run.outputs('Dub into 3 Languages')[1];
		expect(refused.json.reason).toMatch(/would cost about 285 credits, over the Max Credits per Job of 200/);
		expect(sim.clipmix.requestLog.filter((entry) => entry.apiKey === clipmixKey)).toEqual([]);
	});

	it('at scale, three workflows and no execution waiting: one posting execution per video, each language posted once', async () => {
		const { clipmixKey, engine } = accounts();
		const workflows = {
			create: example(PIPELINE_EXAMPLES.create),
			dub: example(PIPELINE_EXAMPLES.dub),
			post: example(PIPELINE_EXAMPLES.post),
		};
		const result = await runScaledPipeline(workflows, {
			sim,
			engine,
			clipmixApiKey: clipmixKey,
			webhookSecret: SECRET,
			sleepMinute: async () => await new Promise((resolve) => setTimeout(resolve, 60_000 / TIME_SCALE)),
		});
		expect(result.videoIds).toHaveLength(2);
		// One dub per video, started by the Blipix Trigger, each creating one job and ending.
		expect(result.dubRuns.map((run) => run.json('When a Video Is Ready')[0].id).sort()).toEqual([...result.videoIds].sort());
		for (const run of result.dubRuns) expect(run.outputs('Dub into 3 Languages')[0].map((item) => item.json.status)).toEqual(['processing']);
		// One posting execution per video, started by ClipMix's webhook, each language posted once.
		expect(result.postRuns).toHaveLength(2);
		const jobs = new Set<string>();
		for (const run of result.postRuns) {
			const posted = await expectEveryLanguagePostedOnce(run, 'Upload per Language');
			jobs.add(posted[0].json.id as string);
		}
		expect(jobs.size).toBe(2);
		expect(sim.clipmix.ledger.filter((charge) => charge.apiKey === clipmixKey)).toHaveLength(2);
	});
});
