/**
 * Runs real n8n workflows in-process: n8n-core's `WorkflowExecute` with its real execution
 * contexts and helpers (httpRequestWithAuthentication, prepareBinaryData, getBinaryStream,
 * sendMessageToUI, getExecutionCancelSignal, ...). Nothing about IExecuteFunctions is
 * mocked; what is replaced is what the n8n server (packages/cli) would provide around the
 * engine: the credential store (in memory, see credentials.ts), node-type registry,
 * execution lifecycle hooks and the logger.
 *
 * Binary data is kept in memory, n8n 1.x's default (env.ts); `useBinaryMode` (binaryModes.ts)
 * switches to filesystem (under a per-process temp folder), database or S3. Call
 * `shutdownEngine()` when done (jest: test/engine/setup.ts).
 *
 * Logging: nodes' `this.logger` goes to `onLog` when given; otherwise it is dropped unless
 * N8N_ENGINE_LOG=error|warn|info|debug asks for it on stderr.
 */
// First: sets N8N_USER_FOLDER & co. before n8n-core's container reads them.
import './env';

import {
	BinaryDataService,
	ExecuteContext,
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	LoadOptionsContext,
	PollContext,
	RoutingNode,
	WebhookContext,
	WorkflowExecute,
} from 'n8n-core';
import type {
	ExecutionBaseError,
	IBinaryData,
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialType,
	IConnections,
	IDataObject,
	IExecuteData,
	INode,
	INodeCredentials,
	INodeExecutionData,
	INodeParameters,
	INodePropertyOptions,
	INodeType,
	INodeTypes,
	IPinData,
	IRun,
	IRunExecutionData,
	ITaskDataConnections,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IWorkflowSettings,
	IWebhookData,
	WorkflowActivateMode,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { NodeHelpers, UserError, Workflow, createRunExecutionData } from 'n8n-workflow';

import { coreNodeTypes } from './coreNodes';
import type { EngineCredentials } from './credentials';
import { EngineCredentialTypes, EngineCredentialsHelper } from './credentials';
import type { EngineLogEntry, RunScope } from './runtime';
import { Container, engineFilesDir, engineRoot, ensureEngine, runScope, shutdownEngine } from './runtime';

export type { EngineCredentials } from './credentials';
export type { EngineLogEntry, EngineLogLevel } from './runtime';
export { coreNodeTypes } from './coreNodes';
export { engineFilesDir, engineRoot, shutdownEngine };

// ---------------------------------------------------------------------------------------
// Shared plumbing
// ---------------------------------------------------------------------------------------

type AnyNodeType = INodeType | IVersionedNodeType;

class EngineNodeTypes implements INodeTypes {
	constructor(private readonly types: Record<string, AnyNodeType>) {}

	getByName(nodeType: string): AnyNodeType {
		return this.types[nodeType];
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const type = this.types[nodeType];
		// Unknown types come back undefined, as in n8n (runWorkflow checks for them up front).
		return (type ? NodeHelpers.getVersionedNodeType(type, version) : undefined) as INodeType;
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

let executionCounter = 0;

interface AdditionalDataOptions {
	credentialsHelper: EngineCredentialsHelper;
	executionId?: string;
	hooks?: ExecutionLifecycleHooks;
	onMessageToUI?: (nodeName: string, message: unknown) => void;
	settings?: IWorkflowSettings;
	currentNodeParameters?: INodeParameters;
}

/** What n8n's CLI `WorkflowExecuteAdditionalData.getBase()` provides, minus the server. */
function additionalData(opts: AdditionalDataOptions): IWorkflowExecuteAdditionalData {
	const baseUrl = 'http://localhost:5678';
	const timeout = opts.settings?.executionTimeout;
	return {
		credentialsHelper: opts.credentialsHelper,
		executeWorkflow: async () => {
			throw new UserError('The engine does not run sub-workflows (Execute Workflow node)');
		},
		getRunExecutionData: async () => undefined,
		executionId: opts.executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${baseUrl}/rest`,
		instanceBaseUrl: `${baseUrl}/`,
		formWaitingBaseUrl: `${baseUrl}/form-waiting`,
		webhookBaseUrl: `${baseUrl}/webhook`,
		webhookWaitingBaseUrl: `${baseUrl}/webhook-waiting`,
		webhookTestBaseUrl: `${baseUrl}/webhook-test`,
		variables: {},
		userId: 'engine-user',
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new UserError('The engine has no task runners (Code node)');
		},
		externalSecretsProxy: Container.get(ExternalSecretsProxy),
		hooks: opts.hooks,
		workflowSettings: opts.settings,
		currentNodeParameters: opts.currentNodeParameters,
		executionTimeoutTimestamp: timeout && timeout > 0 ? Date.now() + timeout * 1000 : undefined,
		sendDataToUI: (type, data) => {
			if (type !== 'sendConsoleMessage' || !opts.onMessageToUI) return;
			const { source, messages } = data as { source?: string; messages?: unknown[] };
			const nodeName = /^\[Node: "(.*)"\]$/.exec(source ?? '')?.[1] ?? String(source);
			const list = messages ?? [];
			opts.onMessageToUI(nodeName, list.length === 1 ? list[0] : list);
		},
	};
}

function latestVersion(type: AnyNodeType): number {
	if ('nodeVersions' in type) return type.currentVersion;
	const { version } = type.description;
	return Array.isArray(version) ? version[version.length - 1] : version;
}

// ---------------------------------------------------------------------------------------
// runWorkflow
// ---------------------------------------------------------------------------------------

/** A workflow as the n8n editor exports it (Download / copy-paste JSON). */
export interface EngineWorkflow {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	/** Items pinned per node name, as exported ({ json } items; bare objects are wrapped). */
	pinData?: IPinData;
	/** As exported; executionOrder defaults to 'v1' (what n8n sets on every new workflow). */
	settings?: IWorkflowSettings;
	staticData?: IDataObject;
}

export interface RunWorkflowOptions {
	workflow: EngineWorkflow;
	/**
	 * Node classes keyed by the type name used in the JSON (e.g.
	 * 'n8n-nodes-blipix-clipmix.blipix'). The core stand-ins (`coreNodeTypes`) are always
	 * available too; an entry here with the same name replaces one.
	 */
	nodeTypes: Record<string, AnyNodeType>;
	credentialTypes: ICredentialType[];
	credentials: EngineCredentials;
	/** Default 'manual' (n8n's "Execute workflow" button). */
	mode?: WorkflowExecuteMode;
	/** Node name to start from; default: the workflow's trigger (n8n's own choice). */
	startNode?: string;
	/** Aborting stops the execution like n8n's "Stop" button; nodes see it via getExecutionCancelSignal(). */
	signal?: AbortSignal;
	/** Receives what nodes pass to this.sendMessageToUI() (manual mode only, as in n8n). */
	onMessageToUI?: (nodeName: string, message: unknown) => void;
	/** Receives what nodes (and n8n-core services on their behalf) log through this.logger. */
	onLog?: (entry: EngineLogEntry) => void;
}

/** An Error rebuilt from the run data, with the NodeApiError/NodeOperationError fields n8n keeps. */
export interface EngineExecutionError extends Error {
	description?: string | null;
	httpCode?: string | null;
	node?: INode;
	context?: IDataObject;
	level?: string;
	[key: string]: unknown;
}

export interface WorkflowRunResult {
	run: IRun;
	/** run.status: 'success' | 'error' | 'canceled' | ... */
	status: IRun['status'];
	/**
	 * The execution error if the workflow failed or was stopped: the node's error rebuilt from
	 * the run data (name, message, description, httpCode, node... kept), or, when n8n refused
	 * to start the run at all (WorkflowHasIssuesError, with `.issues`), that error itself.
	 */
	error?: EngineExecutionError;
	/** Everything nodes sent to the UI, in order. */
	messages: Array<{ nodeName: string; message: unknown }>;
	/** Names of the nodes that ran, in execution order. */
	executedNodes: string[];
	/** A node's output items, per output index ([] for an output without items). */
	outputs(nodeName: string, runIndex?: number): INodeExecutionData[][];
	/** The `json` of a node's items on one output (first run). */
	json(nodeName: string, outputIndex?: number): IDataObject[];
	/** Reads a binary property of a node's output item (main output, first run) back. */
	binary(nodeName: string, itemIndex: number, property?: string): Promise<Buffer>;
	/** Where that binary lives on disk (filesystem mode), or undefined if it is inline base64. */
	binaryPath(nodeName: string, itemIndex: number, property?: string): string | undefined;
}

function normalizePinData(pinData: IPinData | undefined): IPinData | undefined {
	if (!pinData) return undefined;
	const result: IPinData = {};
	for (const [name, items] of Object.entries(pinData)) {
		result[name] = items.map((item) =>
			item && typeof item === 'object' && 'json' in item ? item : { json: item as unknown as IDataObject },
		);
	}
	return result;
}

function rebuildError(raw: unknown): EngineExecutionError | undefined {
	if (!raw || typeof raw !== 'object') return undefined;
	const data = raw as Record<string, unknown>;
	const error = new Error(String(data.message ?? 'Workflow execution failed')) as EngineExecutionError;
	Object.assign(error, data);
	if (typeof data.stack === 'string') error.stack = data.stack;
	return error;
}

function describeIssues(issues: unknown): string {
	try {
		return JSON.stringify(issues);
	} catch {
		return String(issues);
	}
}

export async function runWorkflow(opts: RunWorkflowOptions): Promise<WorkflowRunResult> {
	await ensureEngine();
	const mode = opts.mode ?? 'manual';
	const source = structuredClone(opts.workflow);
	const settings: IWorkflowSettings = { executionOrder: 'v1', ...(source.settings ?? {}) };
	const nodeTypes = new EngineNodeTypes({ ...coreNodeTypes, ...opts.nodeTypes });

	const unknown = source.nodes.filter((node) => !nodeTypes.getByName(node.type) && !node.disabled);
	if (unknown.length) {
		throw new UserError(
			`Unknown node type(s): ${unknown.map((n) => `"${n.type}" (node "${n.name}")`).join(', ')}. ` +
				'Pass the node classes in nodeTypes.',
		);
	}

	const credentialTypes = new EngineCredentialTypes(opts.credentialTypes);
	const credentialsHelper = new EngineCredentialsHelper(credentialTypes, opts.credentials);
	const workflowId = source.id ?? 'engine-workflow';
	const executionId = String(++executionCounter);
	const workflow = new Workflow({
		id: workflowId,
		name: source.name,
		nodes: source.nodes,
		connections: source.connections,
		active: false,
		nodeTypes,
		staticData: source.staticData,
		settings,
		pinData: normalizePinData(source.pinData),
	});

	const scope: RunScope = { onLog: opts.onLog };
	const executedNodes: string[] = [];
	const messages: WorkflowRunResult['messages'] = [];
	const workflowData: IWorkflowBase = {
		id: workflowId,
		name: source.name ?? 'Engine workflow',
		active: false,
		isArchived: false,
		nodes: source.nodes,
		connections: source.connections,
		settings,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	hooks.addHandler('nodeExecuteBefore', (nodeName) => {
		scope.currentNode = nodeName;
	});
	hooks.addHandler('nodeExecuteAfter', (nodeName) => {
		executedNodes.push(nodeName);
		scope.currentNode = undefined;
	});

	const data = additionalData({
		credentialsHelper,
		executionId,
		hooks,
		settings,
		onMessageToUI: (nodeName, message) => {
			messages.push({ nodeName, message });
			opts.onMessageToUI?.(nodeName, message);
		},
	});

	const startNode = opts.startNode === undefined ? undefined : workflow.getNode(opts.startNode);
	if (opts.startNode !== undefined && !startNode) {
		throw new UserError(`startNode "${opts.startNode}" is not a node of the workflow`);
	}

	const outcome = await runScope.run(scope, async (): Promise<{ run: IRun; error?: Error }> => {
		const workflowExecute = new WorkflowExecute(data, mode);
		const startedAt = new Date();
		let execution: ReturnType<WorkflowExecute['run']>;
		try {
			execution = workflowExecute.run({
				workflow,
				startNode: startNode ?? undefined,
				pinData: workflow.pinData,
			});
		} catch (error) {
			// WorkflowExecute refuses to start (e.g. WorkflowHasIssuesError for an empty required
			// parameter). n8n records that as a failed execution; so do we.
			const failure = error as Error & { issues?: unknown };
			if (failure.name === 'WorkflowHasIssuesError') {
				const start = startNode ?? workflow.getStartNode();
				failure.issues = workflowExecute.checkReadyForExecution(workflow, {
					startNode: start?.name,
					pinDataNodeNames: Object.keys(workflow.pinData ?? {}),
				});
				failure.message += ` ${describeIssues(failure.issues)}`;
			}
			return { run: failedRun(mode, startedAt, failure), error: failure };
		}
		const cancel = () => execution.cancel();
		if (opts.signal?.aborted) cancel();
		opts.signal?.addEventListener('abort', cancel, { once: true });
		try {
			return { run: await execution };
		} finally {
			opts.signal?.removeEventListener('abort', cancel);
		}
	});

	return makeResult(outcome.run, messages, executedNodes, outcome.error);
}

/** The IRun of an execution that never started, as n8n stores one. */
function failedRun(mode: WorkflowExecuteMode, startedAt: Date, error: Error): IRun {
	return {
		data: createRunExecutionData({
			resultData: {
				runData: {},
				error: { ...error, message: error.message, stack: error.stack } as ExecutionBaseError,
			},
		}),
		mode,
		startedAt,
		stoppedAt: new Date(),
		storedAt: 'db',
		status: 'error',
	};
}

function makeResult(
	run: IRun,
	messages: WorkflowRunResult['messages'],
	executedNodes: string[],
	error?: Error,
): WorkflowRunResult {
	const runData = run.data.resultData.runData;

	const outputs = (nodeName: string, runIndex = 0): INodeExecutionData[][] => {
		const task = runData[nodeName]?.[runIndex];
		if (!task) {
			const ran = Object.keys(runData).join(', ') || 'none';
			throw new Error(`Node "${nodeName}" has no run ${runIndex} (nodes that ran: ${ran})`);
		}
		return (task.data?.main ?? []).map((items) => items ?? []);
	};

	const binaryOf = (nodeName: string, itemIndex: number, property: string) => {
		const item = outputs(nodeName)[0]?.[itemIndex];
		if (!item) throw new Error(`Node "${nodeName}" has no output item ${itemIndex}`);
		const binary = item.binary?.[property];
		if (!binary) {
			const available = Object.keys(item.binary ?? {}).join(', ') || 'none';
			throw new Error(`Item ${itemIndex} of "${nodeName}" has no binary "${property}" (has: ${available})`);
		}
		return binary;
	};

	return {
		run,
		status: run.status,
		error: (error as EngineExecutionError | undefined) ?? rebuildError(run.data.resultData.error),
		messages,
		executedNodes,
		outputs,
		json: (nodeName, outputIndex = 0) => (outputs(nodeName)[outputIndex] ?? []).map((item) => item.json),
		binary: async (nodeName, itemIndex, property = 'data') => await readBinary(binaryOf(nodeName, itemIndex, property)),
		binaryPath: (nodeName, itemIndex, property = 'data') => {
			const { id } = binaryOf(nodeName, itemIndex, property);
			return id ? Container.get(BinaryDataService).getPath(id) : undefined;
		},
	};
}

/** The bytes of a binary data entry, from wherever the current binary mode keeps them. */
export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	return await Container.get(BinaryDataService).getAsBuffer(binary);
}

// ---------------------------------------------------------------------------------------
// loadOptions: the editor's dropdowns
// ---------------------------------------------------------------------------------------

export interface LoadOptionsOptions {
	nodeType: AnyNodeType;
	/** The type name as used in workflows, e.g. 'n8n-nodes-blipix-clipmix.blipix'. */
	nodeTypeName: string;
	/** Key of `methods.loadOptions`. */
	method: string;
	/** The node's current parameters (what the editor sends as currentNodeParameters). */
	parameters?: INodeParameters;
	credentialTypes: ICredentialType[];
	credentials: EngineCredentials;
	/** Node version; default the latest. */
	typeVersion?: number;
	/** Path of the parameter being loaded; default the property using this method. */
	path?: string;
	onLog?: (entry: EngineLogEntry) => void;
}

/**
 * Runs `methods.loadOptions[method]` the way n8n's DynamicNodeParametersService does: a
 * temporary one-node workflow and n8n-core's real LoadOptionsContext. The node references
 * every credential type it declares that `credentials` has.
 */
export async function loadOptions(opts: LoadOptionsOptions): Promise<INodePropertyOptions[]> {
	await ensureEngine();
	const typeVersion = opts.typeVersion ?? latestVersion(opts.nodeType);
	const nodeType = NodeHelpers.getVersionedNodeType(opts.nodeType, typeVersion);
	const method = nodeType.methods?.loadOptions?.[opts.method];
	if (typeof method !== 'function') {
		throw new UserError(`Node type "${opts.nodeTypeName}" has no loadOptions method "${opts.method}"`);
	}

	const credentials: INodeCredentials = {};
	for (const { name } of nodeType.description.credentials ?? []) {
		if (opts.credentials[name] !== undefined) credentials[name] = { id: name, name };
	}
	const parameters = structuredClone(opts.parameters ?? {});
	const node: INode = {
		id: 'uuid-1234',
		name: 'Temp-Node',
		type: opts.nodeTypeName,
		typeVersion,
		position: [0, 1],
		parameters,
		credentials,
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new EngineNodeTypes({ [opts.nodeTypeName]: opts.nodeType }),
	});
	const path =
		opts.path ??
		(() => {
			const property = nodeType.description.properties.find(
				(p) => p.typeOptions?.loadOptionsMethod === opts.method,
			);
			return property ? `parameters.${property.name}` : 'parameters';
		})();
	const credentialsHelper = new EngineCredentialsHelper(
		new EngineCredentialTypes(opts.credentialTypes),
		opts.credentials,
	);
	const context = new LoadOptionsContext(
		workflow,
		workflow.nodes['Temp-Node'],
		additionalData({ credentialsHelper, currentNodeParameters: parameters }),
		path,
	);
	return await runScope.run({ onLog: opts.onLog }, async () => await method.call(context));
}

// ---------------------------------------------------------------------------------------
// testCredential: the credential dialog's "Test" button
// ---------------------------------------------------------------------------------------

export interface TestCredentialOptions {
	credentialType: ICredentialType;
	data: ICredentialDataDecryptedObject;
	/** Types it extends, if any. */
	credentialTypes?: ICredentialType[];
}

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/**
 * n8n's CredentialsTester for a credential type whose `test` is a request: defaults applied,
 * the request run by n8n-core's RoutingNode inside a temporary No-Op node (so
 * `={{$credentials.baseUrl}}` resolves and `authenticate` is applied by the credentials
 * helper), and errors mapped to the same messages.
 */
export async function testCredential(opts: TestCredentialOptions): Promise<CredentialTestResult> {
	await ensureEngine();
	const { credentialType } = opts;
	const test = credentialType.test;
	if (!test) return { status: 'Error', message: 'No testing function found for this credential.' };

	const typeName = credentialType.name;
	const credentialTypes = new EngineCredentialTypes([...(opts.credentialTypes ?? []), credentialType]);
	const credentialsHelper = new EngineCredentialsHelper(credentialTypes, { [typeName]: opts.data });
	const base = additionalData({ credentialsHelper });
	const mode: WorkflowExecuteMode = 'internal';

	let decrypted: ICredentialsDecrypted;
	try {
		decrypted = {
			id: typeName,
			name: typeName,
			type: typeName,
			data: credentialsHelper.applyDefaultsAndResolve(base, structuredClone(opts.data), typeName, mode),
		};
	} catch (error) {
		return { status: 'Error', message: String((error as Error).message) };
	}

	const noOp = coreNodeTypes['n8n-nodes-base.noOp'] as INodeType;
	const nodeTypeName = 'n8n-nodes-base.noOp';
	const node: INode = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: nodeTypeName,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [typeName]: { id: decrypted.id, name: decrypted.name } },
	};
	const nodeTypeCopy: INodeType = {
		description: {
			...noOp.description,
			credentials: [{ name: typeName, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: test.request },
					default: '',
				},
			],
		},
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: new EngineNodeTypes({ [nodeTypeName]: nodeTypeCopy }),
	});
	const runExecutionData: IRunExecutionData = createRunExecutionData({ resultData: { runData: {} } });
	const inputData: ITaskDataConnections = { main: [[{ json: {} }]] };
	const executeData: IExecuteData = { node, data: {}, source: null };
	const context = new ExecuteContext(workflow, node, base, mode, runExecutionData, 0, [], inputData, executeData, []);
	const routingNode = new RoutingNode(context, nodeTypeCopy, decrypted);

	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await runScope.run({}, async () => await routingNode.runNode());
	} catch (error) {
		const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } })
			.cause;
		if (cause?.response) {
			const statusCode = cause.response.status;
			for (const rule of test.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === statusCode) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (statusCode < 199 || statusCode > 299) {
				return {
					status: 'Error',
					message: cause.response.statusText || `Received HTTP status code: ${statusCode}`,
				};
			}
		} else if (cause?.code) {
			return { status: 'Error', message: cause.code };
		}
		return { status: 'Error', message: String((error as Error).message) };
	}

	for (const rule of test.rules ?? []) {
		if (rule.type === 'responseSuccessBody') {
			const body = response?.[0]?.[0]?.json ?? {};
			const value = rule.properties.key.split('.').reduce<unknown>(
				(current, key) => (current && typeof current === 'object' ? (current as IDataObject)[key] : undefined),
				body,
			);
			if (value === rule.properties.value) return { status: 'Error', message: rule.properties.message };
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}

// ---------------------------------------------------------------------------------------
// deliverWebhook: an HTTP request arriving at a trigger node's webhook
// ---------------------------------------------------------------------------------------

export interface WebhookRequest {
	method?: string;
	headers: Record<string, string | string[] | undefined>;
	/** The body's bytes exactly as they arrived: what n8n keeps as `req.rawBody`. */
	rawBody: Buffer;
}

export interface DeliverWebhookOptions extends Omit<RunWorkflowOptions, 'startNode'> {
	/** The trigger node that owns the webhook. */
	triggerNode: string;
	request: WebhookRequest;
	/** false: only what the webhook method decides (for benchmarks); default true. */
	startWorkflow?: boolean;
	/**
	 * The workflow's static data, kept by the caller between deliveries the way n8n keeps it
	 * in its database: what a trigger remembers (e.g. events already seen) lives here, and is
	 * updated in place after each delivery.
	 */
	staticData: IDataObject;
}

export interface WebhookDelivery {
	statusCode: number;
	body: unknown;
	/** Whether the delivery started the workflow. */
	started: boolean;
	/** The execution it started, if any. */
	run?: WorkflowRunResult;
}

/** The parts of an express response a webhook method uses, recording what it sends. */
class RecordedResponse {
	statusCode = 200;
	body: unknown;
	headersSent = false;
	private readonly headers: Record<string, string> = {};

	status(code: number) {
		this.statusCode = code;
		return this;
	}

	setHeader(name: string, value: string) {
		this.headers[name.toLowerCase()] = value;
		return this;
	}

	header(name: string, value: string) {
		return this.setHeader(name, value);
	}

	json(body: unknown) {
		return this.send(body);
	}

	send(body?: unknown) {
		this.body = body;
		this.headersSent = true;
		return this;
	}

	end(body?: unknown) {
		return this.send(body);
	}
}

/**
 * What n8n's webhook server does with a request: build the request object (with `rawBody`),
 * call the trigger's `webhook()` in n8n-core's WebhookContext, answer as its response mode
 * says, and start the workflow with the items it returned, if any.
 */
export async function deliverWebhook(opts: DeliverWebhookOptions): Promise<WebhookDelivery> {
	await ensureEngine();
	const mode = opts.mode ?? 'webhook';
	const source = structuredClone(opts.workflow);
	const nodeTypes = new EngineNodeTypes({ ...coreNodeTypes, ...opts.nodeTypes });
	const workflow = new Workflow({
		id: source.id ?? 'engine-workflow',
		name: source.name,
		nodes: source.nodes,
		connections: source.connections,
		active: true,
		nodeTypes,
		// n8n loads static data from its database for each request and saves it back as JSON:
		// a plain copy in, and a plain copy out below (reusing n8n's change-tracking proxies
		// across requests would nest them deeper on every delivery).
		staticData: JSON.parse(JSON.stringify(opts.staticData)) as IDataObject,
		settings: { executionOrder: 'v1', ...(source.settings ?? {}) },
	});
	const node = workflow.getNode(opts.triggerNode);
	if (!node) throw new UserError(`No node "${opts.triggerNode}" in the workflow`);
	const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const webhookDescription = nodeType.description.webhooks?.[0];
	if (!nodeType.webhook || !webhookDescription) throw new UserError(`Node "${node.name}" has no webhook`);

	const { headers, rawBody } = opts.request;
	const contentType = String(headers['content-type'] ?? '');
	let body: unknown = {};
	if (contentType.includes('json')) {
		try {
			body = JSON.parse(rawBody.toString('utf8'));
		} catch {
			body = {};
		}
	}
	const response = new RecordedResponse();
	const credentialsHelper = new EngineCredentialsHelper(
		new EngineCredentialTypes(opts.credentialTypes),
		opts.credentials,
	);
	const additional = additionalData({ credentialsHelper, executionId: String(++executionCounter) });
	Object.assign(additional, {
		httpRequest: { method: opts.request.method ?? 'POST', headers, rawBody, body, query: {}, params: {} },
		httpResponse: response,
	});
	const webhookData: IWebhookData = {
		httpMethod: webhookDescription.httpMethod as IWebhookData['httpMethod'],
		node: node.name,
		path: String(webhookDescription.path),
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additional,
	};
	const context = new WebhookContext(workflow, node, additional, mode, webhookData, [], null);
	const result = await runScope.run({ onLog: opts.onLog }, async () => await nodeType.webhook!.call(context));
	for (const key of Object.keys(opts.staticData)) delete opts.staticData[key];
	Object.assign(opts.staticData, JSON.parse(JSON.stringify(workflow.staticData)));

	if (result.noWebhookResponse) {
		return { statusCode: response.statusCode, body: response.body, started: false };
	}
	if (!result.workflowData) {
		return { statusCode: 200, body: { message: 'Webhook call received' }, started: false };
	}
	if (opts.startWorkflow === false) return { statusCode: 200, body: { message: 'Workflow was started' }, started: true };
	// responseMode onReceived: n8n answers at once, then runs the workflow from the trigger's items.
	const run = await runWorkflow({
		...opts,
		mode,
		startNode: node.name,
		workflow: { ...source, pinData: { ...(source.pinData ?? {}), [node.name]: result.workflowData[0] } },
	});
	return { statusCode: 200, body: { message: 'Workflow was started' }, started: true, run };
}

// ---------------------------------------------------------------------------------------
// pollTrigger: one poll of a polling trigger, as n8n's scheduler runs it
// ---------------------------------------------------------------------------------------

export interface PollTriggerOptions extends Omit<RunWorkflowOptions, 'startNode' | 'mode'> {
	/** The polling trigger node. */
	triggerNode: string;
	/**
	 * The node's static data, kept by the caller between polls the way n8n keeps it: a plain
	 * copy goes in, and what the poll left is copied back, in place.
	 */
	staticData: IDataObject;
	/** 'trigger' (a scheduled poll of an active workflow, the default) or 'manual' ("Fetch Test Event"). */
	mode?: 'trigger' | 'manual';
	/** The poll n8n runs while activating the workflow: its error fails the activation. Default false. */
	activating?: boolean;
	/** Run the rest of the workflow once per emission (n8n starts one execution per emit); default false. */
	startWorkflow?: boolean;
	/** Called at each emission, as it happens (n8n starts its execution then). */
	onEmit?: (items: INodeExecutionData[][]) => void;
}

export interface PollTriggerResult {
	/** What the poll returned (manual mode shows it as the trigger's output). */
	returned: INodeExecutionData[][] | null;
	/** One entry per execution the poll started: its items, returned or emitted. */
	emitted: INodeExecutionData[][][];
	/** What n8n would record as a failed execution (a scheduled poll's error). */
	emittedErrors: Error[];
	/** With `startWorkflow`, the executions started. */
	runs: WorkflowRunResult[];
}

/**
 * What n8n's ActiveWorkflows does for one poll: the node's `poll()` in n8n-core's PollContext.
 * A non-null answer is emitted as one execution; `this.__emit()` calls start one each. A failing
 * poll is thrown when n8n would show it at once (manual mode, or the poll during activation) and
 * recorded as a failed execution otherwise.
 */
export async function pollTrigger(opts: PollTriggerOptions): Promise<PollTriggerResult> {
	await ensureEngine();
	const mode = opts.mode ?? 'trigger';
	const source = structuredClone(opts.workflow);
	const nodeTypes = new EngineNodeTypes({ ...coreNodeTypes, ...opts.nodeTypes });
	const node = source.nodes.find((candidate) => candidate.name === opts.triggerNode);
	if (!node) throw new UserError(`No node "${opts.triggerNode}" in the workflow`);
	const workflow = new Workflow({
		id: source.id ?? 'engine-workflow',
		name: source.name,
		nodes: source.nodes,
		connections: source.connections,
		active: mode !== 'manual',
		nodeTypes,
		staticData: { [`node:${node.name}`]: JSON.parse(JSON.stringify(opts.staticData)) as IDataObject },
		settings: { executionOrder: 'v1', ...(source.settings ?? {}) },
	});
	const credentialsHelper = new EngineCredentialsHelper(new EngineCredentialTypes(opts.credentialTypes), opts.credentials);
	const additional = additionalData({ credentialsHelper, executionId: String(++executionCounter) });
	const result: PollTriggerResult = { returned: null, emitted: [], emittedErrors: [], runs: [] };
	const context = new PollContext(
		workflow,
		workflow.getNode(node.name) as INode,
		additional,
		mode,
		'activate' satisfies WorkflowActivateMode,
		(data) => {
			result.emitted.push(data);
			opts.onEmit?.(data);
		},
		(error) => result.emittedErrors.push(error),
	);
	const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	if (!nodeType.poll) throw new UserError(`Node "${node.name}" is not a polling trigger`);
	try {
		result.returned = await runScope.run({ onLog: opts.onLog }, async () => await nodeType.poll!.call(context));
		if (result.returned !== null) result.emitted.push(result.returned);
	} catch (error) {
		if (mode === 'manual' || opts.activating) throw error;
		result.emittedErrors.push(error as Error);
	} finally {
		const kept = (workflow.staticData as IDataObject)[`node:${node.name}`] ?? {};
		for (const key of Object.keys(opts.staticData)) delete opts.staticData[key];
		Object.assign(opts.staticData, JSON.parse(JSON.stringify(kept)));
	}
	if (opts.startWorkflow) {
		for (const items of result.emitted) {
			result.runs.push(
				await runWorkflow({
					...opts,
					mode: 'trigger',
					startNode: node.name,
					workflow: { ...source, pinData: { ...(source.pinData ?? {}), [node.name]: items[0] } },
				}),
			);
		}
	}
	return result;
}
