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
	notes?: string;
	notesInFlow?: boolean;
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

/**
 * The folder examples/clipmix-webhook-to-file.json writes to, as shipped: `~/.n8n-files` of n8n's Docker
 * image (user `node`), the one folder n8n 2.x lets nodes write to there. Anywhere else the user puts
 * their own `~/.n8n-files` there, as its sticky note and its Write File node's notes say: Read/Write
 * Files does not expand `~`, and resolves a relative path against n8n's working directory, which is
 * not the home unless n8n was started from it.
 */
export const EXAMPLE_FILES_FOLDER = '/home/node/.n8n-files';

/**
 * What the example asks of its user: every Read/Write Files node's path with EXAMPLE_FILES_FOLDER
 * replaced by `folder` (an absolute path). Returns the workflow and how many paths were changed.
 */
export function withFilesFolder(workflow: WorkflowJson, folder: string): { workflow: WorkflowJson; changed: number } {
	let changed = 0;
	const nodes = workflow.nodes.map((node) => {
		const fileName = node.parameters.fileName;
		if (node.type !== 'n8n-nodes-base.readWriteFile' || typeof fileName !== 'string' || !fileName.includes(`${EXAMPLE_FILES_FOLDER}/`)) {
			return node;
		}
		changed++;
		return { ...node, parameters: { ...node.parameters, fileName: fileName.split(`${EXAMPLE_FILES_FOLDER}/`).join(`${folder}/`) } };
	});
	return { workflow: { ...workflow, nodes }, changed };
}

/** The production URL path of a node's webhook (`webhook/<webhookId>/<path>`), for webhook triggers. */
export function productionWebhookPath(node: WorkflowNode, path = 'webhook'): string {
	if (!node.webhookId) throw new Error(`Node "${node.name}" has no webhookId`);
	return `/webhook/${node.webhookId}/${path}`;
}
