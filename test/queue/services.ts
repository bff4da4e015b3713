/**
 * Redis and PostgreSQL for `npm run test:queue`, from Debian's packages, started by hand on loopback
 * ports with their data under `.n8n-dev/queue/` (git-ignored), and stopped again at the end.
 *
 * - Redis: `redis-server --port 6390 --bind 127.0.0.1 --save '' --appendonly no --daemonize no`, a
 *   child of this process, nothing on disk (every start is empty). Its pid goes to
 *   `.n8n-dev/queue/redis/redis.pid`, so a run that died without stopping it is cleaned up by the next.
 * - PostgreSQL: one cluster in `.n8n-dev/queue/postgres/data`, made once with `initdb` (superuser `n8n`,
 *   password auth over TCP), started with `pg_ctl` on 127.0.0.1:5440 (its socket inside the data
 *   folder), and a fresh database `n8n_queue` for every run. Postgres refuses to run as root: as root,
 *   `initdb` and `pg_ctl` run as Debian's `postgres` user (`runuser -u postgres --`), which then owns
 *   `.n8n-dev/queue/postgres/`. A cluster left running by a dead run is taken over, and stopped at the end.
 *
 * Both are only as safe as a loopback port: this is a throwaway test database with a fixed password.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cleanEnv, run, runOrThrow, sleep, type Log } from '../../scripts/dev/common';

export interface RedisOptions {
	dir: string;
	port: number;
}

export interface RedisServer {
	port: number;
	stop(): Promise<void>;
	/** Leaves it running after this process exits (`--keep-services`); the next run stops it. */
	leave(): void;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function commandLineOf(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
	} catch {
		return '';
	}
}

async function redisPing(port: number): Promise<boolean> {
	const { code, stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping']).catch(() => ({ code: 1, stdout: '' }));
	return code === 0 && stdout.trim() === 'PONG';
}

/** Where Debian's packages put a binary, or a clear error saying how to get it. */
function requireBinary(path: string, hint: string): string {
	if (!existsSync(path)) throw new Error(`${path} not found. ${hint}`);
	return path;
}

const APT_HINT = 'Install Debian\'s packages first: apt-get update && apt-get install -y redis-server postgresql';

export async function startRedis(opts: RedisOptions, log: Log): Promise<RedisServer> {
	const server = requireBinary('/usr/bin/redis-server', APT_HINT);
	requireBinary('/usr/bin/redis-cli', APT_HINT);
	mkdirSync(opts.dir, { recursive: true });
	const pidFile = join(opts.dir, 'redis.pid');
	// A redis-server a dead run left behind (ours: its pid file names it) is stopped first.
	if (existsSync(pidFile)) {
		const pid = Number(readFileSync(pidFile, 'utf8'));
		if (pid > 0 && alive(pid) && commandLineOf(pid).includes('redis-server')) {
			log(`Stopping the redis-server a previous run left (pid ${pid}).`);
			process.kill(pid, 'SIGTERM');
			for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
			if (alive(pid)) process.kill(pid, 'SIGKILL');
		}
		rmSync(pidFile, { force: true });
	}
	if (await redisPing(opts.port)) {
		throw new Error(`Something else (not started by test:queue) answers Redis on 127.0.0.1:${opts.port}; stop it or set QUEUE_REDIS_PORT.`);
	}
	const child: ChildProcess = spawn(
		server,
		['--port', String(opts.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', opts.dir, '--logfile', join(opts.dir, 'redis.log')],
		// its own process group: it can outlive this process (--keep-services), and Ctrl-C reaches only us
		{ stdio: 'ignore', cwd: opts.dir, detached: true },
	);
	if (!child.pid) throw new Error('redis-server did not start');
	writeFileSync(pidFile, String(child.pid));
	const exited = new Promise<void>((r) => child.once('exit', () => r()));
	const killOnExit = () => child.kill('SIGKILL');
	process.on('exit', killOnExit);
	const until = Date.now() + 20_000;
	while (!(await redisPing(opts.port))) {
		if (child.exitCode !== null || Date.now() > until) {
			throw new Error(`redis-server did not answer on 127.0.0.1:${opts.port}; see ${join(opts.dir, 'redis.log')}`);
		}
		await sleep(100);
	}
	log(`Redis on 127.0.0.1:${opts.port} (pid ${child.pid}, nothing saved to disk).`);
	let stopping: Promise<void> | undefined;
	return {
		port: opts.port,
		stop() {
			stopping ??= (async () => {
				if (child.exitCode === null) {
					child.kill('SIGTERM');
					await Promise.race([exited, sleep(10_000)]);
					if (child.exitCode === null) child.kill('SIGKILL');
				}
				process.off('exit', killOnExit);
				rmSync(pidFile, { force: true });
			})();
			return stopping;
		},
		leave() {
			process.off('exit', killOnExit);
			child.unref();
		},
	};
}

export interface PostgresOptions {
	/** `.n8n-dev/queue/postgres`: the cluster is in `data/`, its log `postgres.log` */
	dir: string;
	port: number;
	user: string;
	password: string;
	database: string;
}

export interface PostgresServer {
	port: number;
	/** `pg_ctl stop -m fast`, unless the cluster was left running on purpose. Idempotent. */
	stop(): Promise<void>;
}

/** The newest Debian PostgreSQL's bin folder (`/usr/lib/postgresql/<version>/bin`), or QUEUE_PG_BIN. */
export function postgresBinDir(): string {
	if (process.env.QUEUE_PG_BIN) return process.env.QUEUE_PG_BIN;
	const base = '/usr/lib/postgresql';
	const versions = existsSync(base)
		? readdirSync(base)
				.filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (!versions.length) throw new Error(`No PostgreSQL under ${base}. ${APT_HINT}`);
	return join(base, versions[0], 'bin');
}

/** As root, Postgres' own tools run as Debian's `postgres` user (Postgres refuses root). */
function asPostgres(binary: string, args: string[]): [string, string[]] {
	return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

function chownTree(path: string, uid: number, gid: number): void {
	chownSync(path, uid, gid);
	for (const entry of readdirSync(path, { withFileTypes: true })) {
		const child = join(path, entry.name);
		if (entry.isDirectory()) chownTree(child, uid, gid);
		else chownSync(child, uid, gid);
	}
}

function postgresIds(): { uid: number; gid: number } {
	const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
	if (!line) throw new Error("Running as root, and there is no `postgres` user to run PostgreSQL as (Debian's postgresql package makes it).");
	const [, , uid, gid] = line.split(':');
	return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(opts: PostgresOptions, log: Log): Promise<PostgresServer> {
	const bin = postgresBinDir();
	const dataDir = join(opts.dir, 'data');
	const logFile = join(opts.dir, 'postgres.log');
	mkdirSync(opts.dir, { recursive: true });
	const root = process.getuid?.() === 0;
	if (root) {
		const { uid, gid } = postgresIds();
		chownTree(opts.dir, uid, gid);
	}
	const pg = async (binary: string, args: string[]) => {
		const [command, full] = asPostgres(join(bin, binary), args);
		return await runOrThrow(command, full, { env: cleanEnv({ LC_ALL: 'C.UTF-8' }) });
	};

	if (!existsSync(join(dataDir, 'PG_VERSION'))) {
		log(`Creating a PostgreSQL cluster in ${dataDir} (initdb${root ? ', as the postgres user' : ''}; first run only)…`);
		const pwFile = join(opts.dir, 'pwfile');
		writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
		if (root) {
			const { uid, gid } = postgresIds();
			chownSync(pwFile, uid, gid);
		}
		try {
			await pg('initdb', ['-D', dataDir, '-U', opts.user, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions']);
		} finally {
			rmSync(pwFile, { force: true });
		}
	}

	const status = await run(...asPostgres(join(bin, 'pg_ctl'), ['status', '-D', dataDir]));
	if (status.code === 0) {
		log(`PostgreSQL in ${dataDir} is running already (a previous run left it): using it, and stopping it at the end.`);
	} else {
		await pg('pg_ctl', [
			'start', '-D', dataDir, '-l', logFile, '-w', '-t', '60',
			'-o', `-p ${opts.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dataDir} -c fsync=off -c max_connections=200`,
		]);
	}

	// A fresh database for every run: n8n sets it up (owner, workflows) from nothing.
	const psql = async (sql: string) =>
		await runOrThrow(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(opts.port), '-U', opts.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], {
			env: cleanEnv({ PGPASSWORD: opts.password, PGCONNECT_TIMEOUT: '10' }),
		});
	await psql(`DROP DATABASE IF EXISTS ${opts.database} WITH (FORCE)`);
	await psql(`CREATE DATABASE ${opts.database}`);
	log(`PostgreSQL ${bin.split('/').slice(-2, -1)[0]} on 127.0.0.1:${opts.port}, fresh database ${opts.database} (log ${logFile}).`);

	let stopping: Promise<void> | undefined;
	return {
		port: opts.port,
		stop() {
			stopping ??= (async () => {
				await run(...asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']));
			})();
			return stopping;
		},
	};
}
