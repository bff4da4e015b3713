/**
 * A pass-through HTTP proxy between the n8n processes and the simulator's API, which notes which
 * process sent each request. The simulator sees only 127.0.0.1; here, at each new connection, the
 * client's socket is looked up in /proc (its inode in /proc/net/tcp, then which of the n8n processes
 * holds that inode among its file descriptors), so each request is attributed to "worker 2" or "main".
 *
 * It changes nothing about the requests (method, path, headers and body are forwarded as they are,
 * and the answer comes back as it is); it adds well under a millisecond of latency. The simulator's own
 * request log stays the count of record; the tap's log is for per-worker traces.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface TapEntry {
	/** real ms epoch: request received, answer sent */
	sentAt: number;
	answeredAt: number;
	/** the process label ("w1", "main", ...), "?" if not found */
	from: string;
	method: string;
	path: string;
	status: number;
	/** X-RateLimit-Remaining of the answer, if any */
	remaining?: number;
}

export interface Tap {
	url: string;
	port: number;
	log: TapEntry[];
	/** The processes requests may come from: label → pid (updated when workers restart). */
	processes: Map<string, number>;
	close(): Promise<void>;
}

/** The inode of the TCP socket 127.0.0.1:localPort → 127.0.0.1:remotePort, from /proc/net/tcp. */
function socketInode(localPort: number, remotePort: number): string | undefined {
	const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
	const local = `0100007F:${hex(localPort)}`;
	const remote = `0100007F:${hex(remotePort)}`;
	for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
		const cols = line.trim().split(/\s+/);
		if (cols[1] === local && cols[2] === remote) return cols[9];
	}
	return undefined;
}

function ownerOf(inode: string, processes: Map<string, number>): string {
	const target = `socket:[${inode}]`;
	for (const [label, pid] of processes) {
		let fds: string[];
		try {
			fds = readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			try {
				if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return label;
			} catch {
				/* closed meanwhile */
			}
		}
	}
	return '?';
}

export async function startTap(opts: { port: number; target: string }): Promise<Tap> {
	const target = new URL(opts.target);
	const log: TapEntry[] = [];
	const processes = new Map<string, number>();
	const owners = new WeakMap<Socket, string>();

	const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
		const sentAt = Date.now();
		const from = owners.get(req.socket) ?? '?';
		const upstream = httpRequest(
			{ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
				answer.on('end', () => {
					const remaining = Number(answer.headers['x-ratelimit-remaining']);
					log.push({
						sentAt,
						answeredAt: Date.now(),
						from,
						method: req.method ?? '',
						path: req.url ?? '',
						status: answer.statusCode ?? 0,
						remaining: Number.isFinite(remaining) ? remaining : undefined,
					});
				});
			},
		);
		upstream.on('error', () => {
			log.push({ sentAt, answeredAt: Date.now(), from, method: req.method ?? '', path: req.url ?? '', status: 0 });
			req.socket.destroy();
		});
		req.pipe(upstream);
	});
	server.on('connection', (socket: Socket) => {
		// The client's side of this connection is 127.0.0.1:remotePort → 127.0.0.1:<tap port>.
		try {
			const inode = socket.remotePort ? socketInode(socket.remotePort, opts.port) : undefined;
			owners.set(socket, inode ? ownerOf(inode, processes) : '?');
		} catch {
			owners.set(socket, '?');
		}
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(opts.port, '127.0.0.1', resolve);
	});
	return {
		url: `http://127.0.0.1:${opts.port}`,
		port: opts.port,
		log,
		processes,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			}),
	};
}
