/**
 * A tiny check list for the e2e run: named checks that pass, fail (with the reason) or are skipped,
 * printed as they happen and summed up at the end as "N passed, N failed, N skipped".
 */
export class Checks {
	readonly results: Array<{ name: string; status: 'passed' | 'failed' | 'skipped'; detail?: string }> = [];

	pass(name: string, detail?: string): void {
		this.results.push({ name, status: 'passed', detail });
		process.stdout.write(`  ✓ ${name}${detail ? `  (${detail})` : ''}\n`);
	}

	fail(name: string, detail: string): void {
		this.results.push({ name, status: 'failed', detail });
		process.stdout.write(`  ✗ ${name}\n      ${detail.split('\n').join('\n      ')}\n`);
	}

	skip(name: string, reason: string): void {
		this.results.push({ name, status: 'skipped', detail: reason });
		process.stdout.write(`  - ${name}  (skipped: ${reason})\n`);
	}

	/** Records `name` as passed when `fn` returns, failed when it throws; returns fn's value or undefined. */
	async check<T>(name: string, fn: () => Promise<T> | T, detail?: (value: T) => string): Promise<T | undefined> {
		try {
			const value = await fn();
			this.pass(name, detail?.(value));
			return value;
		} catch (err) {
			this.fail(name, err instanceof Error ? err.message : String(err));
			return undefined;
		}
	}

	get failed(): number {
		return this.results.filter((r) => r.status === 'failed').length;
	}

	summary(): string {
		const count = (s: string) => this.results.filter((r) => r.status === s).length;
		return `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`;
	}
}

export function assert(condition: unknown, message: string): asserts condition {
	if (!condition) throw new Error(message);
}

export function assertEqual<T>(actual: T, expected: T, what: string): void {
	const a = JSON.stringify(actual);
	const e = JSON.stringify(expected);
	if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
