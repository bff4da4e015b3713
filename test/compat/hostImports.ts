import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One value the built package takes from n8n at runtime. */
export interface HostImport {
	/** `n8n-workflow` or a subpath of it. */
	specifier: string;
	name: string;
	/** Built files using it, relative to the build directory. */
	files: string[];
}

export interface ScanResult {
	imports: Array<{ specifier: string; name: string }>;
	/** Uses this scan cannot check by name (a re-export, the whole module passed around): a human must look. */
	unrecognised: string[];
}

const HOST = String.raw`(?<quote>["'])(?<specifier>n8n-workflow(?:\/[^"']*)?)\k<quote>`;
const REQUIRE = new RegExp(String.raw`require\(${HOST}\)`, 'g');
// `const n8n_workflow_1 = require("n8n-workflow")`, also wrapped in tsc's __importStar / __importDefault.
const BINDING = new RegExp(
	String.raw`\b(?:const|let|var)\s+(?<binding>[A-Za-z_$][\w$]*)\s*=\s*(?:[\w$.]*__import(?:Star|Default)\()?require\(${HOST}\)`,
	'g',
);
// `const { sleep, NodeApiError: ApiError } = require("n8n-workflow")`
const DESTRUCTURE = new RegExp(String.raw`\b(?:const|let|var)\s*\{(?<names>[^}]*)\}\s*=\s*require\(${HOST}\)`, 'g');

function lineAt(js: string, index: number): string {
	const start = js.lastIndexOf('\n', index) + 1;
	const end = js.indexOf('\n', index);
	return js.slice(start, end === -1 ? undefined : end).trim();
}

/** The names one compiled CommonJS file reads from n8n-workflow, in any form tsc emits. */
export function scanHostImports(js: string): ScanResult {
	const imports: ScanResult['imports'] = [];
	const unrecognised: string[] = [];
	const understood = new Set<number>();

	for (const match of js.matchAll(BINDING)) {
		const [declaration] = match;
		const { binding, specifier } = match.groups!;
		understood.add(match.index! + declaration.indexOf('require('));
		const identifier = binding.replace(/\$/g, '\\$');
		// Every use of the binding must be a member access: `n8n_workflow_1.sleep`, `n8n_workflow_1["sleep"]`.
		const use = new RegExp(String.raw`(?<![\w$])${identifier}(?![\w$])(?:\s*\.\s*([A-Za-z_$][\w$]*)|\s*\[\s*(["'])([^"']+)\2\s*\])?`, 'g');
		for (const access of js.matchAll(use)) {
			const inDeclaration = access.index! >= match.index! && access.index! < match.index! + declaration.length;
			if (inDeclaration) continue;
			const name = access[1] ?? access[3];
			if (name) imports.push({ specifier, name });
			else unrecognised.push(lineAt(js, access.index!));
		}
	}
	for (const match of js.matchAll(DESTRUCTURE)) {
		const [declaration] = match;
		const { names, specifier } = match.groups!;
		understood.add(match.index! + declaration.indexOf('require('));
		for (const part of names.split(',').map((entry) => entry.trim()).filter(Boolean)) {
			const name = /^([A-Za-z_$][\w$]*)\s*(?:[:=]|$)/.exec(part)?.[1];
			if (name) imports.push({ specifier, name });
			else unrecognised.push(lineAt(js, match.index!));
		}
	}
	for (const match of js.matchAll(REQUIRE)) {
		if (!understood.has(match.index!)) unrecognised.push(lineAt(js, match.index!));
	}
	return { imports, unrecognised };
}

function jsFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
		.map((entry) => join(entry.parentPath, entry.name))
		.sort();
}

/** Every n8n-workflow value the built package uses, and where: what each host version must provide. */
export function findHostImports(buildDir: string): { imports: HostImport[]; unrecognised: string[] } {
	const byKey = new Map<string, HostImport>();
	const unrecognised: string[] = [];
	for (const path of jsFiles(buildDir)) {
		const file = relative(buildDir, path);
		const scan = scanHostImports(readFileSync(path, 'utf8'));
		unrecognised.push(...scan.unrecognised.map((line) => `${file}: ${line}`));
		for (const { specifier, name } of scan.imports) {
			const key = `${specifier}\0${name}`;
			const entry = byKey.get(key) ?? { specifier, name, files: [] };
			if (!entry.files.includes(file)) entry.files.push(file);
			byKey.set(key, entry);
		}
	}
	const imports = [...byKey.values()].sort(
		(a, b) => a.specifier.localeCompare(b.specifier) || a.name.localeCompare(b.name),
	);
	return { imports, unrecognised };
}
