import type { INode, INodeParameters, IDataObject } from 'n8n-workflow';

import { BlipixApi } from '../../credentials/BlipixApi.credentials';
import { Blipix } from '../../nodes/Blipix/Blipix.node';
import { coreNodeTypes } from '../engine/coreNodes';
import type { RunWorkflowOptions } from '../engine';

export const BLIPIX_TYPE = 'n8n-nodes-blipix-clipmix.blipix';

export const nodeTypes: RunWorkflowOptions['nodeTypes'] = {
	...coreNodeTypes,
	[BLIPIX_TYPE]: new Blipix(),
};

export const credentialTypes = [new BlipixApi()];

export function blipixCredentials(baseUrl: string, apiKey: string) {
	return { blipixApi: { baseUrl, apiKey } };
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
				credentials: { blipixApi: { id: 'blipixApi', name: 'Blipix account' } },
				...settings,
			},
		],
		connections: { Start: { main: [[{ node: 'Node', type: 'main', index: 0 }]] } },
		pinData: { Start: items.map((json) => ({ json })) },
	};
}
