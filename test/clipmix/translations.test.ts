/**
 * A translation into N languages is charged N times and makes N files: every one must reach an
 * output item, with its language and its own bytes, however the API names them (the docs do not
 * say). The simulator plays each plausible shape (test/simulator/README.md, resultShape).
 */
import { createHmac } from 'node:crypto';

import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { deliverWebhook, runWorkflow } from '../engine';
import type { WorkflowRunResult } from '../engine';
import { CLIPMIX_TYPE, chainWorkflow, clipMixCredentials, clipMixTriggerWorkflow, credentialTypes, nodeTypes } from '../helpers/nodes';
import { stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';
import type { ClipMixResultShape } from '../simulator/clipmix';

const TIME_SCALE = 600;
const LANGUAGES = ['es', 'de', 'ja'];
const PER_LANGUAGE_SHAPES: ClipMixResultShape[] = ['results', 'result_urls_by_language', 'result_urls', 'output_files', 'output_videos'];

const sims = new Map<ClipMixResultShape, Simulator>();
async function simFor(shape: ClipMixResultShape): Promise<Simulator> {
	let sim = sims.get(shape);
	if (!sim) {
		sim = await startSimulator({ timeScale: TIME_SCALE, seed: 18, clipmix: { resultShape: shape } });
		clock.follow(TIME_SCALE, sim.simNow());
		sims.set(shape, sim);
	}
	return sim;
}

afterAll(async () => {
	for (const sim of sims.values()) await stopScaledSimulator(sim);
});

const translate = (extra: INodeParameters = {}): INodeParameters => ({
	resource: 'translation',
	operation: 'create',
	videoUrl: 'https://videos.example.com/episode-12.mp4?x=[render:30]',
	targetLanguages: LANGUAGES,
	qualityTier: 'standard',
	...extra,
});
const waiting = { waitForCompletion: true, pollInterval: 5, maxWait: 10 };

async function run(sim: Simulator, apiKey: string, chain: Parameters<typeof chainWorkflow>[1]): Promise<WorkflowRunResult> {
	return await runWorkflow({
		workflow: chainWorkflow([{}], chain),
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey),
	});
}

/** Each item is one language's file of the job, with that language's bytes. */
async function expectOneItemPerLanguage(sim: Simulator, result: WorkflowRunResult, node: string, items: INodeExecutionData[]) {
	expect(result.error).toBeUndefined();
	expect(items.map((item) => (item.json.resultFile as IDataObject).language)).toEqual(LANGUAGES);
	for (const [index, item] of items.entries()) {
		const language = (item.json.resultFile as IDataObject).language as string;
		expect(item.json.resultFiles).toEqual({ named: 3, arrived: 3 });
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary?.data.fileName).toBe(`${String(item.json.id)}-${language}.mp4`);
		expect((await result.binary(node, index, 'data')).equals(sim.clipmix.resultFile(item.json.id as string, language))).toBe(true);
	}
}

describe.each(PER_LANGUAGE_SHAPES)('a translation into 3 languages, files named as %s', (shape) => {
	it('Create with Wait for Completion: one item per language, each with its own file', async () => {
		const sim = await simFor(shape);
		const apiKey = sim.clipmix.createAccount().liveKey;
		const result = await run(sim, apiKey, [{ name: 'ClipMix', type: CLIPMIX_TYPE, parameters: translate(waiting) }]);
		const [ready, failed] = result.outputs('ClipMix');
		expect(failed).toEqual([]);
		await expectOneItemPerLanguage(sim, result, 'ClipMix', ready);
		// One job, charged once for three languages: all three files are in the output.
		expect(sim.clipmix.ledger.filter((charge) => charge.apiKey === apiKey)).toHaveLength(1);
		expect(new Set(ready.map((item) => item.json.id)).size).toBe(1);
	});

	it('Job → Wait for Completion and Job → Download Result: one item per language', async () => {
		const sim = await simFor(shape);
		const apiKey = sim.clipmix.createAccount().liveKey;
		const job = { resource: 'job', service: 'translation' };
		const waited = await run(sim, apiKey, [
			{ name: 'Create', type: CLIPMIX_TYPE, parameters: translate() },
			{ name: 'Wait', type: CLIPMIX_TYPE, parameters: { ...job, operation: 'waitForCompletion', pollInterval: 5, maxWait: 10 } },
		]);
		await expectOneItemPerLanguage(sim, waited, 'Wait', waited.outputs('Wait')[0]);
		const id = waited.json('Create')[0].id as string;
		const downloaded = await run(sim, apiKey, [{ name: 'Download', type: CLIPMIX_TYPE, parameters: { ...job, operation: 'downloadResult', jobId: id } }]);
		await expectOneItemPerLanguage(sim, downloaded, 'Download', downloaded.outputs('Download')[0]);
	});
});

describe('a translation whose files do not all arrive', () => {
	it('the file that fails goes to "Failed or Timed Out" with its language; the others come out', async () => {
		const sim = await simFor('results');
		const apiKey = sim.clipmix.createAccount().liveKey;
		sim.cdnStallNext(1, 1000, '/de.mp4');
		const result = await run(sim, apiKey, [{ name: 'ClipMix', type: CLIPMIX_TYPE, parameters: translate(waiting) }]);
		expect(result.error).toBeUndefined();
		const [ready, failed] = result.outputs('ClipMix');
		expect(ready.map((item) => (item.json.resultFile as IDataObject).language)).toEqual(['es', 'ja']);
		expect(ready.map((item) => item.json.resultFiles)).toEqual([{ named: 3, arrived: 2 }, { named: 3, arrived: 2 }]);
		expect(failed).toHaveLength(1);
		expect(failed[0].json).toMatchObject({ waitResult: 'fileFailed', resultFile: { language: 'de' }, reason: expect.stringMatching(/nothing arrived for 60 seconds/) });
	});

	it('Job → Download Result names the language that failed, and keeps the others with Continue On Fail', async () => {
		const sim = await simFor('results');
		const apiKey = sim.clipmix.createAccount().liveKey;
		const created = await run(sim, apiKey, [{ name: 'ClipMix', type: CLIPMIX_TYPE, parameters: translate(waiting) }]);
		const id = created.outputs('ClipMix')[0][0].json.id as string;
		const download = { resource: 'job', service: 'translation', operation: 'downloadResult', jobId: id };

		sim.cdnStallNext(1, 1000, '/ja.mp4');
		const stopped = await run(sim, apiKey, [{ name: 'Download', type: CLIPMIX_TYPE, parameters: download }]);
		expect(stopped.error?.message).toBe(`1 of 3 files of job "${id}" would not download: ja`);

		sim.cdnStallNext(1, 1000, '/ja.mp4');
		const kept = await run(sim, apiKey, [{ name: 'Download', type: CLIPMIX_TYPE, parameters: download, onError: 'continueRegularOutput' }]);
		const items = kept.outputs('Download')[0];
		// A completed job's own `error` is null; the file that failed carries why.
		expect(items.map((item) => [(item.json.resultFile as IDataObject).language, item.json.error])).toEqual([
			['es', null],
			['de', null],
			['ja', expect.stringMatching(/nothing arrived for 60 seconds/)],
		]);
	});
});

describe('the ClipMix Trigger', () => {
	it('exposes every result file of a translation, with its language', async () => {
		const sim = await simFor('result_urls_by_language');
		const secret = 'whsec_translations';
		const apiKey = sim.clipmix.createAccount().liveKey;
		const created = await run(sim, apiKey, [{ name: 'ClipMix', type: CLIPMIX_TYPE, parameters: translate(waiting) }]);
		const job = created.outputs('ClipMix')[0][0].json;
		// The event carries the job as the API answers it, without what the node added.
		const plainJob = Object.fromEntries(Object.entries(job).filter(([key]) => !key.startsWith('resultFile')));
		const rawBody = Buffer.from(JSON.stringify({ id: 'evt_tr_1', type: 'job.completed', created_at: new Date(clock.now()).toISOString(), data: plainJob }));
		const delivery = await deliverWebhook({
			workflow: clipMixTriggerWorkflow({ events: ['job.completed'], services: ['translation'], verifySignature: true }),
			triggerNode: 'ClipMix Trigger',
			staticData: {},
			nodeTypes,
			credentialTypes,
			credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey, secret),
			request: {
				headers: { 'content-type': 'application/json', 'x-clipmix-signature': `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}` },
				rawBody,
			},
		});
		expect(delivery.started).toBe(true);
		const [item] = delivery.run!.json('ClipMix Trigger');
		expect((item.resultFiles as IDataObject[]).map((file) => file.language)).toEqual(LANGUAGES);
		expect(item.resultUrl).toBe((item.resultFiles as IDataObject[])[0].url);
	});
});
