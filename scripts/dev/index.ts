/**
 * `npm run dev`: the package in a real n8n editor, against the simulator, one command away.
 *
 *   npm run dev [-- --n8n 2] [--port 5678] [--sim-port 4010] [--time-scale 60] [--binary-data-mode filesystem] [--reset]
 *
 * `--n8n 2` (the default) runs n8n 2.41 under Node 24, `--n8n 1` n8n 1.123 under Node 22; each has
 * its own runtime and user folder (.n8n-dev/runtime-2 and home-2, .n8n-dev/runtime and home).
 *
 * 1. (npm run build ran before this script) `npm pack`, then the tarball is installed into
 *    <user folder>/.n8n/nodes the way n8n's Community Nodes installer does it (scripts/dev/install.ts).
 * 2. n8n and its Node are installed into the runtime folder on first use (scripts/dev/runtime.ts).
 * 3. The simulator starts on 127.0.0.1:<sim-port> (CDN on the next port), at 60x speed, with its
 *    timestamps in wall-clock time (`wallClockTimestamps`): n8n's clock, and so the package's, runs at
 *    real speed, and the ClipMix Trigger refuses events stamped ahead of it (at 60x the simulated clock
 *    is an hour ahead after a minute), while the Blipix Trigger would take videos finished before its
 *    activation for new ones.
 * 4. n8n starts on http://localhost:<port> with N8N_USER_FOLDER=<user folder> (also its HOME, so
 *    files nodes write go to <user folder>/.n8n-files) and binary data in filesystem mode (n8n 2.x's
 *    own default; 1.x's would keep every video in memory), or --binary-data-mode; the mode n8n
 *    reports is logged at start-up.
 * 5. Through n8n's REST API: the owner account (printed below), the Blipix and ClipMix credentials
 *    pointing at the simulator, and every examples/*.json not imported yet (the webhook example's
 *    Write File pointed at <user folder>/.n8n-files, as its sticky note asks a user to do).
 * Ctrl-C stops n8n (gracefully) and the simulator.
 */
import { rmSync } from 'node:fs';
import { join, relative } from 'node:path';

import { startSimulator } from '../../test/simulator';
import type { Simulator } from '../../test/simulator';

import { DEV_DIR, N8N_RELEASES, ROOT, formatSeconds, logger, parseN8nMajor, readPackageJson } from './common';
import type { N8nMajor } from './common';
import { installLikeN8n, packTarball } from './install';
import { N8nRest, defaultBinaryDataMode, describeBinaryDataMode, filesFolder, startN8n } from './n8n';
import type { BinaryDataMode, N8nInstance } from './n8n';
import { ensureRuntime } from './runtime';
import {
	DEV_OWNER,
	DEV_WEBHOOK_SECRET,
	createWorkflow,
	listWorkflows,
	productionWebhookPath,
	readExamples,
	simulatorCredentials,
	upsertCredentials,
	withCredentials,
	withFilesFolder,
} from './setup';

const log = logger('dev');

/** n8n's user folder for `npm run dev`, per major version (a 1.x database cannot go back after 2.x migrated it). */
function homeOf(major: N8nMajor): string {
	return join(DEV_DIR, major === 1 ? 'home' : `home-${major}`);
}

function logFileOf(major: N8nMajor): string {
	return join(DEV_DIR, major === 1 ? 'n8n.log' : `n8n-${major}.log`);
}

interface Args {
	n8n: N8nMajor;
	port: number;
	simPort: number;
	timeScale: number;
	binaryDataMode: BinaryDataMode;
	reset: boolean;
}

const USAGE = `Usage: npm run dev -- [options]

  --n8n 1|2         which n8n: 2 (default) = n8n ${N8N_RELEASES[2].n8nVersion} under Node ${N8N_RELEASES[2].nodeVersion},
                    1 = n8n ${N8N_RELEASES[1].n8nVersion} under Node ${N8N_RELEASES[1].nodeVersion}
  --port N          n8n editor port (default 5678; the task runner broker uses N+1)
  --sim-port N      simulator API port (default 4010; its CDN uses N+1)
  --time-scale X    simulator speed (default 60: a 3-minute render takes 3 seconds); its API
                    timestamps stay in wall-clock time, as n8n's clock is
  --binary-data-mode M   N8N_DEFAULT_BINARY_DATA_MODE: filesystem (default here), default (memory,
                    n8n 1.x's own default) or database (n8n 2.x's queue-mode default)
  --reset           start from an empty n8n user folder (.n8n-dev/home-2, or .n8n-dev/home for --n8n 1)
`;

function parseArgs(argv: string[]): Args {
	const args: Args = { n8n: 2, port: 5678, simPort: 4010, timeScale: 60, binaryDataMode: 'filesystem', reset: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const num = () => {
			const n = Number(argv[++i]);
			if (!Number.isFinite(n)) throw new Error(`${a} needs a number\n\n${USAGE}`);
			return n;
		};
		if (a === '--n8n') args.n8n = parseN8nMajor(argv[++i]);
		else if (a.startsWith('--n8n=')) args.n8n = parseN8nMajor(a.slice('--n8n='.length));
		else if (a === '--port') args.port = num();
		else if (a === '--sim-port') args.simPort = num();
		else if (a === '--time-scale') args.timeScale = num();
		else if (a === '--binary-data-mode' || a.startsWith('--binary-data-mode=')) {
			const mode = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
			if (!['default', 'filesystem', 'database'].includes(mode)) throw new Error(`--binary-data-mode takes default, filesystem or database\n\n${USAGE}`);
			args.binaryDataMode = mode as BinaryDataMode;
		} else if (a === '--reset') args.reset = true;
		else if (a === '--help' || a === '-h') {
			process.stdout.write(USAGE);
			process.exit(0);
		} else throw new Error(`Unknown option ${a}\n\n${USAGE}`);
	}
	return args;
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const startedAt = Date.now();
	let sim: Simulator | undefined;
	let n8n: N8nInstance | undefined;
	let stopping = false;

	const shutdown = async (why: string, code: number) => {
		if (stopping) return;
		stopping = true;
		log(`${why}: stopping n8n and the simulator…`);
		await n8n?.stop();
		await sim?.close();
		log('Stopped.');
		process.exit(code);
	};
	process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
	process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

	try {
		const runtime = await ensureRuntime(log, args.n8n);
		const home = homeOf(args.n8n);
		const logFile = logFileOf(args.n8n);
		const rel = (path: string) => relative(ROOT, path);

		if (args.reset) {
			log(`--reset: removing ${home}`);
			rmSync(home, { recursive: true, force: true });
		}
		const pkg = readPackageJson();
		const tarball = await packTarball();
		const packageDir = await installLikeN8n(tarball, join(home, '.n8n'));
		log(`Installed ${pkg.name}@${pkg.version} into ${packageDir} (as n8n's Community Nodes installer does).`);

		sim = await startSimulator({
			host: '127.0.0.1',
			port: args.simPort,
			cdnPort: args.simPort + 1,
			timeScale: args.timeScale,
			// n8n compares the APIs' timestamps with its real clock (test/simulator/README.md, "Wall-clock timestamps")
			wallClockTimestamps: true,
			// a translation names one file per language (as npm run demo and test:e2e run it): the content
			// pipeline examples then put out one item per language, as their sticky notes say
			clipmix: { resultShape: 'results' },
		});
		log(`Simulator on ${sim.url} (CDN ${sim.cdnUrl}), ${sim.timeScale}x speed, timestamps in wall-clock time.`);

		log(`Starting n8n ${runtime.n8nVersion} (Node ${runtime.nodeVersion}) on http://localhost:${args.port} …`);
		n8n = await startN8n(
			{
				runtime,
				userFolder: home,
				port: args.port,
				brokerPort: args.port + 1,
				logFile,
				onLine: (line) => process.stdout.write(`[n8n] ${line}\n`),
				// on disk, as the README recommends for videos; n8n 1.x would keep them in memory
				env: { N8N_DEFAULT_BINARY_DATA_MODE: args.binaryDataMode },
			},
			log,
		);
		const running = n8n;
		void running.exited.then((code) => {
			if (!stopping) void shutdown(`n8n exited by itself (code ${String(code)}); see ${rel(logFile)}`, 1);
		});

		const rest = new N8nRest(running.url);
		const created = await rest.setupOrLogin(DEV_OWNER);
		log(created ? 'Owner account created.' : 'Logged in as the owner account.');
		// what n8n itself reports (signed in: 2.x tells the settings' binary data mode only then)
		const own = defaultBinaryDataMode(args.n8n);
		log(
			`Binary data mode: ${describeBinaryDataMode(await rest.binaryDataMode())} (npm run dev sets N8N_DEFAULT_BINARY_DATA_MODE=${args.binaryDataMode}; n8n ${runtime.n8nVersion}'s own default is ${describeBinaryDataMode(own)}; --binary-data-mode to change).`,
		);

		const refs = await upsertCredentials(rest, simulatorCredentials(sim));
		const existing = await listWorkflows(rest);
		const workflowLines: string[] = [];
		let webhookSet = false;
		for (const { file, workflow } of readExamples()) {
			const found = existing.find((w) => w.name === workflow.name);
			// what the webhook example's sticky note asks of a user: its folder is this n8n's ~/.n8n-files
			const ready = withCredentials(withFilesFolder(workflow, filesFolder(home)).workflow, refs);
			const id = found ? found.id : (await createWorkflow(rest, ready)).id;
			workflowLines.push(`  ${found ? 'already there' : 'imported    '}  ${workflow.name}  (${file})`);
			workflowLines.push(`                 http://localhost:${args.port}/workflow/${id}`);
			// ClipMix keeps one webhook per key: the simulator's go to the first ClipMix Trigger example's
			// production URL (the webhook example); the others say how to point the key at theirs
			const trigger = workflow.nodes.find((n) => n.type === `${pkg.name}.clipMixTrigger` && n.webhookId);
			if (trigger) {
				const url = `http://localhost:${args.port}${productionWebhookPath(trigger)}`;
				if (!webhookSet) {
					sim.clipmix.setWebhook(sim.clipmix.liveKey, url, DEV_WEBHOOK_SECRET);
					webhookSet = true;
					workflowLines.push(`                 (simulator ClipMix webhooks → ${url}; activate the workflow to receive them)`);
				} else {
					const body = JSON.stringify({ apiKey: sim.clipmix.liveKey, url, secret: DEV_WEBHOOK_SECRET });
					workflowLines.push(`                 (to send the simulator's ClipMix webhooks here instead: curl -X POST -H 'content-type: application/json' ${sim.url}/__admin/clipmix/webhooks -d '${body}')`);
				}
			}
		}

		process.stdout.write(
			[
				'',
				'────────────────────────────────────────────────────────────────────────────',
				`  n8n ${runtime.n8nVersion} editor (Node ${runtime.nodeVersion}):  http://localhost:${args.port}    (ready in ${formatSeconds(Date.now() - startedAt)})`,
				`  Sign in:           ${DEV_OWNER.email}  /  ${DEV_OWNER.password}`,
				'',
				'  Credentials (Overview → Credentials), pointing at the simulator:',
				`    Blipix account   ${sim.blipix.baseUrl}   key ${sim.blipix.apiKey}`,
				`    ClipMix account  ${sim.clipmix.baseUrl}   key ${sim.clipmix.liveKey}`,
				`                     sandbox key ${sim.clipmix.testKey}, webhook secret ${DEV_WEBHOOK_SECRET}`,
				'',
				'  Workflows:',
				...workflowLines,
				'',
				`  Simulator admin: ${sim.url}/__admin  (test/simulator/README.md)`,
				`  Files nodes may write: ${rel(filesFolder(home))}   (the webhook example's Write File is set to it)`,
				`  n8n log: ${rel(logFile)}      n8n data: ${rel(join(home, '.n8n'))}   (npm run dev -- --n8n ${args.n8n} --reset to start afresh)`,
				'  Press Ctrl-C to stop n8n and the simulator.',
				'────────────────────────────────────────────────────────────────────────────',
				'',
			].join('\n'),
		);
	} catch (err) {
		process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
		await shutdown('Error', 1);
	}
}

main().catch((err: unknown) => {
	process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
