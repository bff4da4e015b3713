/**
 * STAND-INS for the few core n8n nodes our example workflows use, NOT n8n-nodes-base itself.
 *
 * Why not the real package: the only n8n-nodes-base release built against n8n-core /
 * n8n-workflow 2.11.1 is 2.11.2, and it cannot be installed here: one of its ~70 runtime
 * dependencies (xlsx) is a tarball on cdn.sheetjs.com, which neither this machine nor CI can
 * reach (npm install fails with ENOTFOUND). Forcing it onto the registry's xlsx with an
 * `overrides` entry does install, but adds 489 MB to node_modules (388 -> 877 MB) and about
 * 59 s to `npm ci` (20 s -> 79 s), for six small nodes. It is also fair-code (Sustainable
 * Use License), so its code is not copied here either.
 *
 * What is faithful: the type names, versions and parameters (names, types, defaults and
 * displayOptions, which decide what survives n8n's parameter normalisation) as the n8n
 * editor exports them, and the behaviour a workflow can observe for what our examples use:
 *
 * - n8n-nodes-base.manualTrigger v1   emits one empty item.
 * - n8n-nodes-base.scheduleTrigger v1–1.2  as in a manual run ("Execute workflow"): one item
 *                                     with the time; no schedule is kept.
 * - n8n-nodes-base.set v3–3.4         "Edit Fields": manual mapping (`fields.values` up to
 *                                     3.2, `assignments` from 3.3) or raw JSON (`jsonOutput`),
 *                                     include/includeOtherFields, dot notation, type
 *                                     validation, binary pass-through/stripBinary, duplicate.
 * - n8n-nodes-base.splitOut v1        fields (comma list, dot notation, `$binary`),
 *                                     include none/all/selected, destination names, binary.
 * - n8n-nodes-base.readWriteFile v1, 1.1  write (streams stored binaries to disk through
 *                                     n8n-core's file helpers, honouring its file-access
 *                                     restrictions; append option) and read of ONE literal
 *                                     path (no glob patterns: those throw).
 * - n8n-nodes-base.noOp v1            passes items through.
 * - n8n-nodes-base.httpRequest v4–4.2  Method and URL, Authentication None or Predefined Credential
 *                                     Type ("Custom API Call"): each item's request through n8n-core's
 *                                     requestWithAuthentication, as the real node sends it; the JSON
 *                                     answer is the item. No body, query, headers or pagination.
 * - n8n-nodes-base.stickyNote v1      canvas annotation; never executes.
 *
 * Display texts are shortened. Set v1/v2 (pre-"Edit Fields") is not supported and throws.
 *
 * Checked once against n8n-nodes-base 2.11.2's own node classes run under this engine (a
 * scratch install with the override): identical output items, errors and hints on 20 Set /
 * Split Out / No-Op cases (raw JSON with expressions, every assignment type, include modes,
 * dot notation, conversion errors with and without ignore/continueOnFail, Set 3.2/3.3,
 * duplicate, $binary, missing-field hints) and on write, append, read, missing-file and
 * blocked-path cases of Read/Write Files.
 */
import { constants as fsConstants } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';

import type {
	AssignmentCollectionValue,
	FieldType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	INode,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	ITriggerFunctions,
	ITriggerResponse,
	IVersionedNodeType,
	JsonObject,
	NodeExecutionHint,
} from 'n8n-workflow';
import {
	BINARY_ENCODING,
	BINARY_MODE_COMBINED,
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	deepCopy,
	getValueDescription,
	isBinaryValue,
	jsonParse,
	validateFieldType,
} from 'n8n-workflow';

// ---------------------------------------------------------------------------------------
// Small helpers: dot-notation paths (`a.b[0].c`), like the lodash get/set/unset n8n uses.
// ---------------------------------------------------------------------------------------

function toPath(key: string): string[] {
	const parts: string[] = [];
	key.replace(/[^.[\]]+|\[(\d+)\]/g, (match: string, index?: string) => {
		parts.push(index ?? match);
		return match;
	});
	return parts;
}

function getPath(object: unknown, key: string): unknown {
	let current: unknown = object;
	for (const part of toPath(key)) {
		if (current === null || current === undefined || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[part];
	}
	return current;
}

function setPath(object: IDataObject, key: string, value: unknown): void {
	const parts = toPath(key);
	if (parts.length === 0) return;
	let current = object as Record<string, unknown>;
	for (let i = 0; i < parts.length - 1; i++) {
		const next = current[parts[i]];
		if (next === null || next === undefined || typeof next !== 'object') {
			current[parts[i]] = /^\d+$/.test(parts[i + 1]) ? [] : {};
		}
		current = current[parts[i]] as Record<string, unknown>;
	}
	current[parts[parts.length - 1]] = value;
}

function unsetPath(object: IDataObject, key: string): void {
	const parts = toPath(key);
	const parent = parts.length > 1 ? getPath(object, parts.slice(0, -1).join('.')) : object;
	if (parent !== null && typeof parent === 'object') {
		delete (parent as Record<string, unknown>)[parts[parts.length - 1]];
	}
}

/** n8n's sanitizeDataPathKey: with dot notation off, a key `a.b` written as `['a.b']` means `a.b`. */
function plainKey(key: string): string {
	const match = /^\[['"](.+)['"]\]$/.exec(key);
	return match ? match[1] : key;
}

function fieldHelper(dotNotation: boolean | undefined) {
	if (dotNotation !== false) {
		return { get: getPath, set: setPath, unset: unsetPath };
	}
	return {
		get: (item: IDataObject, key: string) => item[plainKey(key)],
		set: (item: IDataObject, key: string, value: unknown) => {
			item[plainKey(key)] = value as IDataObject[string];
		},
		unset: (item: IDataObject, key: string) => {
			delete item[plainKey(key)];
		},
	};
}

function commaList(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String);
	return String(value ?? '')
		.split(',')
		.map((entry) => entry.trim())
		.filter((entry) => entry !== '');
}

// ---------------------------------------------------------------------------------------
// Manual Trigger
// ---------------------------------------------------------------------------------------

export class ManualTriggerStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		icon: 'fa:mouse-pointer',
		group: ['trigger'],
		version: 1,
		description: 'Runs the flow on clicking a button in n8n',
		eventTriggerDescription: '',
		maxNodes: 1,
		defaults: { name: 'When clicking ‘Execute workflow’', color: '#909298' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'This node is where the workflow execution starts',
				name: 'notice',
				type: 'notice',
				default: '',
			},
		],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const manualTriggerFunction = async () => {
			this.emit([[{ json: {} }]]);
		};
		return { manualTriggerFunction };
	}
}

// ---------------------------------------------------------------------------------------
// No Operation, Sticky Note
// ---------------------------------------------------------------------------------------

export class NoOpStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'No Operation, do nothing',
		name: 'noOp',
		icon: 'fa:arrow-right',
		group: ['organization'],
		version: 1,
		description: 'No Operation',
		defaults: { name: 'No Operation, do nothing', color: '#b0b0b0' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

export class StickyNoteStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sticky Note',
		name: 'stickyNote',
		icon: 'fa:sticky-note',
		group: ['input'],
		version: 1,
		description: 'Make your workflow easier to understand',
		defaults: { name: 'Sticky Note', color: '#FFD233' },
		inputs: [],
		outputs: [],
		properties: [
			{ displayName: 'Content', name: 'content', type: 'string', default: "## I'm a note" },
			{ displayName: 'Height', name: 'height', type: 'number', required: true, default: 160 },
			{ displayName: 'Width', name: 'width', type: 'number', required: true, default: 240 },
			{ displayName: 'Color', name: 'color', type: 'number', required: true, default: 1 },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

// ---------------------------------------------------------------------------------------
// Edit Fields (Set) v3–3.4
// ---------------------------------------------------------------------------------------

type SetInclude = 'all' | 'none' | 'selected' | 'except';

interface SetOptions {
	include?: SetInclude;
	includeBinary?: boolean;
	stripBinary?: boolean;
	ignoreConversionErrors?: boolean;
	dotNotation?: boolean;
}

const OLD_SET = { '@version': [3, 3.1, 3.2] };

const setProperties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Manual Mapping', value: 'manual', description: 'Edit item fields one by one' },
			{ name: 'JSON', value: 'raw', description: 'Customize item output with JSON' },
		],
		default: 'manual',
	},
	{
		displayName: 'Duplicate Item',
		name: 'duplicateItem',
		type: 'boolean',
		default: false,
		isNodeSetting: true,
	},
	{
		displayName: 'Duplicate Item Count',
		name: 'duplicateCount',
		type: 'number',
		default: 0,
		typeOptions: { minValue: 0 },
		isNodeSetting: true,
		displayOptions: { show: { duplicateItem: [true] } },
	},
	{
		displayName: 'JSON',
		name: 'jsonOutput',
		type: 'json',
		typeOptions: { rows: 5 },
		default: '{\n  "my_field_1": "value",\n  "my_field_2": 1\n}\n',
		validateType: 'object',
		ignoreValidationDuringExecution: true,
		displayOptions: { show: { mode: ['raw'] } },
	},
	{
		displayName: 'Fields to Set',
		name: 'fields',
		placeholder: 'Add Field',
		type: 'fixedCollection',
		displayOptions: { show: { ...OLD_SET, mode: ['manual'] } },
		typeOptions: { multipleValues: true, sortable: true },
		default: {},
		options: [
			{
				name: 'values',
				displayName: 'Values',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: '' },
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{ name: 'String', value: 'stringValue' },
							{ name: 'Number', value: 'numberValue' },
							{ name: 'Boolean', value: 'booleanValue' },
							{ name: 'Array', value: 'arrayValue' },
							{ name: 'Object', value: 'objectValue' },
						],
						default: 'stringValue',
					},
					{
						displayName: 'Value',
						name: 'stringValue',
						type: 'string',
						default: '',
						displayOptions: { show: { type: ['stringValue'] } },
						validateType: 'string',
						ignoreValidationDuringExecution: true,
					},
					{
						displayName: 'Value',
						name: 'numberValue',
						type: 'string',
						default: '',
						displayOptions: { show: { type: ['numberValue'] } },
						validateType: 'number',
						ignoreValidationDuringExecution: true,
					},
					{
						displayName: 'Value',
						name: 'booleanValue',
						type: 'options',
						default: 'true',
						options: [
							{ name: 'True', value: 'true' },
							{ name: 'False', value: 'false' },
						],
						displayOptions: { show: { type: ['booleanValue'] } },
						validateType: 'boolean',
						ignoreValidationDuringExecution: true,
					},
					{
						displayName: 'Value',
						name: 'arrayValue',
						type: 'string',
						default: '',
						displayOptions: { show: { type: ['arrayValue'] } },
						validateType: 'array',
						ignoreValidationDuringExecution: true,
					},
					{
						displayName: 'Value',
						name: 'objectValue',
						type: 'json',
						default: '={}',
						typeOptions: { rows: 2 },
						displayOptions: { show: { type: ['objectValue'] } },
						validateType: 'object',
						ignoreValidationDuringExecution: true,
					},
				],
			},
		],
	},
	{
		displayName: 'Fields to Set',
		name: 'assignments',
		type: 'assignmentCollection',
		displayOptions: { hide: OLD_SET, show: { mode: ['manual'] } },
		default: {},
	},
	{
		displayName: 'Include in Output',
		name: 'include',
		type: 'options',
		default: 'all',
		displayOptions: { show: OLD_SET },
		options: [
			{ name: 'All Input Fields', value: 'all' },
			{ name: 'No Input Fields', value: 'none' },
			{ name: 'Selected Input Fields', value: 'selected' },
			{ name: 'All Input Fields Except', value: 'except' },
		],
	},
	{
		displayName: 'Include Other Input Fields',
		name: 'includeOtherFields',
		type: 'boolean',
		default: false,
		displayOptions: { hide: OLD_SET },
	},
	{
		displayName: 'Input Fields to Include',
		name: 'include',
		type: 'options',
		default: 'all',
		displayOptions: { hide: { ...OLD_SET, '/includeOtherFields': [false] } },
		options: [
			{ name: 'All', value: 'all' },
			{ name: 'Selected', value: 'selected' },
			{ name: 'All Except', value: 'except' },
		],
	},
	{
		displayName: 'Fields to Include',
		name: 'includeFields',
		type: 'string',
		default: '',
		requiresDataPath: 'multiple',
		displayOptions: { show: { include: ['selected'], ...OLD_SET } },
	},
	{
		displayName: 'Fields to Exclude',
		name: 'excludeFields',
		type: 'string',
		default: '',
		requiresDataPath: 'multiple',
		displayOptions: { show: { include: ['except'], ...OLD_SET } },
	},
	{
		displayName: 'Fields to Include',
		name: 'includeFields',
		type: 'string',
		default: '',
		requiresDataPath: 'multiple',
		displayOptions: { show: { include: ['selected'], '/includeOtherFields': [true] }, hide: OLD_SET },
	},
	{
		displayName: 'Fields to Exclude',
		name: 'excludeFields',
		type: 'string',
		default: '',
		requiresDataPath: 'multiple',
		displayOptions: { show: { include: ['except'], '/includeOtherFields': [true] }, hide: OLD_SET },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Include Binary File',
				name: 'includeBinary',
				type: 'boolean',
				default: true,
				displayOptions: { hide: { '@version': [{ _cnd: { gte: 3.4 } }] } },
			},
			{
				displayName: 'Strip Binary Data',
				name: 'stripBinary',
				type: 'boolean',
				default: true,
				displayOptions: {
					show: { '@version': [{ _cnd: { gte: 3.4 } }], '/includeOtherFields': [true] },
				},
			},
			{
				displayName: 'Ignore Type Conversion Errors',
				name: 'ignoreConversionErrors',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/mode': ['manual'] } },
			},
			{
				displayName: 'Support Dot Notation',
				name: 'dotNotation',
				type: 'boolean',
				default: true,
			},
		],
	},
];

/** Like n8n's getResolvables: every `{{ ... }}` in a string. */
function resolvables(text: string): string[] {
	return text.match(/\{\{[\s\S]*?\}\}/g) ?? [];
}

/** Raw-mode JSON with expressions: each `{{ }}` is evaluated and spliced in as text. */
function resolveRawJson(context: IExecuteFunctions, raw: string, itemIndex: number): string {
	let result = raw;
	for (const expression of resolvables(raw)) {
		const value = context.evaluateExpression(expression, itemIndex);
		const text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
		result = result.replace(expression, () => text);
	}
	return result;
}

function parseJsonObject(json: unknown, node: INode, itemIndex: number, entryName?: string): IDataObject {
	const location = entryName ? `entry "${entryName}" inside 'Fields to Set'` : "'JSON Output'";
	let parsed: unknown = json;
	if (typeof json === 'string') {
		try {
			parsed = jsonParse(json, { repairJSON: true });
		} catch {
			throw new NodeOperationError(node, `The ${location} in item ${itemIndex} contains invalid JSON`, {
				description: json,
			});
		}
	}
	if (parsed === undefined || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new NodeOperationError(
			node,
			`The ${location} in item ${itemIndex} does not contain a valid JSON object`,
		);
	}
	return parsed as IDataObject;
}

function validateEntry(
	name: string,
	type: FieldType,
	value: unknown,
	node: INode,
	itemIndex: number,
	ignoreErrors: boolean | undefined,
	nodeVersion: number,
): { name: string; value: unknown } {
	if (nodeVersion >= 3.2 && (value === undefined || value === null)) return { name, value: null };
	const description = `To fix the error try to change the type for the field "${name}" or activate the option “Ignore Type Conversion Errors” to apply a less strict type validation`;
	let candidate = value;
	if (type === 'string') {
		if (nodeVersion > 3 && (value === undefined || value === null)) {
			if (ignoreErrors) return { name, value: null };
			throw new NodeOperationError(
				node,
				`'${name}' expects a ${type} but we got ${getValueDescription(value)} [item ${itemIndex}]`,
				{ description },
			);
		}
		candidate = typeof value === 'object' ? JSON.stringify(value) : String(value);
	}
	const result = validateFieldType(name, candidate, type);
	if (!result.valid) {
		if (ignoreErrors) return { name, value: candidate ?? null };
		const message = `${'errorMessage' in result ? result.errorMessage : 'Error'} [item ${itemIndex}]`;
		throw new NodeOperationError(node, message, { itemIndex, description });
	}
	return { name, value: result.newValue ?? null };
}

function composeSetItem(
	context: IExecuteFunctions,
	itemIndex: number,
	input: INodeExecutionData,
	newFields: IDataObject,
	options: SetOptions,
	nodeVersion: number,
): INodeExecutionData {
	const item: INodeExecutionData = { json: {}, pairedItem: { item: itemIndex } };
	const keepBinary =
		nodeVersion >= 3.4
			? !options.stripBinary && options.include !== 'none'
			: !!options.includeBinary;
	if (keepBinary && input.binary !== undefined) item.binary = { ...input.binary };

	const fields = fieldHelper(options.dotNotation);
	switch (options.include) {
		case 'all':
			item.json = deepCopy(input.json);
			break;
		case 'selected':
			for (const key of commaList(context.getNodeParameter('includeFields', itemIndex))) {
				const value = fields.get(input.json, key);
				const target = options.dotNotation !== false && key.includes('.') ? key.split('.').pop()! : key;
				fields.set(item.json, target, value);
			}
			break;
		case 'except': {
			const copy = deepCopy(input.json);
			for (const key of commaList(context.getNodeParameter('excludeFields', itemIndex))) {
				fields.unset(copy, key);
			}
			item.json = copy;
			break;
		}
		case 'none':
			break;
		default:
			throw new NodeOperationError(context.getNode(), `The include option "${String(options.include)}" is not known!`);
	}
	for (const key of Object.keys(newFields)) fields.set(item.json, key, newFields[key]);
	return item;
}

export class SetStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Edit Fields (Set)',
		name: 'set',
		icon: 'fa:pen',
		group: ['input'],
		version: [3, 3.1, 3.2, 3.3, 3.4],
		description: 'Modify, add, or remove item fields',
		subtitle: '={{$parameter["mode"]}}',
		defaults: { name: 'Edit Fields' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: setProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const node = this.getNode();
		if (node.typeVersion < 3) {
			throw new NodeOperationError(node, 'The engine stand-in for Set supports versions 3 to 3.4 only');
		}
		const items = this.getInputData();
		const mode = this.getNodeParameter('mode', 0) as 'manual' | 'raw';
		const duplicateItem = this.getNodeParameter('duplicateItem', 0, false) as boolean;

		// Raw JSON (and old-style object fields) are read unresolved and resolved per `{{ }}`,
		// so an expression's object result is spliced in as JSON text.
		const rawData: Record<string, string> = {};
		if (mode === 'raw') {
			const json = this.getNodeParameter('jsonOutput', 0, '', { rawExpressions: true });
			if (typeof json === 'string' && json.startsWith('=')) rawData.jsonOutput = json.replace(/^=+/, '');
		} else if (node.typeVersion < 3.3) {
			const entries = this.getNodeParameter('fields.values', 0, [], { rawExpressions: true }) as IDataObject[];
			for (const entry of entries) {
				if (entry.type === 'objectValue' && String(entry.objectValue ?? '').startsWith('=')) {
					rawData[entry.name as string] = String(entry.objectValue).replace(/^=+/, '');
				}
			}
		}

		const returnData: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const includeOtherFields = this.getNodeParameter('includeOtherFields', i, false) as boolean;
			const include = this.getNodeParameter('include', i, 'all') as SetInclude;
			const options = { ...(this.getNodeParameter('options', i, {}) as SetOptions) };
			options.include = node.typeVersion >= 3.3 ? (includeOtherFields ? include : 'none') : include;

			let newItem: INodeExecutionData;
			try {
				newItem =
					mode === 'raw'
						? setRaw.call(this, items[i], i, options, rawData)
						: setManual.call(this, items[i], i, options, rawData);
			} catch (error) {
				if (this.continueOnFail()) {
					newItem = { json: { error: (error as Error).message }, pairedItem: { item: i } };
				} else {
					throw new NodeOperationError(node, error as Error, {
						itemIndex: i,
						description: (error as NodeOperationError).description ?? undefined,
					});
				}
			}

			if (duplicateItem && this.getMode() === 'manual') {
				const count = this.getNodeParameter('duplicateCount', 0, 0) as number;
				for (let j = 0; j <= count; j++) returnData.push(newItem);
			} else {
				returnData.push(newItem);
			}
		}
		return [returnData];
	}
}

function setRaw(
	this: IExecuteFunctions,
	item: INodeExecutionData,
	i: number,
	options: SetOptions,
	rawData: Record<string, string>,
): INodeExecutionData {
	const node = this.getNode();
	const json =
		rawData.jsonOutput === undefined
			? this.getNodeParameter('jsonOutput', i)
			: resolveRawJson(this, rawData.jsonOutput, i);
	return composeSetItem(this, i, item, parseJsonObject(json, node, i), options, node.typeVersion);
}

function setManual(
	this: IExecuteFunctions,
	item: INodeExecutionData,
	i: number,
	options: SetOptions,
	rawData: Record<string, string>,
): INodeExecutionData {
	const node = this.getNode();
	const version = node.typeVersion;
	if (version < 3.3) {
		const entries = this.getNodeParameter('fields.values', i, []) as IDataObject[];
		const newData: IDataObject = {};
		for (const entry of entries) {
			const entryName = entry.name as string;
			const entryType = entry.type as string;
			if (entryType === 'objectValue' && rawData[entryName] !== undefined && entry.objectValue != null) {
				entry.objectValue = parseJsonObject(resolveRawJson(this, rawData[entryName], i), node, i, entryName);
			}
			const { name, value } = validateEntry(
				entryName,
				entryType.replace('Value', '') as FieldType,
				entry[entryType],
				node,
				i,
				options.ignoreConversionErrors,
				version,
			);
			newData[name] = value as IDataObject[string];
		}
		return composeSetItem(this, i, item, newData, options, version);
	}

	const collection = this.getNodeParameter('assignments', i) as AssignmentCollectionValue;
	const jsonAssignments = (collection?.assignments ?? []).filter((a) => a.type !== 'binary');
	const binaryAssignments = (collection?.assignments ?? []).filter((a) => a.type === 'binary');
	const newData: IDataObject = {};
	for (const assignment of jsonAssignments) {
		const { name, value } = validateEntry(
			assignment.name,
			(assignment.type ?? 'string') as FieldType,
			assignment.value,
			node,
			i,
			options.ignoreConversionErrors,
			version,
		);
		newData[name] = value as IDataObject[string];
	}
	const result = composeSetItem(this, i, item, newData, options, version);
	if (binaryAssignments.length) {
		result.binary ??= {};
		const combined = this.getWorkflowSettings().binaryMode === BINARY_MODE_COMBINED;
		const fields = fieldHelper(options.dotNotation);
		for (const assignment of binaryAssignments) {
			const binaryData = this.helpers.assertBinaryData(i, assignment.value as string);
			if (!isBinaryValue(binaryData)) {
				throw new NodeOperationError(node, `Could not find binary data specified in field ${assignment.name}`, {
					itemIndex: i,
				});
			}
			if (combined && binaryData.id) fields.set(result.json, assignment.name, binaryData);
			else result.binary[assignment.name] = binaryData;
		}
	}
	return result;
}

// ---------------------------------------------------------------------------------------
// Split Out
// ---------------------------------------------------------------------------------------

export class SplitOutStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Split Out',
		name: 'splitOut',
		icon: 'fa:arrows-alt-h',
		group: ['transform'],
		subtitle: '',
		version: 1,
		description: 'Turn a list inside item(s) into separate items',
		defaults: { name: 'Split Out' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Fields To Split Out',
				name: 'fieldToSplitOut',
				type: 'string',
				default: '',
				required: true,
				requiresDataPath: 'multiple',
			},
			{
				displayName: 'Include',
				name: 'include',
				type: 'options',
				options: [
					{ name: 'No Other Fields', value: 'noOtherFields' },
					{ name: 'All Other Fields', value: 'allOtherFields' },
					{ name: 'Selected Other Fields', value: 'selectedOtherFields' },
				],
				default: 'noOtherFields',
			},
			{
				displayName: 'Fields To Include',
				name: 'fieldsToInclude',
				type: 'string',
				requiresDataPath: 'multiple',
				default: '',
				displayOptions: { show: { include: ['selectedOtherFields'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Field',
				default: {},
				options: [
					{ displayName: 'Disable Dot Notation', name: 'disableDotNotation', type: 'boolean', default: false },
					{
						displayName: 'Destination Field Name',
						name: 'destinationFieldName',
						type: 'string',
						requiresDataPath: 'multiple',
						default: '',
					},
					{ displayName: 'Include Binary', name: 'includeBinary', type: 'boolean', default: false },
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		/** field -> found in at least one item (for the "wasn't found" hint) */
		const seen = new Map<string, boolean>();

		for (let i = 0; i < items.length; i++) {
			const fieldsToSplit = String(this.getNodeParameter('fieldToSplitOut', i))
				.split(',')
				.map((field) => field.trim().replace(/^\$json\./, ''));
			const options = this.getNodeParameter('options', i, {}) as IDataObject;
			const noDots = options.disableDotNotation as boolean | undefined;
			const destinations = commaList(options.destinationFieldName ?? '');
			if (destinations.length && destinations.length !== fieldsToSplit.length) {
				throw new NodeOperationError(
					this.getNode(),
					'If multiple fields to split out are given, the same number of destination fields must be given',
				);
			}
			const include = this.getNodeParameter('include', i) as string;
			const multiSplit = fieldsToSplit.length > 1;
			const source = { ...items[i].json };
			const split: INodeExecutionData[] = [];

			for (const [fieldIndex, field] of fieldsToSplit.entries()) {
				const destination = destinations[fieldIndex] ?? '';
				let entries: unknown[];
				if (field === '$binary') {
					entries = Object.entries(items[i].binary ?? {}).map(([key, value]) => ({ [key]: value }));
				} else {
					let value = noDots ? source[field] : getPath(source, field);
					if (!seen.has(field)) seen.set(field, false);
					if (value !== undefined) seen.set(field, true);
					else value = [];
					if (typeof value !== 'object' || value === null) value = [value];
					entries = Array.isArray(value) ? value : Object.values(value as object);
				}

				for (const [index, element] of entries.entries()) {
					split[index] ??= { json: {}, pairedItem: { item: i } };
					const target = split[index];
					if (field === '$binary') {
						const [key, value] = Object.entries(element as IDataObject)[0];
						target.binary ??= {};
						target.binary[key] = value as never;
						continue;
					}
					const name = destination || field;
					if (typeof element === 'object' && element !== null && include === 'noOtherFields') {
						if (destination === '' && !multiSplit) {
							split[index] = { json: { ...target.json, ...(element as IDataObject) }, pairedItem: { item: i } };
						} else {
							target.json[name] = element as IDataObject;
						}
					} else {
						target.json[name] = element as IDataObject[string];
					}
				}
			}

			for (const entry of split) {
				let newItem = entry;
				if (include === 'allOtherFields') {
					const rest = deepCopy(source);
					for (const field of fieldsToSplit) {
						if (noDots) delete rest[field];
						else unsetPath(rest, field);
					}
					newItem.json = { ...rest, ...entry.json };
				}
				if (include === 'selectedOtherFields') {
					const fieldsToInclude = commaList(this.getNodeParameter('fieldsToInclude', i, ''));
					if (!fieldsToInclude.length) {
						throw new NodeOperationError(this.getNode(), 'No fields specified', {
							description: 'Please add a field to include',
						});
					}
					for (const field of fieldsToInclude) {
						entry.json[field] = (noDots ? source[field] : getPath(source, field)) as IDataObject[string];
					}
					newItem = entry;
				}
				if (options.includeBinary && items[i].binary && !newItem.binary) newItem.binary = items[i].binary;
				returnData.push(newItem);
			}
		}

		const hints: NodeExecutionHint[] = [...seen]
			.filter(([, found]) => !found)
			.map(([field]) => ({ message: `The field '${field}' wasn't found in any input item`, location: 'outputPane' }));
		if (hints.length) this.addExecutionHints(...hints);
		return [returnData];
	}
}

// ---------------------------------------------------------------------------------------
// Read/Write Files from Disk v1, 1.1
// ---------------------------------------------------------------------------------------

const GLOB_CHARS = /[*?[\]{}!]/;

export class ReadWriteFileStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Read/Write Files from Disk',
		name: 'readWriteFile',
		icon: 'fa:file',
		group: ['input'],
		version: [1, 1.1],
		description: 'Read or write files from the computer that runs n8n',
		defaults: { name: 'Read/Write Files from Disk' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Use this node to read and write files on the same computer running n8n.',
				name: 'info',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Read File(s) From Disk', value: 'read', action: 'Read File(s) From Disk' },
					{ name: 'Write File to Disk', value: 'write', action: 'Write File to Disk' },
				],
				default: 'read',
			},
			{
				displayName: 'File(s) Selector',
				name: 'fileSelector',
				type: 'string',
				default: '',
				required: true,
				displayOptions: { show: { operation: ['read'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				displayOptions: { show: { operation: ['read'] } },
				options: [
					{ displayName: 'File Extension', name: 'fileExtension', type: 'string', default: '' },
					{ displayName: 'File Name', name: 'fileName', type: 'string', default: '' },
					{ displayName: 'Mime Type', name: 'mimeType', type: 'string', default: '' },
					{ displayName: 'Put Output File in Field', name: 'dataPropertyName', type: 'string', default: 'data' },
				],
			},
			{
				displayName: 'File Path and Name',
				name: 'fileName',
				type: 'string',
				default: '',
				required: true,
				displayOptions: { show: { operation: ['write'] } },
			},
			{
				displayName: 'Input Binary Field',
				name: 'dataPropertyName',
				type: 'string',
				default: 'data',
				required: true,
				displayOptions: { show: { operation: ['write'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				displayOptions: { show: { operation: ['write'] } },
				options: [{ displayName: 'Append', name: 'append', type: 'boolean', default: false }],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0, 'read') as string;
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				if (operation === 'write') returnData.push(await writeFile.call(this, items[itemIndex], itemIndex));
				else if (operation === 'read') returnData.push(...(await readFile.call(this, itemIndex)));
			} catch (error) {
				if (this.continueOnFail()) {
					returnData.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
					continue;
				}
				throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex });
			}
		}
		return [returnData];
	}
}

async function writeFile(
	this: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
): Promise<INodeExecutionData> {
	const dataPropertyName = this.getNodeParameter('dataPropertyName', itemIndex) as string;
	const fileName = this.getNodeParameter('fileName', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const flag = options.append
		? fsConstants.O_APPEND
		: fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC;

	const binaryData = this.helpers.assertBinaryData(itemIndex, dataPropertyName);
	const content: Buffer | Readable = binaryData.id
		? await this.helpers.getBinaryStream(binaryData.id)
		: Buffer.from(binaryData.data, BINARY_ENCODING);
	await this.helpers.writeContentToFile(await this.helpers.resolvePath(fileName), content, flag);

	const newItem: INodeExecutionData = { json: { ...item.json }, pairedItem: { item: itemIndex } };
	if (item.binary !== undefined) newItem.binary = { ...item.binary };
	newItem.json.fileName = fileName;
	return newItem;
}

async function readFile(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]> {
	const node = this.getNode();
	const fileSelector = String(this.getNodeParameter('fileSelector', itemIndex));
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const dataPropertyName = (options.dataPropertyName as string) || 'data';
	if (GLOB_CHARS.test(fileSelector)) {
		throw new NodeOperationError(node, 'The engine stand-in for Read/Write Files reads one literal path, not a pattern', {
			itemIndex,
			description: fileSelector,
		});
	}
	const exists = await stat(fileSelector).then(
		(s) => s.isFile(),
		() => false,
	);
	if (!exists) {
		if (node.typeVersion > 1) {
			throw new NodeOperationError(node, 'No file(s) found', {
				itemIndex,
				description: `No file matching the selector "${fileSelector}" found`,
			});
		}
		return [];
	}
	const stream = await this.helpers.createReadStream(await this.helpers.resolvePath(fileSelector));
	const binaryData = await this.helpers.prepareBinaryData(stream, fileSelector);
	if (options.fileName !== undefined) binaryData.fileName = options.fileName as string;
	if (options.fileExtension !== undefined) binaryData.fileExtension = options.fileExtension as string;
	if (options.mimeType !== undefined) binaryData.mimeType = options.mimeType as string;
	return [
		{
			binary: { [dataPropertyName]: binaryData },
			json: {
				mimeType: binaryData.mimeType,
				fileType: binaryData.fileType,
				fileName: binaryData.fileName,
				fileExtension: binaryData.fileExtension,
				fileSize: binaryData.fileSize,
			},
			pairedItem: { item: itemIndex },
		},
	];
}

// ---------------------------------------------------------------------------------------

/** The stand-ins keyed by the type names n8n's editor exports. */
/** Schedule Trigger, as a manual run starts it: one item with the time, like n8n's own. */
export class ScheduleTriggerStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Schedule Trigger',
		name: 'scheduleTrigger',
		icon: 'fa:clock',
		group: ['trigger', 'schedule'],
		version: [1, 1.1, 1.2],
		description: 'Triggers the workflow on a given schedule',
		eventTriggerDescription: '',
		defaults: { name: 'Schedule Trigger', color: '#31C49F' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Trigger Rules', name: 'rule', type: 'json', default: {} }],
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const manualTriggerFunction = async () => {
			const now = new Date();
			this.emit([[{ json: { timestamp: now.toISOString(), 'Readable date': now.toUTCString() } }]]);
		};
		return { manualTriggerFunction };
	}
}

// ---------------------------------------------------------------------------------------
// HTTP Request (Custom API Call)
// ---------------------------------------------------------------------------------------

/**
 * HTTP Request with Authentication "None" or "Predefined Credential Type": where n8n sends users who
 * pick "Custom API Call" on our nodes. Like n8n-nodes-base's HttpRequestV3, it sends each item's request
 * through `helpers.requestWithAuthentication(nodeCredentialType, options, undefined, itemIndex)` (or
 * `helpers.request` without a credential), so the credential's `authenticate` runs in n8n-core exactly as
 * there, and an error that is not already a NodeApiError becomes one. Method and URL only; the JSON body
 * of the answer is the item.
 */
export class HttpRequestStandIn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HTTP Request',
		name: 'httpRequest',
		icon: 'fa:at',
		group: ['output'],
		version: [4, 4.1, 4.2],
		description: 'Makes an HTTP request and returns the response data',
		defaults: { name: 'HTTP Request', color: '#0004F5' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Method',
				name: 'method',
				type: 'options',
				options: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((name) => ({ name, value: name })),
				default: 'GET',
			},
			{ displayName: 'URL', name: 'url', type: 'string', default: '', required: true },
			{
				displayName: 'Authentication',
				name: 'authentication',
				type: 'options',
				options: [
					{ name: 'None', value: 'none' },
					{ name: 'Predefined Credential Type', value: 'predefinedCredentialType' },
				],
				default: 'none',
			},
			{
				displayName: 'Credential Type',
				name: 'nodeCredentialType',
				type: 'string',
				default: '',
				displayOptions: { show: { authentication: ['predefinedCredentialType'] } },
			},
			{ displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add option', default: {}, options: [] },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const authentication = this.getNodeParameter('authentication', 0) as string;
		const returnItems: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const requestOptions = {
				headers: {},
				method: this.getNodeParameter('method', itemIndex) as IHttpRequestMethods,
				uri: this.getNodeParameter('url', itemIndex) as string,
				gzip: true,
				json: true,
				followRedirect: true,
				followAllRedirects: true,
				timeout: 300_000,
			};
			try {
				const response: unknown =
					authentication === 'predefinedCredentialType'
						? await this.helpers.requestWithAuthentication.call(
								this,
								this.getNodeParameter('nodeCredentialType', itemIndex) as string,
								requestOptions,
								undefined,
								itemIndex,
							)
						: await this.helpers.request(requestOptions);
				const json = response && typeof response === 'object' && !Array.isArray(response) ? (response as IDataObject) : { data: response as string };
				returnItems.push({ json, pairedItem: { item: itemIndex } });
			} catch (error) {
				if (this.continueOnFail()) {
					returnItems.push({ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } });
					continue;
				}
				if (error instanceof NodeApiError) throw error;
				throw new NodeApiError(this.getNode(), error as JsonObject, { itemIndex });
			}
		}
		return [returnItems];
	}
}

export const coreNodeTypes: Record<string, INodeType | IVersionedNodeType> = {
	'n8n-nodes-base.manualTrigger': new ManualTriggerStandIn(),
	'n8n-nodes-base.scheduleTrigger': new ScheduleTriggerStandIn(),
	'n8n-nodes-base.set': new SetStandIn(),
	'n8n-nodes-base.splitOut': new SplitOutStandIn(),
	'n8n-nodes-base.readWriteFile': new ReadWriteFileStandIn(),
	'n8n-nodes-base.noOp': new NoOpStandIn(),
	'n8n-nodes-base.stickyNote': new StickyNoteStandIn(),
	'n8n-nodes-base.httpRequest': new HttpRequestStandIn(),
};
