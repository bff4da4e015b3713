/**
 * Every download path of the package, under each of the four ways n8n stores binary data (see
 * test/engine/binaryModes.ts): memory (n8n 1.x's default), filesystem (2.x's), database (2.x queue
 * mode's) and S3. Each store reads the downloaded stream in its own way; the file must arrive
 * byte for byte in every one, and the download's guards (Max File Size, stall, cancel, content
 * type) must hold in every one.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { clock } from '../../nodes/shared/clock';
import { STALL_TIMEOUT_MS } from '../../nodes/shared/download';
import { pollTrigger, readBinary, runWorkflow } from '../engine';
import type { WorkflowRunResult } from '../engine';
import { BINARY_MODES, DatabaseModeManager, stopBinaryModes, useBinaryMode } from '../engine/binaryModes';
import { CHUNKS, OK_BYTES, probeDownload, startFileServer } from '../helpers/downloadProbe';
import type { FileServer } from '../helpers/downloadProbe';
import {
	BLIPIX_TRIGGER_TYPE,
	BLIPIX_TYPE,
	CLIPMIX_TYPE,
	WAIT_TYPE,
	blipixCredentials,
	chainWorkflow,
	clipMixCredentials,
	credentialTypes,
	nodeTypes,
} from '../helpers/nodes';
import { stopScaledSimulator } from '../helpers/simulator';
import { startSimulator } from '../simulator';
import type { Simulator } from '../simulator';

// One simulated minute per real second: a render of [render:10] takes a sixth of a second, and the
// 60 s stall timeout one real second.
const TIME_SCALE = 60;
/** The size of every Blipix video served: big enough to come in many chunks. */
const VIDEO_BYTES = 3_000_000;

let sim: Simulator;
let files: FileServer;

beforeAll(async () => {
	sim = await startSimulator({ timeScale: TIME_SCALE, seed: 16, blipix: { videoBytes: VIDEO_BYTES } });
	clock.follow(TIME_SCALE, sim.simNow());
	files = await startFileServer();
});

afterAll(async () => {
	await stopScaledSimulator(sim);
	await files.close();
	await stopBinaryModes();
});

async function blipix(apiKey: string, chain: Parameters<typeof chainWorkflow>[1], items: IDataObject[] = [{}]) {
	return await runWorkflow({
		workflow: chainWorkflow(items, chain),
		nodeTypes,
		credentialTypes,
		credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
	});
}

async function clipMix(apiKey: string, chain: Parameters<typeof chainWorkflow>[1]) {
	return await runWorkflow({
		workflow: chainWorkflow([{}], chain),
		nodeTypes,
		credentialTypes,
		credentials: clipMixCredentials(sim.clipmix.baseUrl, apiKey),
	});
}

const create = (extra: INodeParameters = {}) => ({
	name: 'Create',
	type: BLIPIX_TYPE,
	parameters: { resource: 'video', operation: 'create', prompt: 'Modes [render:10]', voice: 'alloy', checkCredits: false, ...extra },
});
const waitOptions = { pollInterval: 5, maxWait: 10, downloadVideo: true, binaryPropertyName: 'data' };
const song = (extra: INodeParameters = {}) => ({
	name: 'ClipMix',
	type: CLIPMIX_TYPE,
	parameters: { resource: 'music', operation: 'create', prompt: 'Modes [render:10]', durationSeconds: 30, checkCredits: false, ...extra },
});

/** The ready items of a node, each with its file read back from the store and checked against `expected`. */
async function expectFiles(run: WorkflowRunResult, node: string, expected: (item: INodeExecutionData) => Buffer, property = 'data') {
	expect(run.error).toBeUndefined();
	const [ready, failed = []] = run.outputs(node);
	expect(failed.map((item) => item.json.reason)).toEqual([]);
	expect(ready.length).toBeGreaterThan(0);
	for (const [index, item] of ready.entries()) {
		const bytes = await run.binary(node, index, property);
		expect(bytes.length).toBe(expected(item).length);
		expect(bytes.equals(expected(item))).toBe(true);
	}
	return ready;
}

async function readyVideo(apiKey: string): Promise<string> {
	const created = await blipix(apiKey, [create({ waitForRender: true, ...waitOptions, downloadVideo: false })]);
	return created.outputs('Create')[0][0].json.id as string;
}

describe.each(BINARY_MODES)('binary data in %s mode', (mode) => {
	beforeAll(async () => await useBinaryMode(mode));

	it('Blipix Video → Download: the MP4 and the thumbnail', async () => {
		const apiKey = sim.blipix.createAccount();
		const id = await readyVideo(apiKey);
		const video = await blipix(apiKey, [{ name: 'Get', type: BLIPIX_TYPE, parameters: { resource: 'video', operation: 'download', videoId: id, file: 'video' } }]);
		await expectFiles(video, 'Get', () => sim.blipix.videoFile(id));
		expect(sim.blipix.videoFile(id).length).toBe(VIDEO_BYTES);
		const thumbnail = await blipix(apiKey, [{ name: 'Get', type: BLIPIX_TYPE, parameters: { resource: 'video', operation: 'download', videoId: id, file: 'thumbnail' } }]);
		await expectFiles(thumbnail, 'Get', () => sim.blipix.thumbnailFile(id));
	});

	it('Blipix Create with Wait for Render, and the Blipix Wait for Render node', async () => {
		const prompts = [{ prompt: 'one [render:10]' }, { prompt: 'two [render:20]' }];
		const oneStep = await blipix(sim.blipix.createAccount(), [create({ prompt: '={{ $json.prompt }}', waitForRender: true, ...waitOptions })], prompts);
		expect(await expectFiles(oneStep, 'Create', (item) => sim.blipix.videoFile(item.json.id as string))).toHaveLength(2);
		const twoSteps = await blipix(
			sim.blipix.createAccount(),
			[create({ prompt: '={{ $json.prompt }}' }), { name: 'Wait', type: WAIT_TYPE, parameters: waitOptions }],
			prompts,
		);
		expect(await expectFiles(twoSteps, 'Wait', (item) => sim.blipix.videoFile(item.json.id as string))).toHaveLength(2);
	});

	it('ClipMix Create with Wait for Completion, Job → Wait for Completion and Job → Download Result', async () => {
		const apiKey = sim.clipmix.createAccount().liveKey;
		const resultOf = (item: INodeExecutionData) => sim.clipmix.resultFile(item.json.id as string);
		const waited = await clipMix(apiKey, [song({ waitForCompletion: true, pollInterval: 5, maxWait: 10, downloadResult: true })]);
		const [done] = await expectFiles(waited, 'ClipMix', resultOf);
		const id = done.json.id as string;

		const job = { resource: 'job', service: 'music', jobId: id };
		const wait = await clipMix(apiKey, [{ name: 'Job', type: CLIPMIX_TYPE, parameters: { ...job, operation: 'waitForCompletion', pollInterval: 5, maxWait: 10 } }]);
		await expectFiles(wait, 'Job', resultOf);
		const download = await clipMix(apiKey, [{ name: 'Job', type: CLIPMIX_TYPE, parameters: { ...job, operation: 'downloadResult' } }]);
		await expectFiles(download, 'Job', resultOf);
	});

	it('Blipix Trigger with Download Video and Download Thumbnail: one execution per video, with both files', async () => {
		const apiKey = sim.blipix.createAccount();
		const staticData: IDataObject = {};
		const poll = async () =>
			await pollTrigger({
				workflow: {
					nodes: [
						{
							id: 'trigger',
							name: 'Blipix Trigger',
							type: BLIPIX_TRIGGER_TYPE,
							typeVersion: 1,
							position: [0, 0],
							parameters: { events: ['video.ready'], options: { downloadVideo: true, downloadThumbnail: true } },
							credentials: { blipixApi: { id: 'blipixApi', name: 'Blipix account' } },
						},
					],
					connections: {},
				},
				triggerNode: 'Blipix Trigger',
				staticData,
				nodeTypes,
				credentialTypes,
				credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
			});
		expect((await poll()).emitted).toEqual([]);
		const ids = [await readyVideo(apiKey), await readyVideo(apiKey)];
		const { emitted, emittedErrors } = await poll();
		expect(emittedErrors).toEqual([]);
		expect(emitted.map(([[item]]) => item.json.id).sort()).toEqual([...ids].sort());
		for (const [[item]] of emitted) {
			const id = item.json.id as string;
			expect(item.json.error).toBeUndefined();
			expect((await readBinary(item.binary!.data)).equals(sim.blipix.videoFile(id))).toBe(true);
			expect((await readBinary(item.binary!.thumbnail)).equals(sim.blipix.thumbnailFile(id))).toBe(true);
		}
		expect((await poll()).emitted).toEqual([]);
	});

	it('a download keeps its guards: Max File Size (declared and streamed), web pages, a stall, a cancel', async () => {
		const download = async (path: string, extra: Parameters<typeof probeDownload>[2] = {}) =>
			await probeDownload(files.url, `${files.url}${path}`, extra);

		const ok = await download('/ok.mp4');
		expect(ok.error).toBeUndefined();
		expect((await ok.binary('Node', 0)).equals(Buffer.alloc(OK_BYTES, 1))).toBe(true);

		expect((await download('/big-declared.mp4', { maxBytes: 4000 })).error?.message).toBe(
			'Not saving T.mp4: it is 10000 bytes, over the Max File Size of 4000 bytes',
		);
		expect((await download('/big-chunked.mp4', { maxBytes: 4000 })).error?.message).toMatch(
			/^Download of T\.mp4 stopped after \d+ bytes: it passed the Max File Size of 4000 bytes$/,
		);
		expect((await download('/login.mp4')).error?.message).toBe('Not saving T.mp4: the server sent text/html, not a video file');
		expect((await download('/stall.mp4')).error?.message).toBe(
			`Download of T.mp4 stopped after 500 bytes: nothing arrived for ${STALL_TIMEOUT_MS / 1000} seconds`,
		);

		// A body that never ends, canceled a fifth of a stall timeout in: canceled, not stalled.
		const controller = new AbortController();
		setTimeout(() => controller.abort(), STALL_TIMEOUT_MS / TIME_SCALE / 5);
		const canceled = await download('/drip.mp4', { signal: controller.signal });
		expect(canceled.status).toBe('canceled');
	});
});

describe('a store that reads slowly', () => {
	it('is not taken for a stalled server: it stops reading for longer than the stall timeout, twice, and all arrives', async () => {
		const slow = new DatabaseModeManager({ chunks: 2, pauseMs: (STALL_TIMEOUT_MS / TIME_SCALE) * 1.5 });
		await useBinaryMode('database', slow);
		const run = await probeDownload(files.url, `${files.url}/chunks.mp4`);
		expect(run.error).toBeUndefined();
		expect((await run.binary('Node', 0)).length).toBe(CHUNKS * OK_BYTES);
		expect(slow.pauses).toBe(2);
	});
});
