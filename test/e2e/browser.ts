/**
 * The e2e run's browser half: Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`),
 * driven by playwright-core, never a downloaded browser. It signs in to the editor, opens the Blipix
 * credential (n8n tests it on opening), looks at two imported examples, then adds the Blipix node to a
 * new workflow, chooses Video → Create and opens the Voice dropdown, which n8n fills through our
 * loadOptions method from the simulator's /voices.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

import { DEV_DIR } from '../../scripts/dev/common';
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
	/** examples that ran, by file: their workflow and execution ids */
	executed: Map<string, { workflowId: string; executionId: string }>;
}

/** The voice the simulator lists first, as our loadOptions method names it. */
const VOICE = 'Alloy (en, female)';

async function shot(page: Page, dir: string, name: string): Promise<string> {
	const path = join(dir, name);
	await page.screenshot({ path });
	return `docs/screenshots/${name}`;
}

export async function driveEditor(opts: EditorOptions, checks: Checks): Promise<void> {
	mkdirSync(opts.screenshotsDir, { recursive: true });
	const userDataDir = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
	let context: BrowserContext | undefined;
	let page: Page | undefined;
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

		await checks.check('signs in to the editor', async () => {
			await p.goto(`${opts.baseUrl}/signin`);
			await p.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(opts.owner.email);
			await p.locator('input[type="password"]').first().fill(opts.owner.password);
			await p.locator('[data-test-id="form-submit-button"], button[type="submit"]').first().click();
			await p.waitForURL((url) => !url.pathname.includes('/signin'), { timeout: 30_000 });
		});

		await checks.check('the Blipix credential opens, tested OK, with the simulator as Base URL', async () => {
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
			await checks.check('shows the executed Blipix example', async () => {
				await p.goto(`${opts.baseUrl}/workflow/${blipixRun.workflowId}/executions/${blipixRun.executionId}`);
				// the executions view shows the run's canvas in an iframe
				await p.frameLocator('iframe').first().getByText('Wait for Render', { exact: false }).first().waitFor();
				await p.waitForTimeout(2500);
				return await shot(p, opts.screenshotsDir, 'example-blipix-run.png');
			}, (f) => f);
		}
		const scheduled = opts.executed.get('examples/scheduled-social-posting.json');
		if (scheduled) {
			await checks.check('shows the scheduled social posting example', async () => {
				await p.goto(`${opts.baseUrl}/workflow/${scheduled.workflowId}`);
				await p.getByText('Upload to YouTube', { exact: false }).first().waitFor();
				await p.waitForTimeout(2500);
				return await shot(p, opts.screenshotsDir, 'example-scheduled-social-posting.png');
			}, (f) => f);
		}

		await checks.check('finds the Blipix node in the nodes panel of a new workflow', async () => {
			await p.goto(`${opts.baseUrl}/workflow/new`);
			await p.locator('[data-test-id="canvas-plus-button"], [data-test-id="node-creator-plus-button"]').first().click();
			const search = p.locator('[data-test-id="node-creator-search-bar"] input, [data-test-id="node-creator-search-bar"]').first();
			await search.fill('Blipix');
			await p.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Blipix$/ }).first().waitFor();
			await p.waitForTimeout(500);
			return await shot(p, opts.screenshotsDir, 'editor-node-panel-blipix.png');
		}, (f) => f);

		await checks.check('adds Blipix → Video → Create a video', async () => {
			await p.locator('[data-test-id="node-creator-item-name"]', { hasText: /^Blipix$/ }).first().click();
			await p.getByText('Create a video', { exact: true }).first().click();
			await p.locator('[data-test-id="ndv"]').first().waitFor();
			await p.locator('[data-test-id="parameter-input-voice"]').first().waitFor();
		});

		await checks.check(`the Voice dropdown lists the simulator's voices ("${VOICE}")`, async () => {
			await p.locator('[data-test-id="parameter-input-voice"]').first().click();
			const option = p.locator('.el-select-dropdown__item', { hasText: VOICE }).first();
			await option.waitFor({ state: 'visible', timeout: 30_000 });
			const names = await p.locator('.el-select-dropdown__item:visible').allInnerTexts();
			if (names.length < 10) throw new Error(`only ${names.length} options: ${names.join(', ')}`);
			await p.waitForTimeout(300);
			const file = await shot(p, opts.screenshotsDir, 'editor-blipix-voice-dropdown.png');
			return `${names.length} voices shown, ${file}`;
		}, (s) => s);
	} catch (err) {
		checks.fail('editor in headless Chromium', err instanceof Error ? err.message : String(err));
	} finally {
		if (checks.failed && page) {
			const failure = join(DEV_DIR, 'e2e', 'browser-failure.png');
			await page.screenshot({ path: failure }).then(
				() => process.stdout.write(`  (the page at the failure: ${failure})\n`),
				() => undefined,
			);
		}
		await context?.close();
		rmSync(userDataDir, { recursive: true, force: true });
	}
}
