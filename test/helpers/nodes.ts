import type { INode, INodeParameters, IDataObject } from 'n8n-workflow';

import { BlipixApi } from '../../credentials/BlipixApi.credentials';
import { ClipMixApi } from '../../credentials/ClipMixApi.credentials';
import { ClipMix } from '../../nodes/ClipMix/ClipMix.node';
import { ClipMixTrigger } from '../../nodes/ClipMixTrigger/ClipMixTrigger.node';
import { Blipix } from '../../nodes/Blipix/Blipix.node';
import { BlipixTrigger } from '../../nodes/BlipixTrigger/BlipixTrigger.node';
import { BlipixWaitForRender } from '../../nodes/BlipixWaitForRender/BlipixWaitForRender.node';
import { coreNodeTypes } from '../engine/coreNodes';
import type { EngineWorkflow, RunWorkflowOptions } from '../engine';

export const BLIPIX_TYPE = 'n8n-nodes-blipix-clipmix.blipix';
export const WAIT_TYPE = 'n8n-nodes-blipix-clipmix.blipixWaitForRender';
export const BLIPIX_TRIGGER_TYPE = 'n8n-nodes-blipix-clipmix.blipixTrigger';
export const CLIPMIX_TYPE = 'n8n-nodes-blipix-clipmix.clipMix';
export const CLIPMIX_TRIGGER_TYPE = 'n8n-nodes-blipix-clipmix.clipMixTrigger';

export const nodeTypes: RunWorkflowOptions['nodeTypes'] = {
	...coreNodeTypes,
	[BLIPIX_TYPE]: new Blipix(),
	[WAIT_TYPE]: new BlipixWaitForRender(),
	[BLIPIX_TRIGGER_TYPE]: new BlipixTrigger(),
	[CLIPMIX_TYPE]: new ClipMix(),
	[CLIPMIX_TRIGGER_TYPE]: new ClipMixTrigger(),
};

export const credentialTypes = [new BlipixApi(), new ClipMixApi()];

export function blipixCredentials(baseUrl: string, apiKey: string) {
	return { blipixApi: { baseUrl, apiKey } };
}

export function clipMixCredentials(baseUrl: string, apiKey: string, webhookSecret = '') {
	return { clipMixApi: { baseUrl, apiKey, webhookSecret } };
}

// Every node names both credentials; the engine hands each node the type it asks for.
const blipixCredentialRef = {
	blipixApi: { id: 'blipixApi', name: 'Blipix account' },
	clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' },
};

/**
 * A chain of nodes after a Manual Trigger whose pinned items are the input; each node's
 * first output feeds the next. Pinned data is how n8n's editor feeds fixed items into a manual run.
 */
export function chainWorkflow(
	items: IDataObject[],
	chain: Array<{ name: string; type: string; parameters: INodeParameters } & Partial<INode>>,
): RunWorkflowOptions['workflow'] {
	const names = ['Start', ...chain.map((node) => node.name)];
	return {
		name: 'test chain',
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			...chain.map((node, index) => ({
				id: `node-${index}`,
				typeVersion: 1,
				position: [200 * (index + 1), 0] as [number, number],
				credentials: blipixCredentialRef,
				...node,
			})),
		],
		connections: Object.fromEntries(
			names.slice(0, -1).map((name, index) => [name, { main: [[{ node: names[index + 1], type: 'main', index: 0 }]] }]),
		),
		pinData: { Start: items.map((json) => ({ json })) },
	};
}

/**
 * A two-node workflow: a Manual Trigger whose pinned items are the input, then the node
 * under test. Pinned data is how n8n's editor feeds fixed items into a manual run.
 */
export function singleNodeWorkflow(
	type: string,
	parameters: INodeParameters,
	items: IDataObject[] = [{}],
	settings: Partial<INode> = {},
): RunWorkflowOptions['workflow'] {
	return {
		name: 'test',
		nodes: [
			{
				id: 'trigger',
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: 'under-test',
				name: 'Node',
				type,
				typeVersion: 1,
				position: [200, 0],
				parameters,
				credentials: blipixCredentialRef,
				...settings,
			},
		],
		connections: { Start: { main: [[{ node: 'Node', type: 'main', index: 0 }]] } },
		pinData: { Start: items.map((json) => ({ json })) },
	};
}

/** A ClipMix Trigger with `parameters`, and a No-Op "Received" after it: what an event starts. */
export function clipMixTriggerWorkflow(parameters: INodeParameters = {}): EngineWorkflow {
	return {
		nodes: [
			{
				id: 'trigger',
				name: 'ClipMix Trigger',
				type: CLIPMIX_TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters,
				credentials: { clipMixApi: { id: 'clipMixApi', name: 'ClipMix account' } },
			},
			{ id: 'noop', name: 'Received', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
		],
		connections: { 'ClipMix Trigger': { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
	};
}
