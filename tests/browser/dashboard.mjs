// dashboard.mjs - the monitor host's dashboard (the console page
// provisioning/monitor/consoles/vipd.html, served by Prometheus) in a
// headless chromium: it loads, its script gets every answer from
// Prometheus, the VIP table lists every VIP Prometheus knows with the
// front-end that holds it, the Redis Cluster reads ok, every graph drew
// its series; then a full-page screenshot. Prints TAP ("1..N" last);
// exits 1 when a step failed.
//
//   node tests/browser/dashboard.mjs [URL [SCREENSHOT]]
//   ip netns exec PREFIXmonitor node tests/browser/dashboard.mjs \
//       http://10.33.0.8:9090/consoles/vipd.html tests/out/dashboard.png
//
// URL is the first argument, else DASHBOARD_URL (default
// http://127.0.0.1:9090/consoles/vipd.html); SCREENSHOT the second, else
// SCREENSHOT (default tests/out/dashboard.png). Environment: CHROMIUM
// (default /usr/bin/chromium), STEP_TIMEOUT (ms, default 20000),
// EXPECT_VIPS ("200,201,202": the VIPs to list; by default the ones
// Prometheus knows from vipd and the site probes). Every request to
// another host than the dashboard's is blocked and counted as a failure:
// the page must need nothing from elsewhere.

import { chromium } from 'playwright-core';
import { assert, launch, makeTap, oneLine } from './tap.mjs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const URL_ = new URL(process.argv[2] || process.env.DASHBOARD_URL || 'http://127.0.0.1:9090/consoles/vipd.html');
const SHOT = process.argv[3] || process.env.SCREENSHOT || join(here, '..', 'out', 'dashboard.png');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.STEP_TIMEOUT || 20000);

const tap = makeTap(async () => {
    try {
        return page ? (await page.locator('#error').textContent({ timeout: 1000 })).trim() : '';
    } catch {
        return '';
    }
});
const step = tap.step;

const profile = await mkdtemp(join(tmpdir(), 'dashboard-browser-'));
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

// Prometheus's answer to an instant query, asked from the page's origin.
async function promql(query) {
    return page.evaluate(async (q) => {
        const u = new URL('../api/v1/query', window.location.href);
        u.searchParams.set('query', q);
        const body = await (await fetch(u)).json();
        if (body.status !== 'success') throw new Error(body.error || 'query failed');
        return body.data.result;
    }, query);
}

await step('chromium starts (headless, fresh profile)', async () => {
    context = await launch(chromium, profile, {
        executablePath: CHROMIUM, timeout: TIMEOUT, blocked, allow: (u) => u.host === URL_.host,
    });
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => jsErrors.push(oneLine(e.message)));
    const v = context.browser() ? context.browser().version() : '';
    return v ? `chromium ${v}` : '';
});

const loaded = await step(`${URL_.href} loads (200, from Prometheus)`, async () => {
    const res = await page.goto(URL_.href);
    assert(res && res.status() === 200, `answered ${res ? res.status() : 'nothing'}`);
    assert(await page.locator('#vip-holders').count() === 1, 'no table #vip-holders on the page');
}, page);

const ready = await step('every query is answered (body[data-state=ready])', async () => {
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
    const state = await page.getAttribute('body', 'data-state');
    assert(state === 'ready', `the page says ${state}`);
    return (await page.locator('#updated').textContent()).trim();
}, loaded);

const vips = await step('the VIP table lists every VIP, each with one front-end holding it', async () => {
    let want = (process.env.EXPECT_VIPS || '').split(',').map((s) => s.trim()).filter(Boolean);
    if (!want.length) {
        const known = new Set();
        for (const s of await promql('count by (vip) (vipd_instance_info) or count by (vip) (probe_success{job="site"})')) {
            if (s.metric.vip) known.add(s.metric.vip);
        }
        want = [...known];
    }
    assert(want.length > 0, 'Prometheus knows no VIP (no vipd_instance_info, no site probe)');
    want.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    const rows = await page.locator('#vip-holders tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        vip: tr.dataset.vip,
        holder: tr.querySelector('td.holder').textContent.trim(),
        masters: tr.querySelector('td.holder').dataset.masters,
    })));
    const listed = rows.map((r) => r.vip);
    assert(JSON.stringify(listed) === JSON.stringify(want), `rows for ${listed.join(' ')}, want ${want.join(' ')}`);
    const bad = rows.filter((r) => r.masters !== '1' || !r.holder || r.holder === 'none');
    assert(!bad.length, `without a single holder: ${bad.map((r) => `${r.vip} (${r.holder})`).join(', ')}`);
    return rows.map((r) => `${r.vip} ${r.holder}`).join(', ');
}, ready);

await step('the Redis Cluster reads ok, with a row per redis host', async () => {
    const state = (await page.locator('#cluster-state').textContent()).trim();
    const detail = (await page.locator('#cluster-detail').textContent()).trim();
    assert(state === 'ok', `#cluster-state says '${state}' (${detail})`);
    const hosts = await page.locator('#masters tbody tr').count();
    assert(hosts > 0, 'no row in #masters');
    return `${hosts} redis hosts; ${detail}`;
}, ready);

await step('the site\'s figures are filled in (uptime, requests, p99, errors)', async () => {
    const ids = ['uptime-hour', 'uptime-day', 'rps', 'p99', 'error-ratio'];
    const got = {};
    for (const id of ids) got[id] = (await page.locator(`#${id}`).textContent()).trim();
    const empty = ids.filter((id) => got[id] === '-' || got[id] === '');
    assert(!empty.length, `empty: ${empty.join(', ')}`);
    return ids.map((id) => `${id} ${got[id]}`).join(', ');
}, ready);

await step('every graph drew its series', async () => {
    const graphs = await page.locator('svg.graph').evaluateAll((svgs) => svgs.map((s) => ({
        id: s.id,
        state: s.dataset.state,
        series: s.querySelectorAll('path.series').length,
        points: [...s.querySelectorAll('path.series')].reduce((n, p) => n + (p.getAttribute('d') || '').split(/[ML]/).length - 1, 0),
    })));
    assert(graphs.length > 0, 'no svg.graph on the page');
    const bad = graphs.filter((g) => g.state !== 'drawn' || g.series === 0 || g.points < 2);
    assert(!bad.length, `not drawn: ${bad.map((g) => `${g.id} (${g.state}, ${g.series} series)`).join(', ')}`);
    return graphs.map((g) => `${g.id.replace(/^graph-/, '')} ${g.series}`).join(', ');
}, ready);

await step('a full-page screenshot', async () => {
    await mkdir(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    return SHOT;
}, loaded);

await step('no JavaScript error', async () => {
    assert(jsErrors.length === 0, `${jsErrors.length}: ${jsErrors.slice(0, 3).join(' ; ')}`);
}, page);

await step(`every request went to ${URL_.host}`, async () => {
    assert(blocked.length === 0, `blocked ${blocked.length}: ${blocked.slice(0, 3).join(' ')}`);
}, page);

await cleanup();
tap.finish();
