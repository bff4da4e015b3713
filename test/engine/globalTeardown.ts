/**
 * jest `globalTeardown`: runs once in jest's parent process, outside every test file's
 * module registry, so it cannot reach the engines the tests used (setup.ts shuts those
 * down per file). It only sweeps engine temp folders left behind by processes that no
 * longer exist (a crashed or killed worker, an interrupted demo run).
 */
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'n8n-engine-';

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export default async function globalTeardown(): Promise<void> {
	let entries: string[];
	try {
		entries = readdirSync(tmpdir());
	} catch {
		return;
	}
	for (const entry of entries) {
		if (!entry.startsWith(PREFIX)) continue;
		const pid = Number(entry.slice(PREFIX.length).split('-')[0]);
		if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
		rmSync(join(tmpdir(), entry), { recursive: true, force: true });
	}
}
