/**
 * Tests of the engine harness itself: a tiny node type defined here, run by n8n-core's real
 * WorkflowExecute against a throwaway HTTP server on loopback.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import type {
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, sleepWithAbort } from 'n8n-workflow';

import type { EngineLogEntry, RunWorkflowOptions } from '.';
import { engineFilesDir, engineRoot, loadOptions, runWorkflow, testCredential } from '.';
import { useBinaryMode } from './binaryModes';

// ---------------------------------------------------------------------------------------
// A throwaway API
// ---------------------------------------------------------------------------------------

/** 300 KB of non-repeating bytes, sent in 64 KB chunks. */
const FILE = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

const seenAuthorization: Array<string | undefined> = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
	const json = (status: number, body: unknown) => {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	};
	seenAuthorization.push(req.headers.authorization);
	switch (req.url) {
		case '/echo':
			return json(200, { authorization: req.headers.authorization ?? null });
		case '/me':
			if (req.headers.authorization === 'Bearer good-key') return json(200, { id: 'u1' });
			res.writeHead(401, 'Unauthorized', { 'content-type': 'application/json' });
			return void res.end(JSON.stringify({ message: 'bad key' }));
		case '/voices':
			return json(200, [
				{ id: 'v1', label: 'Calm' },
				{ id: 'v2', label: 'Energetic' },
			]);
		case '/fail':
			return json(500, { message: 'simulated outage' });
		case '/file.bin': {
			res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': FILE.length });
			let offset = 0;
			const writeChunk = () => {
				while (offset < FILE.length) {
					const chunk = FILE.subarray(offset, offset + 64 * 1024);
					offset += chunk.length;
					if (!res.write(chunk)) return void res.once('drain', writeChunk);
				}
				res.end();
			};
			return writeChunk();
		}
		default:
			return json(404, { message: 'not found' });
	}
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
	server = createServer(handle);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

// ---------------------------------------------------------------------------------------
// A credential type and a node type, as a community package would define them
// ---------------------------------------------------------------------------------------

class TestApi implements ICredentialType {
	name = 'testApi';

	displayName = 'Test API';

	properties: ICredentialType['properties'] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:9' },
	];

	authenticate: ICredentialType['authenticate'] = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};

	test: ICredentialType['test'] = {
		request: { baseURL: '={{$credentials.baseUrl}}', url: '/me', method: 'GET' },
	};
}

/** Filled by the probe node when its sleep is interrupted. */
const abortSeen: { aborted?: boolean; reason?: string } = {};

class Probe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Probe',
		name: 'probe',
		group: ['transform'],
		version: 1,
		description: 'Exercises n8n-core helpers',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'testApi', required: true }],
		properties: [
			{
				displayName: 'Action',
				name: 'action',
				type: 'options',
				options: [
					{ name: 'Echo', value: 'echo' },
					{ name: 'Download', value: 'download' },
					{ name: 'Sleep', value: 'sleep' },
					{ name: 'Message', value: 'message' },
					{ name: 'Fail', value: 'fail' },
					{ name: 'Log', value: 'log' },
				],
				default: 'echo',
			},
			{
				displayName: 'Voice',
				name: 'voice',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getVoices' },
				default: '',
			},
			{ displayName: 'Label Prefix', name: 'prefix', type: 'string', default: '' },
		],
	};

	methods = {
		loadOptions: {
			async getVoices(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const { baseUrl: url } = await this.getCredentials<{ baseUrl: string }>('testApi');
				const prefix = (this.getCurrentNodeParameter('prefix') as string | undefined) ?? '';
				const voices = (await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
					method: 'GET',
					url: `${url}/voices`,
					json: true,
				})) as Array<{ id: string; label: string }>;
				return voices.map((voice) => ({ name: `${prefix}${voice.label}`, value: voice.id }));
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		const { baseUrl: url } = await this.getCredentials<{ baseUrl: string }>('testApi');
		for (let i = 0; i < items.length; i++) {
			const action = this.getNodeParameter('action', i) as string;
			try {
				if (action === 'echo') {
					const body = (await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
						method: 'GET',
						url: `${url}/echo`,
						json: true,
					})) as IDataObject;
					out.push({ json: body, pairedItem: { item: i } });
				} else if (action === 'download') {
					const stream = (await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
						method: 'GET',
						url: `${url}/file.bin`,
						encoding: 'stream',
					})) as Readable;
					const binary = await this.helpers.prepareBinaryData(stream, 'file.bin', 'application/octet-stream');
					out.push({ json: { fileName: binary.fileName }, binary: { data: binary }, pairedItem: { item: i } });
				} else if (action === 'sleep') {
					const signal = this.getExecutionCancelSignal();
					this.sendMessageToUI('sleeping');
					try {
						await sleepWithAbort(60_000, signal);
					} catch (error) {
						abortSeen.aborted = signal?.aborted;
						abortSeen.reason = (error as Error).message;
						throw error;
					}
					out.push({ json: { slept: true }, pairedItem: { item: i } });
				} else if (action === 'message') {
					this.sendMessageToUI({ progress: 50 });
					out.push({ json: { sent: true }, pairedItem: { item: i } });
				} else if (action === 'log') {
					this.logger.info('hello from the probe', { item: i });
					out.push({ json: { logged: true }, pairedItem: { item: i } });
				} else if (action === 'fail') {
					await this.helpers.httpRequestWithAuthentication.call(this, 'testApi', {
						method: 'GET',
						url: `${url}/fail`,
						json: true,
					});
				}
			} catch (error) {
				if (this.continueOnFail()) {
					out.push({ json: { error: (error as Error).message }, pairedItem: { item: i } });
					continue;
				}
				// httpRequestWithAuthentication already throws NodeApiError; a cancelled sleep throws
				// ManualExecutionCancelledError, which must stay as is for n8n to see a cancellation.
				throw error;
			}
		}
		return [out];
	}
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const PROBE = 'n8n-nodes-engine-test.probe';

/** Manual Trigger -> Probe, shaped like an n8n editor export. */
function probeWorkflow(action: string, probe: Partial<INode> = {}): RunWorkflowOptions['workflow'] {
	return {
		name: 'Probe test',
		nodes: [
			{
				id: '1f6f0b0a-0000-4000-8000-000000000001',
				name: 'When clicking ‘Execute workflow’',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: '1f6f0b0a-0000-4000-8000-000000000002',
				name: 'Probe',
				type: PROBE,
				typeVersion: 1,
				position: [220, 0],
				parameters: { action },
				credentials: { testApi: { id: 'XyZ123', name: 'Test account' } },
				...probe,
			},
		],
		connections: {
			'When clicking ‘Execute workflow’': { main: [[{ node: 'Probe', type: 'main', index: 0 }]] },
		},
		pinData: {},
		settings: { executionOrder: 'v1' },
	};
}

function options(workflow: RunWorkflowOptions['workflow'], extra: Partial<RunWorkflowOptions> = {}): RunWorkflowOptions {
	return {
		workflow,
		nodeTypes: { [PROBE]: new Probe() },
		credentialTypes: [new TestApi()],
		credentials: { testApi: { apiKey: 'good-key', baseUrl } },
		...extra,
	};
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

describe('runWorkflow', () => {
	it('applies the credential type\'s generic Bearer authenticate to httpRequestWithAuthentication', async () => {
		seenAuthorization.length = 0;
		const result = await runWorkflow(options(probeWorkflow('echo')));
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.json('Probe')).toEqual([{ authorization: 'Bearer good-key' }]);
		expect(seenAuthorization).toEqual(['Bearer good-key']);
		expect(result.executedNodes).toEqual(['When clicking ‘Execute workflow’', 'Probe']);
	});

	it('does not mutate the workflow JSON it is given, so it can be run again', async () => {
		const workflow = probeWorkflow('echo');
		const before = JSON.stringify(workflow);
		await runWorkflow(options(workflow));
		expect(JSON.stringify(workflow)).toBe(before);
		const again = await runWorkflow(options(workflow));
		expect(again.status).toBe('success');
	});

	it('keeps a streamed download in memory by default, as n8n 1.x does', async () => {
		const result = await runWorkflow(options(probeWorkflow('download')));
		expect(result.error).toBeUndefined();
		const [item] = result.outputs('Probe')[0];
		expect(item.binary?.data.id).toBeUndefined();
		expect(Buffer.from(item.binary?.data.data ?? '', 'base64').equals(FILE)).toBe(true);
		expect(result.binaryPath('Probe', 0)).toBeUndefined();
	});

	it('stores a streamed download on disk in filesystem mode and reads back identical bytes', async () => {
		await useBinaryMode('filesystem');
		const result = await runWorkflow(options(probeWorkflow('download')));
		await useBinaryMode('default');
		expect(result.error).toBeUndefined();
		const [item] = result.outputs('Probe')[0];
		expect(item.binary?.data).toMatchObject({
			fileName: 'file.bin',
			mimeType: 'application/octet-stream',
			bytes: FILE.length,
		});
		// Filesystem mode: an id and no base64 payload in the item.
		expect(item.binary?.data.id).toMatch(/^filesystem-v2:/);
		expect(item.binary?.data.data).toBe('filesystem-v2');
		const path = result.binaryPath('Probe', 0);
		expect(path?.startsWith(engineRoot)).toBe(true);
		expect(existsSync(path!)).toBe(true);
		expect(readFileSync(path!).equals(FILE)).toBe(true);
		expect((await result.binary('Probe', 0)).equals(FILE)).toBe(true);
	});

	it('stops a running node through getExecutionCancelSignal() when the signal aborts', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const result = await runWorkflow(
			options(probeWorkflow('sleep'), {
				signal: controller.signal,
				onMessageToUI: (_node, message) => {
					if (message === 'sleeping') setTimeout(() => controller.abort(), 50);
				},
			}),
		);
		// Ended by the abort, not by its 60 s: a share of that, however busy the machine.
		expect((Date.now() - started) / 60_000).toBeLessThan(0.5);
		expect(abortSeen.aborted).toBe(true);
		expect(result.status).toBe('canceled');
		expect(result.error).toBeDefined();
	});

	it('cancels before any node runs when the signal is already aborted', async () => {
		const controller = new AbortController();
		controller.abort();
		const result = await runWorkflow(options(probeWorkflow('echo'), { signal: controller.signal }));
		expect(result.status).toBe('canceled');
		expect(result.run.data.resultData.runData.Probe).toBeUndefined();
	});

	it('captures sendMessageToUI', async () => {
		const seen: Array<[string, unknown]> = [];
		const result = await runWorkflow(
			options(probeWorkflow('message'), { onMessageToUI: (node, message) => seen.push([node, message]) }),
		);
		expect(seen).toEqual([['Probe', { progress: 50 }]]);
		expect(result.messages).toEqual([{ nodeName: 'Probe', message: { progress: 50 } }]);
	});

	it('captures this.logger with the node that logged', async () => {
		const logs: EngineLogEntry[] = [];
		await runWorkflow(options(probeWorkflow('log'), { onLog: (entry) => logs.push(entry) }));
		expect(logs).toContainEqual({
			level: 'info',
			message: 'hello from the probe',
			metadata: { item: 0 },
			nodeName: 'Probe',
		});
	});

	it('fails the workflow with the node\'s NodeApiError', async () => {
		const result = await runWorkflow(options(probeWorkflow('fail')));
		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(Error);
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.httpCode).toBe('500');
		expect(result.error?.node?.name).toBe('Probe');
		expect(result.run.data.resultData.lastNodeExecuted).toBe('Probe');
	});

	it.each([
		['onError: continueRegularOutput', { onError: 'continueRegularOutput' as const }],
		['legacy continueOnFail: true', { continueOnFail: true }],
	])('turns the error into an { error } item with %s', async (_label, settings) => {
		const result = await runWorkflow(options(probeWorkflow('fail', settings)));
		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		const [item] = result.json('Probe');
		expect(Object.keys(item)).toEqual(['error']);
		expect(item.error).toBe('The service was not able to process your request');
	});

	it('reports a workflow n8n refuses to run (empty required parameter) as a failed run', async () => {
		const workflow = probeWorkflow('echo');
		workflow.nodes[1] = {
			id: 'split',
			name: 'Split',
			type: 'n8n-nodes-base.splitOut',
			typeVersion: 1,
			position: [220, 0],
			parameters: { fieldToSplitOut: '' },
		};
		workflow.connections = {
			'When clicking ‘Execute workflow’': { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
		};
		const result = await runWorkflow(options(workflow));
		expect(result.status).toBe('error');
		expect(result.error?.name).toBe('WorkflowHasIssuesError');
		expect(result.error?.issues).toEqual({
			Split: { parameters: { fieldToSplitOut: ['Parameter "Fields To Split Out" is required.'] } },
		});
		expect(result.executedNodes).toEqual([]);
	});

	it('rejects a workflow with a node type it was not given', async () => {
		const workflow = probeWorkflow('echo');
		workflow.nodes[1].type = 'n8n-nodes-unknown.thing';
		await expect(runWorkflow(options(workflow))).rejects.toThrow(/Unknown node type.*n8n-nodes-unknown\.thing/);
	});

	it('runs the core-node stand-ins: Set (JSON + assignments), Split Out, Read/Write Files, No-Op', async () => {
		const target = join(engineFilesDir, 'written.bin');
		const result = await runWorkflow({
			...options({
				name: 'Core nodes',
				nodes: [
					{ id: 'a', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{
						id: 'b',
						name: 'JSON',
						type: 'n8n-nodes-base.set',
						typeVersion: 3.4,
						position: [200, 0],
						parameters: { mode: 'raw', jsonOutput: '={\n  "prompts": {{ ["a", "b"] }},\n  "n": 2\n}' },
					},
					{ id: 'c', name: 'Split', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [400, 0], parameters: { fieldToSplitOut: 'prompts', include: 'allOtherFields' } },
					{
						id: 'd',
						name: 'Fields',
						type: 'n8n-nodes-base.set',
						typeVersion: 3.4,
						position: [600, 0],
						parameters: {
							assignments: {
								assignments: [
									{ id: '1', name: 'prompt', value: '={{ $json.prompts.toUpperCase() }}', type: 'string' },
									{ id: '2', name: 'meta.count', value: '={{ $json.n * 10 }}', type: 'number' },
								],
							},
							options: {},
						},
					},
					{ id: 'e', name: 'Download', type: PROBE, typeVersion: 1, position: [800, 0], parameters: { action: 'download' }, credentials: { testApi: { id: '1', name: 'x' } }, executeOnce: true },
					{ id: 'f', name: 'Write', type: 'n8n-nodes-base.readWriteFile', typeVersion: 1, position: [1000, 0], parameters: { operation: 'write', fileName: target, options: {} } },
					{ id: 'g', name: 'Done', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [1200, 0], parameters: {} },
					{ id: 'h', name: 'Note', type: 'n8n-nodes-base.stickyNote', typeVersion: 1, position: [0, -200], parameters: { content: 'hi' } },
				],
				connections: {
					Start: { main: [[{ node: 'JSON', type: 'main', index: 0 }]] },
					JSON: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
					Split: { main: [[{ node: 'Fields', type: 'main', index: 0 }]] },
					Fields: { main: [[{ node: 'Download', type: 'main', index: 0 }]] },
					Download: { main: [[{ node: 'Write', type: 'main', index: 0 }]] },
					Write: { main: [[{ node: 'Done', type: 'main', index: 0 }]] },
				},
				settings: { executionOrder: 'v1' },
			}),
		});
		expect(result.error?.stack).toBeUndefined();
		expect(result.json('JSON')).toEqual([{ prompts: ['a', 'b'], n: 2 }]);
		expect(result.json('Split')).toEqual([
			{ n: 2, prompts: 'a' },
			{ n: 2, prompts: 'b' },
		]);
		expect(result.json('Fields')).toEqual([
			{ prompt: 'A', meta: { count: 20 } },
			{ prompt: 'B', meta: { count: 20 } },
		]);
		expect(result.json('Done')).toEqual([{ fileName: target }]);
		expect(readFileSync(target).equals(FILE)).toBe(true);
		expect(result.executedNodes).not.toContain('Note');
	});
});

describe('loadOptions', () => {
	it('runs a loadOptions method through LoadOptionsContext with credentials and current parameters', async () => {
		const result = await loadOptions({
			nodeType: new Probe(),
			nodeTypeName: PROBE,
			method: 'getVoices',
			parameters: { action: 'echo', prefix: 'Voice: ' },
			credentialTypes: [new TestApi()],
			credentials: { testApi: { apiKey: 'good-key', baseUrl } },
		});
		expect(result).toEqual([
			{ name: 'Voice: Calm', value: 'v1' },
			{ name: 'Voice: Energetic', value: 'v2' },
		]);
	});
});

describe('testCredential', () => {
	it('reports OK when the test request succeeds with the Bearer header', async () => {
		await expect(
			testCredential({ credentialType: new TestApi(), data: { apiKey: 'good-key', baseUrl } }),
		).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	// The messages n8n 2.11's credential dialog shows: NodeApiError's, since n8n-workflow's
	// ExecutionBaseError drops an Error `cause`, so CredentialsTester's status-code branch
	// never sees the HTTP response.
	it('reports n8n\'s error message on 401', async () => {
		await expect(
			testCredential({ credentialType: new TestApi(), data: { apiKey: 'wrong', baseUrl } }),
		).resolves.toEqual({ status: 'Error', message: 'Authorization failed - please check your credentials' });
	});

	it('reports n8n\'s message when nothing listens', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise((resolve) => closed.close(resolve));
		await expect(
			testCredential({ credentialType: new TestApi(), data: { apiKey: 'good-key', baseUrl: `http://127.0.0.1:${port}` } }),
		).resolves.toEqual({
			status: 'Error',
			message: 'The service refused the connection - perhaps it is offline',
		});
	});
});
