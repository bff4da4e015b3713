/**
 * `npm run simulator`: start the API simulator on 127.0.0.1 and keep it up until Ctrl-C.
 *
 *   node .build/test/simulator/cli.js [--port 4010] [--cdn-port 4011] [--time-scale 1] [--seed 1]
 *       [--host 127.0.0.1] [--error-rate 0] [--latency-ms 0] [--credits 500] [--clipmix-credits 10000]
 *       [--wall-clock-timestamps]
 */
import { startSimulator } from './index';

function parseArgs(argv: string[]): Map<string, string> {
	const out = new Map<string, string>();
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--help' || arg === '-h') {
			out.set('help', 'true');
			continue;
		}
		if (arg === '--wall-clock-timestamps') {
			out.set('wall-clock-timestamps', 'true');
			continue;
		}
		const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
		if (!m) throw new Error(`Unexpected argument: ${arg}`);
		const value = m[2] ?? argv[++i];
		if (value === undefined) throw new Error(`Missing value for --${m[1]}`);
		out.set(m[1], value);
	}
	return out;
}

function num(args: Map<string, string>, name: string, fallback: number): number {
	const raw = args.get(name);
	if (raw === undefined) return fallback;
	const n = Number(raw);
	if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${raw}"`);
	return n;
}

const USAGE = `Usage: npm run simulator -- [options]

  --port N          API server port (default 4010)
  --cdn-port N      CDN server port (default: port + 1)
  --host H          bind address (default 127.0.0.1)
  --time-scale X    simulated ms per real ms (default 1; 60 = one simulated minute per second)
  --seed N          PRNG seed (default 1)
  --error-rate F    fraction of API requests (Blipix and ClipMix) answered 500/502/503 (default 0)
  --latency-ms N    real ms added to every API response (Blipix and ClipMix) (default 0)
  --credits N       credits of the default Blipix account (default 500)
  --clipmix-credits N  credits of the default ClipMix account (default 10000)
  --wall-clock-timestamps  timestamps in API bodies in real time, not simulated time (default off;
                    for n8n at a time scale above 1: see README.md, "Wall-clock timestamps")
`;

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	if (args.has('help')) {
		process.stdout.write(USAGE);
		return;
	}
	const known = ['port', 'cdn-port', 'host', 'time-scale', 'seed', 'error-rate', 'latency-ms', 'credits', 'clipmix-credits', 'wall-clock-timestamps'];
	for (const k of args.keys()) if (!known.includes(k)) throw new Error(`Unknown option --${k}\n\n${USAGE}`);

	const port = num(args, 'port', 4010);
	const sim = await startSimulator({
		host: args.get('host') ?? '127.0.0.1',
		port,
		cdnPort: num(args, 'cdn-port', port === 0 ? 0 : port + 1),
		timeScale: num(args, 'time-scale', 1),
		seed: num(args, 'seed', 1),
		wallClockTimestamps: args.has('wall-clock-timestamps'),
		blipix: {
			errorRate: num(args, 'error-rate', 0),
			latencyMs: num(args, 'latency-ms', 0),
			initialCredits: num(args, 'credits', 500),
		},
		clipmix: {
			errorRate: num(args, 'error-rate', 0),
			latencyMs: num(args, 'latency-ms', 0),
			initialCredits: num(args, 'clipmix-credits', 10_000),
		},
	});

	process.stdout.write(
		[
			'API simulator running',
			`  Blipix base URL: ${sim.blipix.baseUrl}`,
			`  Blipix API key:  ${sim.blipix.apiKey}`,
			`  ClipMix base URL:   ${sim.clipmix.baseUrl}`,
			`  ClipMix status URL: ${sim.clipmix.statusUrl}`,
			`  ClipMix live key:   ${sim.clipmix.liveKey}`,
			`  ClipMix test key:   ${sim.clipmix.testKey}`,
			`  CDN URL:         ${sim.cdnUrl}`,
			`  Admin:           ${sim.url}/__admin  (see test/simulator/README.md)`,
			`  Time scale:      ${sim.timeScale}x${args.has('wall-clock-timestamps') ? ', timestamps in wall-clock time' : ''}`,
			'Press Ctrl-C to stop.',
			'',
		].join('\n'),
	);

	let stopping = false;
	const stop = (signal: string) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write(`\n${signal} received, shutting down...\n`);
		sim.close().then(
			() => process.exit(0),
			(err) => {
				process.stderr.write(`Error while closing: ${String(err)}\n`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', () => stop('SIGINT'));
	process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
	process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
	process.exit(1);
});
