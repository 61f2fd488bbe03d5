// Drives the NiFi 2 UI in Debian's headless Chromium (playwright-core, executablePath; Playwright never downloads a
// browser here) the way a user does, for BrowserIT:
//   1. open the UI (the canvas with the imported process group);
//   2. drag the processor icon from the toolbar onto the canvas: the Add Processor dialog opens;
//   3. filter the types by our tag, check that all our processors are listed;
//   4. select one (LoadImageFolder) and check the description shown under the table;
//   5. add another (Evaluate) to the canvas;
//   6. enter the imported process group (context menu "Enter Group");
//   7. open UnfreezeLayers' configuration (context menu "Configure"), Properties tab, set "Top Blocks", OK, Apply;
//   8. open each picture of "contentViews" in NiFi's content viewer, as provenance's "View" button does
//      (#/content-viewer/?ref=...&mimeType=...), and record the size the browser decoded it at.
// A PNG screenshot is taken at every step (and failure.png when a step fails). The browser may only talk to the NiFi
// under test: every request elsewhere is aborted, and the run fails if there was one.
//
// Usage: node nifi-ui.mjs --url http://127.0.0.1:PORT/nifi/ --out DIR --config CONFIG.json
// CONFIG.json: {"group": "cats-vs-dogs", "processors": ["LoadImageFolder", ...], "filter": "transfer learning",
//   "describe": {"name": "LoadImageFolder", "description": "..."}, "add": "Evaluate",
//   "configure": "UnfreezeLayers", "property": "Top Blocks", "value": "3",
//   "contentViews": [{"name": "heatmaps", "ref": "http://127.0.0.1:PORT/nifi-api/provenance-events/7/content/output",
//                     "mimeType": "image/png"}]}
// Prints one line per step ("STEP <n> <name> ok <ms> ms <screenshot>"), then "RESULT <json>"; exits 0 when every
// step passed, 1 with "FAILED <step>: <message>" otherwise. Environment: CHROMIUM (default /usr/bin/chromium),
// STEP_TIMEOUT_MS (default 30000).
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const args = parseArgs(process.argv.slice(2));
for (const required of ['url', 'out', 'config']) {
    if (!args[required]) {
        console.error(`usage: node nifi-ui.mjs --url http://127.0.0.1:PORT/nifi/ --out DIR --config CONFIG.json (missing --${required})`);
        process.exit(2);
    }
}
const config = JSON.parse(readFileSync(args.config, 'utf8'));
const baseUrl = new URL(args.url);
const outDir = args.out;
mkdirSync(outDir, { recursive: true });
const stepTimeout = Number(process.env.STEP_TIMEOUT_MS || 30000);

const allowedOrigin = baseUrl.origin;
const blocked = [];
const consoleErrors = [];
const failedResponses = [];
const result = { steps: [], screenshots: [], blockedRequests: blocked, consoleErrors, failedResponses, contentViews: {} };

const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    // Chromium's own background traffic would try to leave the machine: the network here is closed.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    timeout: 60000,
});
let page;
let stepNumber = 0;
let currentStep = 'launch';
const started = Date.now();
try {
    // launch() gives every context a fresh, empty profile (a temporary --user-data-dir).
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, serviceWorkers: 'block' });
    await context.route('**/*', route => {
        const url = route.request().url();
        if (url.startsWith(allowedOrigin + '/') || url.startsWith('data:') || url.startsWith('blob:')) {
            return route.continue();
        }
        blocked.push(url);
        return route.abort('blockedbyclient');
    });
    page = await watchedPage(context);

    await step('open-ui', async () => {
        await page.goto(baseUrl.href, { waitUntil: 'domcontentloaded' });
        await processGroup(config.group).waitFor();
        await page.locator('new-canvas-item[tooltip="Processor"] button.cdk-drag').waitFor();
    });

    await step('add-processor-dialog', async () => {
        // Drag the processor icon from the toolbar onto an empty part of the canvas (right of the imported group).
        const source = page.locator('new-canvas-item[tooltip="Processor"] button.cdk-drag');
        const box = await source.boundingBox();
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width / 2 + 20, box.y + box.height + 40, { steps: 5 });
        await page.mouse.move(1150, 220, { steps: 20 });
        await page.mouse.up();
        await addDialog().waitFor();
        await expectText(addDialog().locator('h2'), 'Add Processor');
    });

    await step('search-our-processors', async () => {
        await addDialog().locator('input[placeholder="Filter types..."]').fill(config.filter);
        const names = await waitForRows(config.processors.length);
        const missing = config.processors.filter(name => !names.includes(name));
        if (missing.length > 0) {
            throw new Error(`filter "${config.filter}" lists ${JSON.stringify(names)}; missing ${JSON.stringify(missing)}`);
        }
        result.listed = names;
        result.listedCount = (await addDialog().getByText(/Showing \d+ of \d+/).innerText()).trim();
    });

    await step('processor-description', async () => {
        const { name, description } = config.describe;
        await addDialog().locator('input[placeholder="Filter types..."]').fill(name);
        await typeRow(name).click();
        await expectText(addDialog().locator('.selected-type-name'), name);
        const shown = normalise(await addDialog().locator('.selected-type-description').innerText());
        if (shown !== normalise(description)) {
            throw new Error(`description of ${name}: expected "${normalise(description)}" but the dialog shows "${shown}"`);
        }
        result.description = shown;
        result.bundle = (await addDialog().locator('.selected-type-bundle').innerText()).trim();
    });

    await step('add-to-canvas', async () => {
        const before = await canvasProcessor(config.add).count();
        await addDialog().locator('input[placeholder="Filter types..."]').fill(config.add);
        await typeRow(config.add).click();
        await expectText(addDialog().locator('.selected-type-name'), config.add);
        await addDialog().getByRole('button', { name: 'Add', exact: true }).click();
        await addDialog().waitFor({ state: 'detached' });
        await waitUntil(async () => (await canvasProcessor(config.add).count()) === before + 1,
            `a new ${config.add} processor on the canvas`);
    });

    await step('enter-group', async () => {
        await contextMenu(processGroup(config.group), 'Enter Group');
        await canvasProcessor(config.configure).waitFor();
        result.groupUrl = page.url();
    });

    await step('whole-group', async () => {
        // the navigation panel's buttons: zoom in, zoom out, fit, actual size, leave group; "fit" shows the whole group
        await page.locator('navigation-control button').nth(2).click();
        await page.waitForTimeout(1500);
        await canvasProcessor(config.configure).waitFor();
    });

    await step('open-configuration', async () => {
        await contextMenu(canvasProcessor(config.configure), 'Configure');
        await editDialog().waitFor();
        await expectText(editDialog().locator('h2'), config.configure);
        await editDialog().getByRole('tab', { name: 'Properties' }).click();
        await propertyValue(config.property).waitFor();
        result.valueBefore = (await propertyValue(config.property).innerText()).trim();
    });

    await step('edit-property', async () => {
        await propertyValue(config.property).click();
        const editor = page.locator('nf-editor');
        await editor.waitFor();
        await editor.locator('.CodeMirror').click();
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(String(config.value));
        await expectText(editor.locator('.CodeMirror-code'), String(config.value));
    });

    await step('property-set', async () => {
        await page.locator('nf-editor').getByRole('button', { name: 'Ok', exact: false }).click();
        await page.locator('nf-editor').waitFor({ state: 'detached' });
        await waitUntil(async () => (await propertyValue(config.property).innerText()).trim() === String(config.value),
            `"${config.property}" showing ${config.value} in the property table`);
    });

    await step('applied', async () => {
        const apply = editDialog().getByRole('button', { name: 'Apply', exact: true });
        await waitUntil(() => apply.isEnabled(), 'the Apply button to be enabled');
        await apply.click();
        await editDialog().waitFor({ state: 'detached' });
        await canvasProcessor(config.configure).waitFor();
    });

    for (const view of config.contentViews || []) {
        // in a page of its own, as the "View" button opens one (window.open)
        page = await watchedPage(page.context());
        await step(`content-viewer-${view.name}`, async () => {
            const query = new URLSearchParams({ ref: view.ref, mimeType: view.mimeType });
            await page.goto(`${baseUrl.origin}/nifi/#/content-viewer/?${query}`, { waitUntil: 'domcontentloaded' });
            const image = page.locator(`img[src="${view.ref}"]`);
            await image.waitFor();
            await waitUntil(() => image.evaluate(img => img.complete && img.naturalWidth > 0), `the ${view.name} picture to load`);
            result.contentViews[view.name] = await image.evaluate(img => ({ width: img.naturalWidth, height: img.naturalHeight }));
        });
    }

    if (blocked.length > 0) {
        currentStep = 'network';
        throw new Error(`the browser tried to reach beyond ${allowedOrigin}: ${JSON.stringify(blocked)}`);
    }
    result.totalMs = Date.now() - started;
    writeFileSync(join(outDir, 'result.json'), JSON.stringify(result, null, 2));
    console.log(`RESULT ${JSON.stringify(result)}`);
} catch (error) {
    result.failedStep = currentStep;
    result.error = String(error && error.stack || error);
    if (page) {
        await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
    }
    writeFileSync(join(outDir, 'result.json'), JSON.stringify(result, null, 2));
    console.log(`FAILED ${currentStep}: ${error && error.message || error}`);
    if (blocked.length > 0) {
        console.log(`blocked requests: ${JSON.stringify(blocked)}`);
    }
    if (consoleErrors.length > 0) {
        console.log(`browser console errors: ${JSON.stringify(consoleErrors.slice(0, 20))}`);
    }
    process.exitCode = 1;
} finally {
    await browser.close().catch(() => {});
}

/** A new page of the context whose failed responses and console errors are recorded. */
async function watchedPage(context) {
    const opened = await context.newPage();
    opened.setDefaultTimeout(stepTimeout);
    opened.on('response', response => {
        if (response.status() >= 400) {
            failedResponses.push(`${response.status()} ${response.request().method()} ${response.url()}`);
        }
    });
    opened.on('console', message => {
        if (message.type() === 'error') {
            consoleErrors.push(message.text());
        }
    });
    return opened;
}

async function step(name, action) {
    stepNumber += 1;
    currentStep = `${stepNumber} ${name}`;
    const stepStarted = Date.now();
    await action();
    const file = `${String(stepNumber).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: join(outDir, file) });
    const ms = Date.now() - stepStarted;
    result.steps.push({ step: stepNumber, name, ms, screenshot: file });
    result.screenshots.push(file);
    console.log(`STEP ${stepNumber} ${name} ok ${ms} ms ${file}`);
}

function addDialog() {
    return page.locator('mat-dialog-container create-processor');
}

function editDialog() {
    return page.locator('mat-dialog-container edit-processor');
}

/** The process group on the canvas with this name (an SVG g.process-group). */
function processGroup(name) {
    return page.locator('g.process-group', { has: page.locator('text.process-group-name', { hasText: name }) });
}

/** The processors on the canvas whose name is exactly this one (an SVG g.processor). */
function canvasProcessor(name) {
    // text.processor-name holds the (possibly shortened) name and a <title> with the full name: its text is the name
    // once or twice over, which tells "Evaluate" from "Evaluate Head Model".
    return page.locator('g.processor', {
        has: page.locator('text.processor-name', { hasText: new RegExp(`^(${escapeRegExp(name)}){1,2}$`) }),
    });
}

/** The row of a processor type in the Add Processor dialog. */
function typeRow(name) {
    return addDialog().locator('tr.mat-mdc-row', {
        has: page.locator('td.mat-column-type', { hasText: new RegExp(`^\\s*${escapeRegExp(name)}\\s*$`) }),
    });
}

/** The value cell of a property in the processor's property table. */
function propertyValue(name) {
    return editDialog().locator('tr.mat-mdc-row', {
        has: page.locator(`td.mat-column-property div[title="${name}"]`),
    }).locator('td.mat-column-value div[cdkoverlayorigin]');
}

/** Opens the canvas context menu of a component (right-click on its header) and picks an item. */
async function contextMenu(component, item) {
    await component.locator('rect.body').first().click({ button: 'right', position: { x: 120, y: 10 }, force: true });
    await page.getByRole('menuitem', { name: item }).first().click();
}

async function waitForRows(count) {
    const rows = addDialog().locator('tbody tr.mat-mdc-row td.mat-column-type');
    await waitUntil(async () => (await rows.count()) >= count, `at least ${count} processor types listed`);
    return (await rows.allInnerTexts()).map(text => text.trim());
}

async function expectText(locator, text) {
    await waitUntil(async () => (await locator.innerText()).includes(text), `"${text}" in ${locator}`);
}

async function waitUntil(condition, what) {
    const deadline = Date.now() + stepTimeout;
    let last;
    while (Date.now() < deadline) {
        try {
            if (await condition()) {
                return;
            }
        } catch (error) {
            last = error;
        }
        await new Promise(resolve => setTimeout(resolve, 200));
    }
    throw new Error(`timed out after ${stepTimeout} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
}

function normalise(text) {
    return String(text).replace(/\s+/g, ' ').trim();
}

function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseArgs(argv) {
    const parsed = {};
    for (let i = 0; i < argv.length; i++) {
        if (argv[i].startsWith('--')) {
            parsed[argv[i].slice(2)] = argv[i + 1];
            i++;
        }
    }
    return parsed;
}
