/**
 * What `npm run dev` and `npm run test:e2e` put into a fresh n8n, through its REST API:
 * the owner account, a Blipix and a ClipMix credential pointing at the simulator, and the
 * bundled example workflows (examples/*.json) wired to those credentials.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './common';
import type { N8nRest, Owner } from './n8n';

/** The local owner account (printed by `npm run dev`; the editor on localhost only). */
export const DEV_OWNER: Owner = {
	email: 'dev@example.com',
	password: 'BlipixDev1',
	firstName: 'Dev',
	lastName: 'Owner',
};

/** The secret the simulator signs ClipMix webhooks with, and the ClipMix credential checks. */
export const DEV_WEBHOOK_SECRET = 'whsec_dev_simulator';

export interface SimulatorTarget {
	blipix: { baseUrl: string; apiKey: string };
	clipmix: { baseUrl: string; liveKey: string };
}

export interface CredentialSpec {
	name: string;
	type: string;
	data: Record<string, string>;
}

/** The credentials, by the names the examples refer to. */
export function simulatorCredentials(sim: SimulatorTarget): CredentialSpec[] {
	return [
		{
			name: 'Blipix account',
			type: 'blipixApi',
			data: { apiKey: sim.blipix.apiKey, baseUrl: sim.blipix.baseUrl },
		},
		{
			name: 'ClipMix account',
			type: 'clipMixApi',
			data: { apiKey: sim.clipmix.liveKey, webhookSecret: DEV_WEBHOOK_SECRET, baseUrl: sim.clipmix.baseUrl },
		},
	];
}

export interface CredentialRef {
	id: string;
	name: string;
}

interface CredentialListItem {
	id: string;
	name: string;
	type: string;
}

/** Creates each credential, or updates the one of that name and type (so a new port or key is picked up). */
export async function upsertCredentials(rest: N8nRest, specs: CredentialSpec[]): Promise<Record<string, CredentialRef>> {
	const existing = await rest.request<CredentialListItem[]>('GET', '/rest/credentials');
	const refs: Record<string, CredentialRef> = {};
	for (const spec of specs) {
		const found = existing.find((c) => c.name === spec.name && c.type === spec.type);
		const saved = found
			? await rest.request<CredentialListItem>('PATCH', `/rest/credentials/${found.id}`, spec)
			: await rest.request<CredentialListItem>('POST', '/rest/credentials', spec);
		refs[spec.type] = { id: saved.id, name: saved.name };
	}
	return refs;
}

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, CredentialRef>;
	disabled?: boolean;
	webhookId?: string;
}

export interface WorkflowJson {
	id?: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	pinData?: Record<string, unknown>;
	active?: boolean;
	versionId?: string;
}

export interface Example {
	file: string;
	workflow: WorkflowJson;
}

export function readExamples(): Example[] {
	const dir = join(ROOT, 'examples');
	return readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((file) => ({ file: `examples/${file}`, workflow: JSON.parse(readFileSync(join(dir, file), 'utf8')) as WorkflowJson }));
}

/** The workflow with every credential reference of a known type pointed at the created credential. */
export function withCredentials(workflow: WorkflowJson, refs: Record<string, CredentialRef>): WorkflowJson {
	return {
		...workflow,
		nodes: workflow.nodes.map((node) => {
			if (!node.credentials) return node;
			const credentials: Record<string, CredentialRef> = {};
			for (const [type, ref] of Object.entries(node.credentials)) credentials[type] = refs[type] ?? ref;
			return { ...node, credentials };
		}),
	};
}

export async function createWorkflow(rest: N8nRest, workflow: WorkflowJson): Promise<WorkflowJson & { id: string; versionId: string }> {
	const { name, nodes, connections, settings, pinData } = workflow;
	return await rest.request('POST', '/rest/workflows', { name, nodes, connections, settings: settings ?? {}, pinData: pinData ?? {}, active: false });
}

export async function listWorkflows(rest: N8nRest): Promise<Array<{ id: string; name: string; active: boolean }>> {
	return await rest.request('GET', '/rest/workflows');
}

/** The production URL path of a node's webhook (`webhook/<webhookId>/<path>`), for webhook triggers. */
export function productionWebhookPath(node: WorkflowNode, path = 'webhook'): string {
	if (!node.webhookId) throw new Error(`Node "${node.name}" has no webhookId`);
	return `/webhook/${node.webhookId}/${path}`;
}
