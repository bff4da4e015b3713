/**
 * The e2e run's browser half: Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`),
 * driven by playwright-core, never a downloaded browser. It signs in to the editor, opens the Blipix
 * credential (n8n tests it on opening), looks at three imported examples (the content pipeline's run
 * showing its dub's 3 items, one per language), opens the Blipix Trigger's parameters in a fourth, then
 * adds the Blipix node to a new workflow, chooses Video → Create and opens the Voice dropdown, which n8n fills through our
 * loadOptions method from the simulator's /voices. The same steps work on n8n 1.123 and 2.41; where the
 * two editors differ (1.x draws an execution's canvas in an iframe, 2.x in the page) both are tried.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

import { ROOT } from '../../scripts/dev/common';
import type { Owner } from '../../scripts/dev/n8n';

import type { Checks } from './checks';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Without the background-networking flags Chromium's own connections are refused by this closed
 * network. (--user-data-dir: playwright sets it from launchPersistentContext's fresh folder.)
 */
export function chromiumArgs(): string[] {
	return [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-quic',
		'--no-first-run',
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
	];
}

export interface EditorOptions {
	baseUrl: string;
	owner: Owner;
	screenshotsDir: string;
	/** where a screenshot of the page goes when a check failed */
	failureShot: string;
	/** examples that ran, by file: their workflow and execution ids */
	executed: Map<string, { workflowId: string; executionId: string }>;
	/** examples imported, by file: their workflow ids */
	imported: Map<string, string>;
}

/** The example with a Blipix Trigger, and its trigger node's name. */
const TRIGGER_EXAMPLE = { file: 'examples/scheduled-posting-2-post.json', node: 'When a Video Is Ready' };

/** The voice the simulator lists first, as our loadOptions method names it. */
const VOICE = 'Alloy (en, female)';

/** The content pipeline example, and its dubbing node, whose output the screenshot shows as 3 items. */
const PIPELINE_EXAMPLE = { file: 'examples/content-pipeline.json', dub: 'Dub into 3 Languages' };

/**
 * Waits for a text on an execution's canvas: in an iframe (n8n 1.x) or in the page itself (2.x). Every
 * frame is looked at, again and again, as frames come and go: on n8n 1.x the first execution opened can
 * take its time, and the canvas's iframe need not be the page's first.
 */
async function visibleInCanvas(page: Page, text: string, timeoutMs = 45_000): Promise<void> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		for (const frame of page.frames()) {
			if (await frame.getByText(text, { exact: false }).first().isVisible().catch(() => false)) return;
		}
		if (Date.now() > until) {
			const frames = page.frames().map((f) => f.url() || '(no url)');
			throw new Error(`"${text}" not visible within ${timeoutMs / 1000} s in any of ${frames.length} frame(s): ${frames.join(', ')}`);
		}
		await page.waitForTimeout(250);
	}
}

async function shot(page: Page, dir: string, name: string): Promise<string> {
	const path = join(dir, name);
	await page.screenshot({ path });
	return relative(ROOT, path);
}

export async function driveEditor(opts: EditorOptions, checks: Checks): Promise<void> {
	mkdirSync(opts.screenshotsDir, { recursive: true });
	const userDataDir = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
	let context: BrowserContext | undefined;
	let page: Page | undefined;
	let failureShot: string | undefined;
	const failedBefore = checks.failed;
	try {
		// a persistent context on a fresh, empty folder: playwright passes it as --user-data-dir
		context = await chromium.launchPersistentContext(userDataDir, {
			executablePath: CHROMIUM,
			headless: true,
			args: chromiumArgs(),
			viewport: { width: 1440, height: 900 },
			deviceScaleFactor: 1,
			timeout: 60_000,
		});
		page = context.pages()[0] ?? (await context.newPage());
		page.setDefaultTimeout(30_000);
		const p = page;
		// a check of the editor: on its first failure, the page as it was goes to opts.failureShot
		const step = <T>(name: string, fn: () => Promise<T>, detail?: (value: T) => string) =>
			checks.check(name, async () => {
				try {
					return await fn();
				} catch (err) {
					if (!failureShot) failureShot = await p.screenshot({ path: opts.failureShot }).then(() => opts.failureShot, () => undefined);
					throw err;
				}
			}, detail);

		await step('signs in to the editor', async () => {
			await p.goto(`${opts.baseUrl}/signin`);
			await p.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(opts.owner.email);
			await p.locator('input[type="password"]').first().fill(opts.owner.password);
			await p.locator('[data-test-id="form-submit-button"], button[type="submit"]').first().click();
			await p.waitForURL((url) => !url.pathname.includes('/signin'), { timeout: 30_000 });
		});

		await step('the Blipix credential opens, tested OK, with the simulator as Base URL', async () => {
			await p.goto(`${opts.baseUrl}/home/credentials`);
			await p.getByText('Blipix account', { exact: true }).first().click();
			await p.getByText('Connection tested successfully').first().waitFor();
			const values = await p
				.locator('input')
				.evaluateAll((inputs) => inputs.map((i) => String((i as unknown as { value?: string }).value ?? '')));
			const baseUrl = values.find((v) => v.endsWith('/blipix/api/v1'));
			if (!baseUrl?.startsWith('http://127.0.0.1:')) throw new Error(`no simulator Base URL among ${JSON.stringify(values)}`);
			await p.waitForTimeout(500);
			const file = await shot(p, opts.screenshotsDir, 'editor-blipix-credential.png');
			await p.keyboard.press('Escape');
			return `${baseUrl}, ${file}`;
		}, (s) => s);

		const blipixRun = opts.executed.get('examples/blipix-prompt-to-video.json');
		if (blipixRun) {
			await step('shows the executed Blipix example', async () => {
				await p.goto(`${opts.baseUrl}/workflow/${blipixRun.workflowId}/executions/${blipixRun.executionId}`);
				await visibleInCanvas(p, 'Wait for Render');
				await p.waitForTimeout(2500);
				return await shot(p, opts.screenshotsDir, 'example-blipix-run.png');
			}, (f) => f);
		}
		const pipelineRun = opts.executed.get(PIPELINE_EXAMPLE.file);
		if (pipelineRun) {
			await step(`shows the executed content pipeline, "${PIPELINE_EXAMPLE.dub}" putting out 3 items (one per language)`, async () => {
				await p.goto(`${opts.baseUrl}/workflow/${pipelineRun.workflowId}/executions/${pipelineRun.executionId}`);
				await visibleInCanvas(p, PIPELINE_EXAMPLE.dub);
				await visibleInCanvas(p, '3 items');
				await p.waitForTimeout(2500);
				return await shot(p, opts.screenshotsDir, 'example-content-pipeline.png');
			}, (f) => f);
		}
		const scheduled = opts.executed.get('examples/scheduled-social-posting.json');
		if (scheduled) {
			await step('shows the scheduled social posting example', async () => {
				await p.goto(`${opts.baseUrl}/workflow/${scheduled.workflowId}`);
				await p.getByText('Upload to YouTube', { exact: false }).first().waitFor();
				await p.waitForTimeout(2500);
				return await shot(p, opts.screenshotsDir, 'example-scheduled-social-posting.png');
			}, (f) => f);
		}

		const triggerWorkflow = opts.imported.get(TRIGGER_EXAMPLE.file);
		if (triggerWorkflow) {
			await step("opens the Blipix Trigger's parameters (Events, Filters, Options)", async () => {
				await p.goto(`${opts.baseUrl}/workflow/${triggerWorkflow}`);
				const node = p.locator('[data-test-id="canvas-node"]', { hasText: TRIGGER_EXAMPLE.node }).first();
				await node.waitFor();
				await p.waitForTimeout(1000);
				await node.dblclick();
				const ndv = p.locator('[data-test-id="ndv"]').first();
				await ndv.waitFor();
				await ndv.locator('[data-test-id="parameter-input-events"]').first().waitFor();
				// the Events chip and the option Download Video, as the example sets them
				await ndv.getByText('Video Ready', { exact: true }).first().waitFor();
				await ndv.getByText('Download Video', { exact: false }).first().waitFor();
				await p.waitForTimeout(1000);
				const file = await shot(p, opts.screenshotsDir, 'editor-blipix-trigger.png');
				await p.keyboard.press('Escape');
				return file;
			}, (f) => f);
		}

		await step('finds the Blipix node in the nodes panel of a new workflow', async () => {
			await p.goto(`${opts.baseUrl}/workflow/new`);
			await p.locator('[data-test-id="canvas-plus-button"], [data-test-id="node-creator-plus-button"]').first().click();
			const search = p.locator('[data-test-id="node-creator-search-bar"] input, [data-test-id="node-creator-search-bar"]').first();
			await search.fill('Blipix');
			await p.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Blipix$/ }).first().waitFor();
			await p.waitForTimeout(500);
			return await shot(p, opts.screenshotsDir, 'editor-node-panel-blipix.png');
		}, (f) => f);

		await step('adds Blipix → Video → Create a video', async () => {
			await p.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Blipix$/ }).first().click();
			// A package with a trigger node lists the node's triggers first on a workflow without one, and
			// folds its actions away under "Actions (N)".
			const create = p.getByText('Create a video', { exact: true }).first();
			const actions = p.getByText(/^Actions \(\d+\)$/).first();
			await create.or(actions).first().waitFor();
			if (!(await create.isVisible())) await actions.click();
			await create.click();
			await p.locator('[data-test-id="ndv"]').first().waitFor();
			await p.locator('[data-test-id="parameter-input-voice"]').first().waitFor();
		});

		await step(`the Voice dropdown lists the simulator's voices ("${VOICE}")`, async () => {
			const option = p.locator('.el-select-dropdown__item', { hasText: VOICE }).first();
			// The panel may still be settling when the dropdown opens (it re-renders once n8n has picked the
			// credential), and a re-render closes the dropdown: then it is opened again, up to three times.
			for (let attempt = 1; ; attempt++) {
				await p.locator('[data-test-id="parameter-input-voice"]').first().click();
				const shown = await option.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false);
				if (shown) break;
				if (attempt === 3) throw new Error(`"${VOICE}" not shown after opening the Voice dropdown three times`);
				await p.waitForTimeout(1000);
			}
			const names = await p.locator('.el-select-dropdown__item:visible').allInnerTexts();
			if (names.length < 10) throw new Error(`only ${names.length} options: ${names.join(', ')}`);
			await p.waitForTimeout(300);
			const file = await shot(p, opts.screenshotsDir, 'editor-blipix-voice-dropdown.png');
			return `${names.length} voices shown, ${file}`;
		}, (s) => s);
	} catch (err) {
		checks.fail('editor in headless Chromium', err instanceof Error ? err.message : String(err));
	} finally {
		if (!failureShot && checks.failed > failedBefore && page) {
			failureShot = await page.screenshot({ path: opts.failureShot }).then(() => opts.failureShot, () => undefined);
		}
		if (failureShot) process.stdout.write(`  (the page at the first failure: ${relative(ROOT, failureShot)})\n`);
		await context?.close();
		rmSync(userDataDir, { recursive: true, force: true });
	}
}
