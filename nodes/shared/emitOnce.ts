import { randomBytes } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { clock } from './clock';

/**
 * "Emit once": the memory a trigger uses to start one run per event, however often the event
 * arrives (a webhook redelivered or replayed, an item seen again by the next poll).
 *
 * Two layers, one answer:
 *
 * 1. In this process, a module-level map per scope (workflow id + node), checked and updated
 *    synchronously inside `claim()`. Node runs one JavaScript thread, so of two identical
 *    deliveries arriving together exactly one claims the key, even though n8n hands each
 *    delivery its own copy of the workflow's static data.
 * 2. In the workflow's static data (a plain JSON object, saved by n8n with the workflow), so the
 *    memory survives a restart. n8n loads static data per delivery and saves it back whole, so
 *    the last save wins. Every write here therefore writes the union of what this copy held and
 *    everything this process knows for the scope: concurrent writers in one process never lose
 *    each other's keys, and a write that lost a race is repaired by the next one.
 *
 * What it can promise with several n8n processes (queue mode with several webhook processes, or
 * several main instances) is less: layer 1 is per process, and static data is per workflow with
 * the last save winning across processes.
 * - A key claimed in one process is seen by another only once that other process loads static
 *   data saved after the claim: two processes that receive the same item before either has
 *   loaded the other's save may both emit it.
 * - Two processes saving from copies loaded before each other's saves: the later save drops the
 *   keys only the earlier one held. That process still remembers them (a repeat reaching it is
 *   recognised) and writes them back with its next save; until then, a repeat reaching another
 *   process is emitted again.
 * With one process (or one webhook process) it is exact.
 *
 * Lookups are constant time (a Map in memory, an object's own property in static data). Keys are
 * kept for `maxAgeMs` from their time and at most `maxEntries` of them: when more arrive within
 * `maxAgeMs`, the oldest are forgotten early and `forgottenThrough` moves forward, so a caller
 * that knows the item's own time can refuse what the store can no longer vouch for.
 */

export interface EmitOnceOptions {
	/** How long a claimed key is remembered, in ms of `clock.now()`, counted from its time (see `claim`). */
	maxAgeMs: number;
	/** The most keys kept; beyond it the oldest are forgotten early (see `forgottenThrough`). */
	maxEntries: number;
	/** The static-data field the store lives in; default `emitOnce`. */
	field?: string;
}

export interface EmitOnceStore {
	/**
	 * true the first time `key` is claimed within `maxAgeMs` (the caller then emits), false when it
	 * already was. Synchronous: check and claim happen with no await in between.
	 *
	 * `at` is the key's time: the item's own time when the caller knows it (a signed event time),
	 * else `now`. The key is remembered until `at + maxAgeMs`, so a caller that refuses items older
	 * than `maxAgeMs` by that same time never meets a repeat the store has forgotten by age. `at`
	 * should lie within `maxAgeMs` of `now` (a key older than that is not remembered at all).
	 */
	claim(key: string, now?: number, at?: number): boolean;
	/** Whether `key` was claimed within `maxAgeMs`, without claiming it. */
	has(key: string, now?: number): boolean;
	/**
	 * Holds `key` in this process while its item is being built (a slow file download, say), so that
	 * an overlapping run of the same trigger leaves it alone instead of building it again. true if
	 * it was neither claimed nor held; the holder then claims it (or not) and `release`s it.
	 * Synchronous, like `claim`. Kept in memory only: a restart drops every hold.
	 */
	hold(key: string, now?: number): boolean;
	release(key: string): void;
	/**
	 * ms epoch: keys whose time (see `claim`) is at or before this may have been forgotten before
	 * `maxAgeMs` because more than `maxEntries` arrived; 0 while none was. An item whose time is at
	 * or before it cannot be told from a repeat.
	 */
	readonly forgottenThrough: number;
	/** Keys this process remembers for the scope (static data's are taken in by the first claim). */
	readonly size: number;
}

/** What is saved in static data: plain JSON. */
interface Persisted {
	v: 1;
	/** key → its time, ms epoch (the item's own time, or when it was first claimed). */
	seen: Record<string, number>;
	forgottenThrough: number;
	/** The in-process memory that wrote this, and how many changes it had made when it did. */
	writer: string;
	seq: number;
}

/** One scope's memory in this process. */
interface Scope {
	seen: Map<string, number>;
	forgottenThrough: number;
	/**
	 * This memory's identity. A copy of static data it wrote holds exactly `seen` as it was after
	 * `seq` changes, so bringing that copy up to date only takes the keys changed since (added or
	 * forgotten); any other copy (from another process, before a restart, or too old) is rebuilt.
	 */
	writer: string;
	/** Changes made to `seen`: keys added and keys forgotten. */
	seq: number;
	/** The keys of the last changes, in order: `changed[i]` is change number `seq - changed.length + i + 1`. */
	changed: string[];
	/** When to look for expired keys next. */
	nextPruneAt: number;
	/** Keys held by a run of this process that is building their item (`hold`). */
	held: Set<string>;
}

/** How many recent changes are kept to bring a copy of static data up to date cheaply. */
const RECENT_CHANGES = 4096;
/** Eviction by `maxEntries` frees this share at once, so it runs once per many claims. */
const EVICT_SHARE = 0.1;
/** Expired keys are looked for at most this often, as a share of `maxAgeMs`. */
const PRUNE_SHARE = 1 / 16;

const scopes = new Map<string, Scope>();

/**
 * The scope of one trigger node: its workflow and the node, by id, so that after a rename the
 * memory carries on (and is written into the renamed node's fresh static data). A workflow without
 * an id (never saved) is `null`, which no workflow id can be.
 */
export function emitOnceScope(workflowId: string | undefined, node: { id?: string; name: string }): string {
	return JSON.stringify([workflowId ?? null, node.id ?? node.name]);
}

/** The own value of `key` in a plain object (safe for keys like `__proto__` or `hasOwnProperty`). */
function own(record: Record<string, number>, key: string): number | undefined {
	return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function isPersisted(value: unknown): value is Persisted {
	const v = value as Partial<Persisted> | null | undefined;
	// Static data is JSON: a value that is no object (text, a number, true) has no `seen`.
	return !!v && !!v.seen && typeof v.seen === 'object' && !Array.isArray(v.seen);
}

/** A plain object of the map's entries (own properties, whatever the keys are called). */
function plainObject(map: Map<string, number>): Record<string, number> {
	const record: Record<string, number> = {};
	for (const [key, value] of map) {
		if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
		else record[key] = value;
	}
	return record;
}

class Store implements EmitOnceStore {
	private readonly maxAgeMs: number;
	private readonly maxEntries: number;
	private readonly memory: Scope;
	/** This delivery's copy of static data, if it holds a store. */
	private copy: Persisted | undefined;

	constructor(
		private readonly staticData: IDataObject,
		scopeKey: string,
		options: EmitOnceOptions,
		private readonly field = options.field ?? 'emitOnce',
	) {
		this.maxAgeMs = Math.max(0, options.maxAgeMs);
		this.maxEntries = Math.max(1, Math.floor(options.maxEntries));
		const memoryKey = `${scopeKey}\u0000${field}`;
		let memory = scopes.get(memoryKey);
		if (!memory) {
			memory = {
				seen: new Map(),
				forgottenThrough: 0,
				writer: randomBytes(9).toString('base64'),
				seq: 0,
				changed: [],
				nextPruneAt: 0,
				held: new Set(),
			};
			scopes.set(memoryKey, memory);
		}
		this.memory = memory;
		const stored = staticData[field];
		this.copy = isPersisted(stored) ? stored : undefined;
	}

	get forgottenThrough(): number {
		return Math.max(this.memory.forgottenThrough, this.copy ? Number(this.copy.forgottenThrough) || 0 : 0);
	}

	get size(): number {
		return this.memory.seen.size;
	}

	has(key: string, now = clock.now()): boolean {
		return this.fresh(this.memory.seen.get(key), now) || (this.copy !== undefined && this.fresh(own(this.copy.seen, key), now));
	}

	hold(key: string, now = clock.now()): boolean {
		if (this.memory.held.has(key) || this.has(key, now)) return false;
		this.memory.held.add(key);
		return true;
	}

	release(key: string): void {
		this.memory.held.delete(key);
	}

	claim(key: string, now = clock.now(), at = now): boolean {
		if (this.has(key, now)) return false;
		if (this.copy && !this.upToDate(this.copy)) this.learn(this.copy, now);
		this.prune(now);
		this.memory.seen.set(key, at);
		this.changed(key);
		this.write();
		return true;
	}

	private fresh(time: number | undefined, now: number): boolean {
		return typeof time === 'number' && time > now - this.maxAgeMs;
	}

	/**
	 * Whether `record` holds exactly what memory held after the record's `seq` changes: this memory
	 * wrote it (so its `seq` is at most memory's, which only grows), and the changes since are kept.
	 */
	private upToDate(record: Persisted): boolean {
		const { memory } = this;
		return record.writer === memory.writer && record.seq >= memory.seq - memory.changed.length;
	}

	private changed(key: string): void {
		const { memory } = this;
		memory.seq++;
		memory.changed.push(key);
		if (memory.changed.length > RECENT_CHANGES * 2) memory.changed.splice(0, memory.changed.length - RECENT_CHANGES);
	}

	private forget(key: string): void {
		this.memory.seen.delete(key);
		this.changed(key);
	}

	/** Takes in the keys of a copy written elsewhere (another process, or before a restart). */
	private learn(record: Persisted, now: number): void {
		const { memory } = this;
		const through = Number(record.forgottenThrough);
		if (through > memory.forgottenThrough) memory.forgottenThrough = through;
		for (const key in record.seen) {
			const time = own(record.seen, key);
			if (this.fresh(time, now) && time! > memory.forgottenThrough && !memory.seen.has(key)) {
				memory.seen.set(key, time!);
				this.changed(key);
			}
		}
	}

	/** Forgets expired keys, and the oldest ones while there are more than `maxEntries - 1`. */
	private prune(now: number): void {
		const { memory, maxEntries } = this;
		if (now >= memory.nextPruneAt || memory.seen.size >= maxEntries) {
			for (const [key, time] of memory.seen) if (!this.fresh(time, now)) this.forget(key);
			memory.nextPruneAt = now + Math.max(1, this.maxAgeMs * PRUNE_SHARE);
		}
		if (memory.seen.size >= maxEntries) {
			const keep = Math.max(0, Math.min(maxEntries - 1, Math.floor(maxEntries * (1 - EVICT_SHARE))));
			const oldest = [...memory.seen].sort((a, b) => a[1] - b[1]).slice(0, memory.seen.size - keep);
			for (const [key, time] of oldest) {
				this.forget(key);
				if (time > memory.forgottenThrough) memory.forgottenThrough = time;
			}
		}
	}

	/** Writes the union into static data: this copy brought up to date, or rebuilt from memory. */
	private write(): void {
		const { memory } = this;
		let record = this.copy;
		const since = record && this.upToDate(record) ? memory.changed.slice(memory.changed.length - (memory.seq - record.seq)) : undefined;
		if (record && since && !since.includes('__proto__')) {
			const seen = record.seen;
			for (const key of since) {
				const time = memory.seen.get(key);
				if (time !== undefined) seen[key] = time;
				else if (Object.prototype.hasOwnProperty.call(seen, key)) delete seen[key];
			}
		} else {
			record ??= { v: 1, seen: {}, forgottenThrough: 0, writer: '', seq: 0 };
			record.seen = plainObject(memory.seen);
		}
		record.forgottenThrough = memory.forgottenThrough;
		record.writer = memory.writer;
		record.seq = memory.seq;
		this.copy = record;
		// Assigned back even when changed in place: that is what marks n8n's static data as changed
		// when this object was attached by an earlier run of a long-lived workflow (a polling
		// trigger), whose nested objects n8n's change tracking does not watch.
		this.staticData[this.field] = record as unknown as IDataObject;
	}
}

/**
 * The emit-once store of one scope (see emitOnceScope), kept in `staticData[options.field]`.
 * Create one per delivery or poll, over the static data n8n hands that run: it is cheap.
 */
export function emitOnceStore(staticData: IDataObject, scopeKey: string, options: EmitOnceOptions): EmitOnceStore {
	return new Store(staticData, scopeKey, options);
}

/** Forgets every scope's in-process memory, as a restart of n8n would (static data stays). */
export function forgetProcessMemory(): void {
	scopes.clear();
}
