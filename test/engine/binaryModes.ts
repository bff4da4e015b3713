/**
 * Where the in-process engine keeps binary data: each of the four ways n8n does, switched at run
 * time, so one test file can run every download path under each. What differs between them, for a
 * node that hands `prepareBinaryData` a stream, is who reads that stream and how:
 *
 * | mode         | whose default                         | reads the stream with                        |
 * | ------------ | ------------------------------------- | -------------------------------------------- |
 * | `default`    | n8n 1.x (memory)                      | a `'data'` listener into one Buffer          |
 * | `filesystem` | n8n 2.x, regular mode                 | `fs.writeFile` (async iteration), to disk    |
 * | `database`   | n8n 2.x, queue mode                   | a `'data'` listener, with a read timeout     |
 * | `s3`         | anyone who sets it up                 | a `'data'` listener, then one PUT            |
 *
 * `default` and `filesystem` are n8n-core's own code paths; `s3` is n8n-core's own ObjectStoreManager
 * and ObjectStoreService (the AWS SDK client n8n ships) against s3rver, a local S3-compatible server
 * started here. The database manager lives in n8n's server package, which the engine does not load;
 * `DatabaseModeManager` below reads and keeps a stream the way it does (see its comment).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { BinaryDataService } from 'n8n-core';
import { ObjectStoreManager } from 'n8n-core/dist/binary-data/object-store.manager';
import { ObjectStoreService } from 'n8n-core/dist/binary-data/object-store/object-store.service.ee';
import type { ObjectStoreConfig } from 'n8n-core/dist/binary-data/object-store/object-store.config';
import type { BinaryData } from 'n8n-core/dist/binary-data/types';

import { Container, Logger, engineRoot, ensureEngine } from './runtime';

export const BINARY_MODES = ['default', 'filesystem', 'database', 's3'] as const;
export type EngineBinaryMode = (typeof BINARY_MODES)[number];

/** n8n 2.x's database mode gives up on a stream that sends nothing for this long. */
export const DATABASE_READ_TIMEOUT_MS = 300_000;
const DATABASE_MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * The database mode's way with a stream, as n8n 2.41's DatabaseManager stores one: the whole body
 * collected into a Buffer (`collectWithDataListener`), refused over 512 MiB, then one row per file.
 * Only the reading matters to the package; the "rows" stay in a Map.
 */
export class DatabaseModeManager implements BinaryData.Manager {
	readonly rows = new Map<string, { data: Buffer; metadata: BinaryData.Metadata }>();
	/** How often the reader stopped to catch its breath (`slowReader`). */
	pauses = 0;
	private counter = 0;

	/** `slowReader`: after each of the first `chunks` chunks, stop reading for `pauseMs` real ms. */
	constructor(private readonly slowReader?: { chunks: number; pauseMs: number }) {}

	async init(): Promise<void> {}

	async store(location: BinaryData.FileLocation, bufferOrStream: Buffer | Readable, metadata: BinaryData.PreWriteMetadata) {
		const data = Buffer.isBuffer(bufferOrStream) ? bufferOrStream : await this.collect(bufferOrStream);
		// N8N_BINARY_DATA_DATABASE_MAX_FILE_SIZE, 512 MiB by default
		if (data.length > DATABASE_MAX_FILE_BYTES) throw new Error(`The file is too large to store in the database (${data.length} bytes)`);
		const fileId = `${location.type === 'execution' ? location.executionId : 'custom'}-${++this.counter}`;
		this.rows.set(fileId, { data, metadata: { ...metadata, fileSize: data.length } });
		return { fileId, fileSize: data.length };
	}

	getPath(fileId: string): string {
		return fileId;
	}

	async getAsBuffer(fileId: string): Promise<Buffer> {
		return this.row(fileId).data;
	}

	async getAsStream(fileId: string): Promise<Readable> {
		return Readable.from([this.row(fileId).data]);
	}

	async getMetadata(fileId: string): Promise<BinaryData.Metadata> {
		return this.row(fileId).metadata;
	}

	async copyByFileId(targetLocation: BinaryData.FileLocation, sourceFileId: string): Promise<string> {
		const { data, metadata } = this.row(sourceFileId);
		return (await this.store(targetLocation, data, metadata)).fileId;
	}

	async copyByFilePath(): Promise<never> {
		throw new Error('The engine\'s database mode copies no files from disk');
	}

	async deleteMany(): Promise<void> {}

	async rename(oldFileId: string, newFileId: string): Promise<void> {
		this.rows.set(newFileId, this.row(oldFileId));
		this.rows.delete(oldFileId);
	}

	private async collect(stream: Readable): Promise<Buffer> {
		const slow = this.slowReader;
		if (slow) {
			stream.on('data', () => {
				if (this.pauses >= slow.chunks) return;
				this.pauses++;
				stream.pause();
				setTimeout(() => stream.resume(), slow.pauseMs);
			});
		}
		return await collectWithDataListener(stream);
	}

	private row(fileId: string) {
		const row = this.rows.get(fileId);
		if (!row) throw new Error(`No binary data ${fileId} in the database`);
		return row;
	}
}

/**
 * Collects a stream as n8n 2.x's database mode does (`@n8n/backend-network`'s streamToBuffer in
 * n8n 2.41): a 'data' listener and no resume(), a read timeout that restarts with each chunk, and a
 * 'close' before 'end' taken as a body cut short.
 */
function collectWithDataListener(stream: Readable): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let settled = false;
		let timer: NodeJS.Timeout | undefined;
		const settle = (action: () => void) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			action();
		};
		const arm = () => {
			clearTimeout(timer);
			timer = setTimeout(() => {
				stream.destroy();
				settle(() => reject(new Error(`Response body timed out after ${DATABASE_READ_TIMEOUT_MS}ms without data`)));
			}, DATABASE_READ_TIMEOUT_MS);
			timer.unref();
		};
		stream.on('data', (chunk: Buffer) => {
			chunks.push(chunk);
			arm();
		});
		stream.once('end', () => settle(() => resolve(Buffer.concat(chunks))));
		stream.once('error', (error) => settle(() => reject(error)));
		stream.once('close', () => settle(() => reject(new Error('Stream closed before completing'))));
		arm();
	});
}

interface S3Server {
	run(): Promise<AddressInfo>;
	close(): Promise<void>;
}

let s3: { server: S3Server; dir: string; manager: ObjectStoreManager } | undefined;
const BUCKET = 'n8n-engine';

/** s3rver on loopback with one bucket, and n8n-core's own S3 manager pointed at it. */
async function startS3(): Promise<ObjectStoreManager> {
	if (s3) return s3.manager;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const S3rver = require('s3rver') as new (options: object) => S3Server;
	const dir = mkdtempSync(join(engineRoot, 's3-'));
	const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
	const { port } = await server.run();
	const config = {
		host: `127.0.0.1:${port}`,
		protocol: 'http',
		bucket: { name: BUCKET, region: 'us-east-1' },
		// s3rver's fixed development key pair
		credentials: { accessKey: 'S3RVER', accessSecret: 'S3RVER', authAutoDetect: false },
	} as unknown as ObjectStoreConfig;
	const service = new ObjectStoreService(Container.get(Logger), config);
	await service.init();
	const manager = new ObjectStoreManager(service);
	s3 = { server, dir, manager };
	return manager;
}

const databaseManager = new DatabaseModeManager();

/**
 * Makes `mode` where every later `prepareBinaryData` of this module registry stores its data, as
 * n8n does when N8N_DEFAULT_BINARY_DATA_MODE names it; `database` may be given a manager of its own.
 */
export async function useBinaryMode(mode: EngineBinaryMode, database = databaseManager): Promise<void> {
	await ensureEngine();
	const service = Container.get(BinaryDataService) as unknown as {
		mode: string;
		setManager(mode: string, manager: BinaryData.Manager): void;
	};
	if (mode === 'database') service.setManager('database', database);
	if (mode === 's3') service.setManager('s3', await startS3());
	// n8n-core names its filesystem manager 'filesystem-v2' (the ids it writes say so).
	service.mode = mode === 'filesystem' ? 'filesystem-v2' : mode;
}

/** Stops the S3 server, if one was started. */
export async function stopBinaryModes(): Promise<void> {
	if (!s3) return;
	const { server, dir } = s3;
	s3 = undefined;
	await server.close();
	rmSync(dir, { recursive: true, force: true });
}
