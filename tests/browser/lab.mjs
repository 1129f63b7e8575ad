// lab.mjs - the lab's site by name in a headless chromium, as a visitor on
// the lab's client host sees it: the front page through news.lab (resolved
// by the lab's DNS to the VIPs), its title, a story the test wrote, and a
// screenshot. Prints TAP ("1..N" last); exits 1 when a step failed.
//
//   ip netns exec PREFIXclient node tests/browser/lab.mjs
//
// Environment: BASE_URL (default http://news.lab), SITE_NAME (the title
// to expect, default "Lamer News"), EXPECT_STORY (text a listed story must
// contain; required), CHROMIUM (default /usr/bin/chromium), SCREENSHOT
// (default tests/out/lab-news.png), STEP_TIMEOUT (ms, default 10000). Every
// request to another host than BASE_URL's is blocked and counted as a
// failure: the browser talks to the lab only.

import { chromium } from 'playwright-core';
import { assert, launch, makeTap, oneLine } from './tap.mjs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = new URL(process.env.BASE_URL || 'http://news.lab/');
const SITE = process.env.SITE_NAME || 'Lamer News';
const STORY = process.env.EXPECT_STORY || '';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT = process.env.SCREENSHOT || join(here, '..', 'out', 'lab-news.png');
const TIMEOUT = Number(process.env.STEP_TIMEOUT || 10000);

const tap = makeTap();
const step = tap.step;

const profile = await mkdtemp(join(tmpdir(), 'lab-browser-'));
let context;
let page;
const blocked = [];
const jsErrors = [];

async function cleanup() {
    try {
        if (context) await context.close();
    } catch { /* already gone */ }
    await rm(profile, { recursive: true, force: true });
}
process.on('SIGTERM', () => { cleanup().finally(() => process.exit(143)); });

await step('chromium starts (headless, fresh profile)', async () => {
    assert(STORY, 'EXPECT_STORY is not set');
    context = await launch(chromium, profile, {
        executablePath: CHROMIUM, timeout: TIMEOUT, blocked, allow: (u) => u.host === BASE.host,
    });
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => jsErrors.push(oneLine(e.message)));
    const v = context.browser() ? context.browser().version() : '';
    return v ? `chromium ${v}` : '';
});

const front = await step(`${BASE.href} loads: 200, titled "${SITE}"`, async () => {
    const res = await page.goto(BASE.href);
    assert(res && res.status() === 200, `answered ${res ? res.status() : 'nothing'}`);
    const title = await page.title();
    assert(title.includes(SITE), `the title is '${title}'`);
    const addr = res.serverAddr ? await res.serverAddr() : null;
    return addr ? `served by ${addr.ipAddress}` : '';
}, page);

await step(`a story "${STORY}..." is listed`, async () => {
    const items = page.locator('article[data-news-id]', { hasText: STORY });
    const count = await items.count();
    assert(count > 0, `no article[data-news-id] contains '${STORY}'`);
    return `${count} of them on the page`;
}, front);

await step('a full-page screenshot', async () => {
    await mkdir(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    return SHOT;
}, front);

await step('no JavaScript error', async () => {
    assert(jsErrors.length === 0, `${jsErrors.length}: ${jsErrors.slice(0, 3).join(' ; ')}`);
}, page);

await step(`every request went to ${BASE.host}`, async () => {
    assert(blocked.length === 0, `blocked ${blocked.length}: ${blocked.slice(0, 3).join(' ')}`);
}, page);

await cleanup();
tap.finish();
