/**
 * What a user meets in the n8n editor, outside any one API call: action names, Custom API
 * Call, what a Ready item shows, the trigger's activation step, and package.json's entry points.
 */
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import type { IHookFunctions, INode, INodeProperties, INodeType } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { ClipMix } from '../../nodes/ClipMix/ClipMix.node';
import { ClipMixTrigger } from '../../nodes/ClipMixTrigger/ClipMixTrigger.node';
import { runWorkflow } from '../engine';
import { BLIPIX_TYPE, blipixCredentials, credentialTypes, nodeTypes, singleNodeWorkflow } from '../helpers/nodes';
import { startScaledSimulator, stopScaledSimulator } from '../helpers/simulator';
import type { Simulator } from '../simulator';

const ROOT = join(__dirname, '..', '..');

let sim: Simulator;

beforeAll(async () => {
	sim = await startScaledSimulator(300, 21);
});

afterAll(async () => await stopScaledSimulator(sim));

describe('the editor', () => {
	it('names every action with the right article', () => {
		const actions = new ClipMix().description.properties
			.filter((property: INodeProperties) => property.name === 'operation')
			.flatMap((property) => (property.options ?? []).map((option) => (option as { action?: string }).action));
		expect(actions).toContain('Create an avatar / faceswap job');
		expect(actions).toContain('Create a music job');
		expect(actions.filter((action) => / a [aeiou]/i.test(String(action)))).toEqual([]);
	});

	it('answers Custom API Call with the way to do it, before any request', async () => {
		const apiKey = sim.blipix.createAccount();
		const { error } = await runWorkflow({
			workflow: singleNodeWorkflow(BLIPIX_TYPE, { resource: 'video', operation: '__CUSTOM_API_CALL__' }),
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		});
		expect(error?.message).toBe('Custom API calls are made with the HTTP Request node');
		expect(error?.description).toContain('Predefined Credential Type');
		expect(sim.blipix.requestLog.filter((entry) => entry.apiKey === apiKey)).toHaveLength(0);
	});

	it('shows Ready items of Create + Wait for Render in their final state, without the create answer', async () => {
		const apiKey = sim.blipix.createAccount();
		const { outputs, error } = await runWorkflow({
			workflow: singleNodeWorkflow(
				BLIPIX_TYPE,
				{
					resource: 'video',
					operation: 'create',
					prompt: 'final state [render:30]',
					voice: 'alloy',
					waitForRender: true,
					pollInterval: 5,
					downloadVideo: false,
				},
			),
			nodeTypes,
			credentialTypes,
			credentials: blipixCredentials(sim.blipix.baseUrl, apiKey),
		});
		expect(error).toBeUndefined();
		const [ready] = outputs('Node');
		expect(ready).toHaveLength(1);
		expect(ready[0].json).toMatchObject({ status: 'ready', renderStatus: 'completed' });
		expect(ready[0].json).not.toHaveProperty('message');
	});
});

describe('the examples', () => {
	it('have no parameter issues, which would stop n8n from activating or running them', () => {
		const files = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.json'));
		expect(files.length).toBeGreaterThanOrEqual(6);
		for (const file of files) {
			const workflow = JSON.parse(readFileSync(join(ROOT, 'examples', file), 'utf8')) as { nodes: INode[] };
			for (const node of workflow.nodes) {
				const nodeType = nodeTypes[node.type] as INodeType | undefined;
				if (!nodeType || !node.type.startsWith('n8n-nodes-blipix-clipmix.')) continue;
				const issues = NodeHelpers.getNodeParametersIssues(nodeType.description.properties, node, nodeType.description);
				expect({ file, node: node.name, issues }).toEqual({ file, node: node.name, issues: null });
			}
		}
	});
});

describe('ClipMix Trigger activation', () => {
	const hooks = () => new ClipMixTrigger().webhookMethods.default;
	const context = (webhookSecret: string, verifySignature = true) =>
		({
			getNode: () => ({ name: 'ClipMix Trigger' }),
			getNodeParameter: (name: string) => (name === 'verifySignature' ? verifySignature : undefined),
			getCredentials: async () => ({ apiKey: 'sk_test_x', webhookSecret }),
		}) as unknown as IHookFunctions;

	it('refuses to activate a verifying trigger whose credential has no signing secret', async () => {
		await expect(hooks().create.call(context('  '))).rejects.toThrow('The ClipMix credential has no Webhook Signing Secret');
	});

	it('activates with a secret, or with verification off; nothing to register or remove at ClipMix', async () => {
		await expect(hooks().create.call(context('whsec_1'))).resolves.toBe(true);
		await expect(hooks().create.call(context('', false))).resolves.toBe(true);
		await expect(hooks().checkExists.call(context('whsec_1'))).resolves.toBe(false);
		await expect(hooks().delete.call(context('whsec_1'))).resolves.toBe(true);
	});
});

describe('package.json', () => {
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
		main?: string;
		dependencies?: Record<string, string>;
		n8n: { nodes: string[]; credentials: string[] };
	};

	it('names no entry point that the package does not ship', () => {
		if (pkg.main !== undefined) expect(pkg.main.startsWith('dist/')).toBe(true);
	});

	it('lists every node and credential source, and has no runtime dependencies', () => {
		for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
			expect(existsSync(join(ROOT, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
		}
		expect(pkg.dependencies ?? {}).toEqual({});
	});
});
