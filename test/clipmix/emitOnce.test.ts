import type { IDataObject } from 'n8n-workflow';
import { ObservableObject } from 'n8n-workflow';

import { emitOnceScope, emitOnceStore, forgetProcessMemory } from '../../nodes/shared/emitOnce';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 11, 1);
const options = { maxAgeMs: 24 * HOUR, maxEntries: 1000 };

let scopes = 0;
/** A fresh scope: its own workflow, as each test is. */
const newScope = () => emitOnceScope(`wf-${++scopes}`, { id: 'node-id', name: 'Trigger' });

/** What n8n does per webhook delivery: static data loaded as a plain copy, saved back whole. */
const load = (saved: IDataObject): IDataObject => JSON.parse(JSON.stringify(saved)) as IDataObject;
const persisted = (data: IDataObject, field = 'emitOnce') => (data[field] as { seen: Record<string, number>; forgottenThrough: number }) ?? { seen: {}, forgottenThrough: 0 };

describe('emitOnceStore', () => {
	it('claims a key once, and again only after maxAgeMs', () => {
		const scope = newScope();
		const data: IDataObject = {};
		const store = emitOnceStore(data, scope, options);
		expect(store.has('a', T0)).toBe(false);
		expect(store.claim('a', T0)).toBe(true);
		expect(store.claim('a', T0 + 1)).toBe(false);
		expect(store.has('a', T0 + 24 * HOUR - 1)).toBe(true);
		expect(emitOnceStore(load(data), scope, options).claim('a', T0 + 23 * HOUR)).toBe(false);
		expect(emitOnceStore(load(data), scope, options).claim('a', T0 + 24 * HOUR + 1)).toBe(true);
	});

	it('holds a key for one run of this process while it builds the item; claimed or held, others leave it alone', () => {
		const scope = newScope();
		const first = emitOnceStore({}, scope, options);
		const overlapping = emitOnceStore({}, scope, options);
		expect(first.hold('v', T0)).toBe(true);
		expect(overlapping.hold('v', T0)).toBe(false);
		// The build failed: released unclaimed, so a later run tries again.
		first.release('v');
		expect(overlapping.hold('v', T0)).toBe(true);
		expect(overlapping.claim('v', T0)).toBe(true);
		overlapping.release('v');
		expect(first.hold('v', T0)).toBe(false);
		// A hold is memory only: nothing of it is saved, and a restart drops it.
		const data: IDataObject = {};
		emitOnceStore(data, scope, options).hold('w', T0);
		expect(persisted(data).seen).toEqual({});
		forgetProcessMemory();
		expect(emitOnceStore(data, scope, options).hold('w', T0)).toBe(true);
	});

	it('remembers a key until its own time + maxAgeMs, when the caller gives one', () => {
		const scope = newScope();
		const data: IDataObject = {};
		// An event stamped 20 hours ago, first seen now: remembered for 4 more hours, not 24.
		expect(emitOnceStore(data, scope, options).claim('late', T0, T0 - 20 * HOUR)).toBe(true);
		expect(emitOnceStore(load(data), scope, options).has('late', T0 + 4 * HOUR - 1)).toBe(true);
		expect(emitOnceStore(load(data), scope, options).has('late', T0 + 4 * HOUR)).toBe(false);
		// Stamped a few minutes ahead of our clock: remembered until then + maxAgeMs.
		expect(emitOnceStore(data, scope, options).claim('early', T0, T0 + 5 * 60_000)).toBe(true);
		expect(emitOnceStore(load(data), scope, options).has('early', T0 + 24 * HOUR + 4 * 60_000)).toBe(true);
	});

	it('persists as plain JSON: key → time first seen', () => {
		const data: IDataObject = {};
		emitOnceStore(data, newScope(), { ...options, field: 'seen' }).claim('event:evt_1', T0);
		expect(JSON.parse(JSON.stringify(data))).toEqual({
			seen: { v: 1, seen: { 'event:evt_1': T0 }, forgottenThrough: 0, writer: expect.any(String), seq: 1 },
		});
	});

	it('10 concurrent copies of static data, saved in any order: no key is lost', () => {
		const scope = newScope();
		let saved: IDataObject = {};
		const copies = Array.from({ length: 10 }, () => load(saved));
		copies.forEach((copy, i) => expect(emitOnceStore(copy, scope, options).claim(`k${i}`, T0 + i)).toBe(true));
		// Each copy holds every key claimed before it: the last one to claim holds all ten.
		expect(Object.keys(persisted(copies[9]).seen)).toHaveLength(10);
		// Saved out of order: copy 3 lands last and drops k4..k9 from static data, but this process
		// still knows them, and the next write puts them back.
		saved = load(copies[3]);
		for (let i = 0; i < 10; i++) expect(emitOnceStore(load(saved), scope, options).claim(`k${i}`, T0 + 20)).toBe(false);
		const next = load(saved);
		expect(emitOnceStore(next, scope, options).claim('k10', T0 + 30)).toBe(true);
		expect(Object.keys(persisted(next).seen).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `k${i}`), 'k10'].sort());
	});

	it('after a restart, static data alone recognises every key', () => {
		const scope = newScope();
		let saved: IDataObject = {};
		for (let i = 0; i < 50; i++) {
			const copy = load(saved);
			emitOnceStore(copy, scope, options).claim(`k${i}`, T0 + i);
			saved = copy;
		}
		forgetProcessMemory();
		for (let i = 0; i < 50; i++) expect(emitOnceStore(load(saved), scope, options).has(`k${i}`, T0 + HOUR)).toBe(true);
		const copy = load(saved);
		expect(emitOnceStore(copy, scope, options).claim('k0', T0 + HOUR)).toBe(false);
		expect(emitOnceStore(copy, scope, options).claim('k50', T0 + HOUR)).toBe(true);
		expect(Object.keys(persisted(copy).seen)).toHaveLength(51);
	});

	it('two processes: a key saved by one is recognised by the other; the same moment in both is the documented limit', () => {
		const [a, b] = [newScope(), newScope()]; // two processes' memories of one workflow
		const saved: IDataObject = {};
		// Both load static data before either saves: both claim (queue mode's limit, see emitOnce.ts).
		const [copyA, copyB] = [load(saved), load(saved)];
		expect(emitOnceStore(copyA, a, options).claim('same', T0)).toBe(true);
		expect(emitOnceStore(copyB, b, options).claim('same', T0)).toBe(true);
		// Once A's save has landed, B recognises A's keys, and B's save keeps them (the union).
		const afterA = load(copyA);
		emitOnceStore(afterA, a, options).claim('onlyA', T0 + 1);
		const inB = load(afterA);
		expect(emitOnceStore(inB, b, options).claim('onlyA', T0 + 2)).toBe(false);
		expect(emitOnceStore(inB, b, options).claim('onlyB', T0 + 3)).toBe(true);
		expect(Object.keys(persisted(inB).seen).sort()).toEqual(['onlyA', 'onlyB', 'same']);
	});

	it('stays within maxEntries, and says up to when it forgot early', () => {
		const scope = newScope();
		let saved: IDataObject = {};
		const small = { maxAgeMs: 24 * HOUR, maxEntries: 100 };
		for (let i = 0; i < 1000; i++) {
			const copy = load(saved);
			expect(emitOnceStore(copy, scope, small).claim(`k${i}`, T0 + i * 1000)).toBe(true);
			saved = copy;
			expect(Object.keys(persisted(saved).seen).length).toBeLessThanOrEqual(100);
		}
		const store = emitOnceStore(load(saved), scope, small);
		expect(store.size).toBeLessThanOrEqual(100);
		const through = store.forgottenThrough;
		expect(through).toBeGreaterThan(T0);
		expect(persisted(saved).forgottenThrough).toBe(through);
		// Every key first seen after `forgottenThrough` is still remembered.
		for (let i = 0; i < 1000; i++) {
			if (T0 + i * 1000 > through) expect(store.has(`k${i}`, T0 + 1000 * 1000)).toBe(true);
		}
		forgetProcessMemory();
		expect(emitOnceStore(load(saved), scope, small).forgottenThrough).toBe(through);
	});

	it('forgets the keys with the oldest times first, whatever order they came in, and never moves forgottenThrough back', () => {
		const scope = newScope();
		const data: IDataObject = {};
		const small = { maxAgeMs: 24 * HOUR, maxEntries: 10 };
		const claim = (key: string, minutes: number) => emitOnceStore(data, scope, small).claim(key, T0, T0 + minutes * MIN);
		for (const m of [5, 3, 9, 0, 7, 1, 8, 2, 6, 4]) claim(`t${m}`, m);
		// Each new key past 10 forgets the oldest one left.
		for (let m = 10; m < 15; m++) claim(`t${m}`, m);
		expect(Object.keys(persisted(data).seen).sort()).toEqual(['t10', 't11', 't12', 't13', 't14', 't5', 't6', 't7', 't8', 't9']);
		expect(persisted(data).forgottenThrough).toBe(T0 + 4 * MIN);
		// A key stamped before forgottenThrough (the caller should have refused it) is forgotten first,
		// and forgottenThrough stays where it was.
		claim('late', -60); // forgets t5
		claim('t15', 15); // forgets late
		expect(persisted(data).seen).not.toHaveProperty('late');
		expect(persisted(data).forgottenThrough).toBe(T0 + 5 * MIN);
		expect(emitOnceStore(data, scope, small).forgottenThrough).toBe(T0 + 5 * MIN);
	});

	it('looks for expired keys at most once per 1/16 of maxAgeMs, not on every claim', () => {
		const scope = newScope();
		const data: IDataObject = {};
		const sixteenHours = { maxAgeMs: 16 * HOUR, maxEntries: 1000 };
		const claim = (key: string, now: number, at = now) => emitOnceStore(data, scope, sixteenHours).claim(key, now, at);
		claim('old', T0, T0 - 16 * HOUR + MIN); // expires at T0 + 1 min
		claim('a', T0 + 30 * MIN);
		expect(Object.keys(persisted(data).seen).sort()).toEqual(['a', 'old']);
		expect(emitOnceStore(data, scope, sixteenHours).has('old', T0 + 30 * MIN)).toBe(false);
		claim('b', T0 + HOUR);
		expect(Object.keys(persisted(data).seen).sort()).toEqual(['a', 'b']);
	});

	it('when full between two looks for expired keys, drops the expired ones before forgetting any live key', () => {
		const scope = newScope();
		const data: IDataObject = {};
		const sixteenHours = { maxAgeMs: 16 * HOUR, maxEntries: 20 };
		const claim = (key: string, now: number, at = now) => emitOnceStore(data, scope, sixteenHours).claim(key, now, at);
		claim('old', T0, T0 - 16 * HOUR + MIN); // expires at T0 + 1 min; the next look is at T0 + 1 hour
		for (let i = 1; i < 20; i++) claim(`live${i}`, T0 + 2 * MIN, T0 + i);
		// Full (20 keys) at T0 + 3 min: only the expired key goes, nothing live is forgotten early.
		expect(claim('new', T0 + 3 * MIN)).toBe(true);
		expect(Object.keys(persisted(data).seen)).not.toContain('old');
		expect(Object.keys(persisted(data).seen)).toHaveLength(20);
		expect(persisted(data).forgottenThrough).toBe(0);
		expect(claim('live1', T0 + 3 * MIN)).toBe(false);
	});

	it('brings a copy it saved up to date by the changes since, while it has them (the last 4096 to 8192), else rebuilds it', () => {
		const scope = newScope();
		const many = { maxAgeMs: 24 * HOUR, maxEntries: 100_000 };
		const live: IDataObject = {};
		const saved = new Map<number, IDataObject>();
		for (let change = 1; change < 8192; change++) {
			emitOnceStore(live, scope, many).claim(`k${change}`, T0);
			if ([1, 4096, 4097].includes(change)) saved.set(change, load(live));
		}
		/** Claims a new key into the copy saved after change `seq`: whether it was patched rather than rebuilt. */
		const patched = (seq: number, key: string) => {
			const copy = saved.get(seq)!;
			const before = persisted(copy).seen;
			expect(emitOnceStore(copy, scope, many).claim(key, T0)).toBe(true);
			// Patched or rebuilt, the copy holds every key.
			expect(Object.keys(persisted(copy).seen)).toHaveLength(emitOnceStore({}, scope, many).size);
			return persisted(copy).seen === before;
		};
		expect(patched(1, 'a')).toBe(true); // change 8192: every change is still known
		emitOnceStore(live, scope, many).claim('b', T0); // change 8193: only the last 4096 are kept
		expect(patched(4097, 'c')).toBe(true); // change 8194: the changes since 4097 are all known
		expect(patched(4096, 'd')).toBe(false); // change 8195: change 4097 is not
	});

	it.each<[string, number | undefined, string[], number]>([
		['forgot through an hour ago', T0 - HOUR, ['after', 'new'], T0 - HOUR],
		['forgot nothing', 0, ['after', 'at', 'before', 'new'], 0],
		['no forgottenThrough', undefined, ['after', 'at', 'before', 'new'], 0],
	])('takes in another process\'s fresh keys stamped after its forgottenThrough, and keeps that: %s', (_name, through, keys, kept) => {
		const F = T0 - HOUR;
		const seen = { before: F - 1, at: F, after: F + 1, expired: T0 - 25 * HOUR, damaged: 'yesterday' };
		const data: IDataObject = { emitOnce: { v: 1, seen, writer: 'another process', seq: 7, ...(through === undefined ? {} : { forgottenThrough: through }) } };
		const store = emitOnceStore(data, newScope(), options);
		expect(store.claim('new', T0)).toBe(true);
		expect(Object.keys(persisted(data).seen).sort()).toEqual(keys);
		expect(persisted(data).forgottenThrough).toBe(kept);
		expect(store.forgottenThrough).toBe(kept);
	});

	it('forgets expired keys, so a steady stream keeps static data at one Max Age of keys', () => {
		const scope = newScope();
		let saved: IDataObject = {};
		const hourly = { maxAgeMs: 10 * HOUR, maxEntries: 1000 };
		for (let i = 0; i < 100; i++) {
			const copy = load(saved);
			emitOnceStore(copy, scope, hourly).claim(`k${i}`, T0 + i * HOUR);
			saved = copy;
		}
		const kept = Object.keys(persisted(saved).seen).length;
		expect(kept).toBeGreaterThanOrEqual(10);
		expect(kept).toBeLessThanOrEqual(11);
		expect(emitOnceStore(load(saved), scope, hourly).forgottenThrough).toBe(0);
	});

	it('a long-lived static data object (a polling trigger) is marked changed on every claim', () => {
		const scope = newScope();
		const root = ObservableObject.create({ 'node:Trigger': {} } as IDataObject) as IDataObject & { __dataChanged: boolean };
		const nodeData = root['node:Trigger'] as IDataObject;
		for (let i = 0; i < 3; i++) {
			root.__dataChanged = false;
			expect(emitOnceStore(nodeData, scope, { ...options, field: 'videos' }).claim(`vid_${i}`, T0 + i)).toBe(true);
			expect(root.__dataChanged).toBe(true);
		}
		root.__dataChanged = false;
		expect(emitOnceStore(nodeData, scope, { ...options, field: 'videos' }).claim('vid_1', T0 + 5)).toBe(false);
		expect(root.__dataChanged).toBe(false);
		expect(Object.keys(persisted(JSON.parse(JSON.stringify(nodeData)) as IDataObject, 'videos').seen)).toEqual(['vid_0', 'vid_1', 'vid_2']);
	});

	it('keys named like Object.prototype members are ordinary keys', () => {
		const scope = newScope();
		const data: IDataObject = {};
		// `__proto__` last: claimed into a saved copy that already exists, and the last word on it.
		const keys = ['hasOwnProperty', 'constructor', 'toString', '__proto__'];
		for (const key of keys) {
			expect(emitOnceStore(data, scope, options).has(key, T0)).toBe(false);
			expect(emitOnceStore(data, scope, options).claim(key, T0)).toBe(true);
		}
		forgetProcessMemory();
		const reloaded = load(data);
		for (const key of keys) {
			expect(emitOnceStore(reloaded, scope, options).claim(key, T0 + 1)).toBe(false);
		}
		expect(emitOnceStore(reloaded, scope, options).claim('valueOf', T0 + 1)).toBe(true);
	});

	it('damaged static data is replaced, not trusted', () => {
		const late = T0 + HOUR;
		for (const damaged of ['text', [], { seen: [] }, { seen: null }, { seen: { k: 'yesterday' } }, { seen: 'text', forgottenThrough: late }, { seen: 7, forgottenThrough: late }]) {
			const data: IDataObject = { emitOnce: damaged as IDataObject };
			const store = emitOnceStore(data, newScope(), options);
			// Nothing of a record without a `seen` object is believed, not even how far it forgot.
			expect(store.forgottenThrough).toBe(0);
			expect(store.claim('k', T0)).toBe(true);
			expect(persisted(data)).toMatchObject({ seen: { k: T0 }, forgottenThrough: 0 });
		}
	});

	it('a copy saved by another memory (another process, or before a restart) is rebuilt, whatever its change count', () => {
		const scope = newScope();
		const ours: IDataObject = {};
		for (const key of ['a', 'b', 'c']) emitOnceStore(ours, scope, options).claim(key, T0);
		// Another process saved one key after 1, 2 or 3 changes of its own: as many as ours, or fewer.
		for (const seq of [1, 2, 3]) {
			const theirs: IDataObject = { emitOnce: { v: 1, seen: { k: T0 }, forgottenThrough: 0, writer: 'another process', seq } };
			expect(emitOnceStore(theirs, scope, options).claim(`j${seq}`, T0 + 1)).toBe(true);
			// The save is the union: their key and every key this process holds, not only our latest changes.
			expect(Object.keys(persisted(theirs).seen).sort()).toEqual(['a', 'b', 'c', 'k', ...[1, 2, 3].filter((n) => n <= seq).map((n) => `j${n}`)].sort());
		}
	});

	it('a node keeps its memory across a rename (scoped by its id); a node without an id is scoped by its name', () => {
		const workflow = `wf-${++scopes}`;
		const claim = (node: { id?: string; name: string }) => emitOnceStore({}, emitOnceScope(workflow, node), options).claim('k', T0);
		expect(claim({ id: 'n1', name: 'Trigger' })).toBe(true);
		expect(claim({ id: 'n1', name: 'Renamed' })).toBe(false);
		expect(claim({ name: 'A' })).toBe(true);
		expect(claim({ name: 'B' })).toBe(true);
		expect(claim({ name: 'A' })).toBe(false);
	});

	it('scopes are separate: two workflows, or two fields of one node', () => {
		const data: IDataObject = {};
		const scope = newScope();
		expect(emitOnceStore(data, scope, { ...options, field: 'a' }).claim('k', T0)).toBe(true);
		expect(emitOnceStore(data, scope, { ...options, field: 'b' }).claim('k', T0)).toBe(true);
		expect(emitOnceStore({}, newScope(), options).claim('k', T0)).toBe(true);
	});
});
