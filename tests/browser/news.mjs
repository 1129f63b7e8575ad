// news.mjs - newsd's pages driven in a headless chromium, as a visitor
// would use them: sign up, submit a story, log out, sign up again, vote,
// comment and reply. Prints TAP (one line per step, "1..N" last) and exits
// 1 when a step failed.
//
//   BASE_URL=http://127.0.0.1:8411 node tests/browser/news.mjs
//
// Environment: BASE_URL (required; only 127.0.0.1 is accepted), CHROMIUM
// (default /usr/bin/chromium), SCREENSHOT (default tests/out/browser-news.png),
// STEP_TIMEOUT (ms, default 10000). Every request a page makes to another
// host than 127.0.0.1 is blocked and counted as a failure.

import { chromium } from 'playwright-core';
import { assert, launch, makeTap, oneLine } from './tap.mjs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.BASE_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOT = process.env.SCREENSHOT || join(here, '..', 'out', 'browser-news.png');
const TIMEOUT = Number(process.env.STEP_TIMEOUT || 10000);

let base;
try {
    base = new URL(BASE);
} catch {
    base = null;
}
if (!base || base.hostname !== '127.0.0.1') {
    console.log(`Bail out! BASE_URL must be an http://127.0.0.1:PORT address, not '${BASE}'`);
    process.exit(1);
}

// ---------------------------------------------------------------- TAP
const tap = makeTap(() => errorText());
const step = tap.step;

// ---------------------------------------------------------------- browser
const profile = await mkdtemp(join(tmpdir(), 'news-browser-'));
let context;
let page;
const blocked = [];
const jsErrors = [];

async function errorText() {
    if (!page) return '';
    try {
        const box = page.locator('#errormsg');
        if (await box.count() === 0) return '';
        return oneLine(await box.first().textContent({ timeout: 1000 }) || '');
    } catch {
        return '';
    }
}

async function cleanup() {
    try {
        if (context) await context.close();
    } catch { /* already gone */ }
    await rm(profile, { recursive: true, force: true });
}
process.on('SIGINT', () => { cleanup().finally(() => process.exit(130)); });
process.on('SIGTERM', () => { cleanup().finally(() => process.exit(143)); });

const url = (path) => BASE + path;
const pathIs = (p) => (u) => u.pathname === p;
const stamp = Date.now().toString(36);
const user1 = `alice${stamp}`.slice(0, 16);
const user2 = `bob${stamp}`.slice(0, 16);
const password = 'correct horse battery';
const title = `A story from the browser test ${stamp}`;
const comment1 = `First comment from the browser ${stamp}`;
const comment2 = `A reply to it, also from the browser ${stamp}`;

async function submitButton(formSel) {
    const b = page.locator(`${formSel} [type="submit"], ${formSel} button:not([type])`);
    assert(await b.count() > 0, `no submit button in ${formSel}`);
    return b.first();
}

async function accountText() {
    return (await page.locator('nav#account').first().textContent()) || '';
}

// Sign up USER through /login with the "register" box ticked.
async function signUp(user) {
    await page.goto(url('/login'));
    await page.locator('#loginform input[name="username"]').fill(user);
    await page.locator('#loginform input[name="password"]').fill(password);
    await page.locator('#loginform #register').check();
    const button = await submitButton('#loginform');
    await Promise.all([page.waitForURL(pathIs('/')), button.click()]);
    const acct = await accountText();
    assert(acct.includes(user), `nav#account says '${oneLine(acct)}', not the user name`);
    return `landed on ${new URL(page.url()).pathname}`;
}

async function upvotes(sel) {
    const t = await page.locator(`${sel} .upvotes`).first().textContent();
    const v = parseInt(t, 10);
    assert(!Number.isNaN(v), `.upvotes reads '${t}'`);
    return v;
}

let newsId;
let newsPath;

await step('chromium starts (headless, fresh profile)', async () => {
    // Nothing but 127.0.0.1: a story's link to example.test is never followed.
    context = await launch(chromium, profile, {
        executablePath: CHROMIUM, timeout: TIMEOUT, blocked, allow: (u) => u.hostname === '127.0.0.1',
    });
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', (e) => jsErrors.push(`${page.url()}: ${oneLine(e.message)}`));
    page.on('console', (m) => {
        if (m.type() === 'error') jsErrors.push(`${page.url()}: console: ${oneLine(m.text())}`);
    });
    const v = context.browser() ? context.browser().version() : '';
    return v ? `chromium ${v}` : '';
});

const front = await step('the front page loads', async () => {
    const res = await page.goto(url('/'));
    assert(res && res.status() === 200, `GET / answered ${res ? res.status() : 'nothing'}`);
    assert(await page.locator('nav#account').count() > 0, 'no nav#account on the page');
}, page);

const signed1 = await step(`sign up as ${user1} through /login: back on / and named in nav#account`,
    () => signUp(user1), front);

const submitted = await step('submit a story through /submit: on /news/ID, showing the title', async () => {
    await page.goto(url('/submit'));
    await page.locator('#submitform input[name="title"]').fill(title);
    await page.locator('#submitform input[name="url"]').fill('http://example.test/x');
    const button = await submitButton('#submitform');
    await Promise.all([page.waitForURL((u) => /^\/news\/\d+$/.test(u.pathname)), button.click()]);
    newsPath = new URL(page.url()).pathname;
    newsId = newsPath.split('/')[2];
    const item = page.locator(`article[data-news-id="${newsId}"]`);
    assert(await item.count() > 0, `no article[data-news-id="${newsId}"]`);
    const text = await item.first().textContent();
    assert(text.includes(title), 'the story does not show its title');
    return newsPath;
}, signed1);

const loggedOut = await step(`log out through nav#account's logout link`, async () => {
    const link = page.locator('nav#account a', { hasText: /^\s*logout\s*$/ });
    assert(await link.count() > 0, 'no logout link in nav#account');
    await Promise.all([page.waitForURL((u) => u.pathname !== newsPath), link.first().click()]);
    await page.waitForLoadState();
    const acct = await accountText();
    assert(!acct.includes(user1), `nav#account still says '${oneLine(acct)}'`);
}, signed1);

const signed2 = await step(`sign up as ${user2}`, () => signUp(user2), loggedOut);

const sel = `article[data-news-id="${newsId}"]`;
let votesBefore;
const voted = await step('upvote the story: the arrow gets class "voted", .upvotes goes up by one', async () => {
    await page.goto(url(newsPath));
    const arrow = page.locator(`${sel} a.uparrow`).first();
    assert(!(await arrow.getAttribute('class') || '').split(/\s+/).includes('voted'),
        'the arrow is "voted" before the click');
    votesBefore = await upvotes(sel);
    await arrow.click();
    await page.locator(`${sel} a.uparrow.voted`).first().waitFor();
    const after = await upvotes(sel);
    assert(after === votesBefore + 1, `.upvotes went from ${votesBefore} to ${after}`);
    return `${votesBefore} -> ${after}`;
}, signed2, submitted);

await step('after a reload the vote is still there', async () => {
    await page.reload();
    await page.locator(`${sel} a.uparrow`).first().waitFor();
    const cls = (await page.locator(`${sel} a.uparrow`).first().getAttribute('class')) || '';
    assert(cls.split(/\s+/).includes('voted'), `the arrow's class is '${cls}'`);
    const v = await upvotes(sel);
    assert(v === votesBefore + 1, `.upvotes reads ${v}, expected ${votesBefore + 1}`);
}, voted);

const commented = await step('post a comment through #commentform: shown in #comments', async () => {
    await page.goto(url(newsPath));
    await page.locator('#commentform textarea[name="comment"]').fill(comment1);
    const button = await submitButton('#commentform');
    await button.click();
    // The page reloads (or moves to /news/ID#ID-CID) once the API has answered.
    await page.locator('#comments', { hasText: comment1 }).first().waitFor();
    assert(new URL(page.url()).pathname === newsPath, `landed on ${page.url()}`);
}, signed2, submitted);

await step('reply to it through its "reply" link: the reply is shown in #comments', async () => {
    const item = page.locator('#comments article', { hasText: comment1 }).last();
    const reply = item.locator('a', { hasText: /^\s*reply\s*$/ });
    assert(await reply.count() > 0, 'no "reply" link on the comment');
    const from = page.url();
    await Promise.all([page.waitForURL((u) => u.href !== from), reply.first().click()]);
    const replyPath = new URL(page.url()).pathname;
    await page.locator('#commentform textarea[name="comment"]').fill(comment2);
    const button = await submitButton('#commentform');
    await Promise.all([page.waitForURL(pathIs(newsPath)), button.click()]);
    await page.locator('#comments', { hasText: comment2 }).first().waitFor();
    return `via ${replyPath}`;
}, commented);

await step(`a full-page screenshot`, async () => {
    await mkdir(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    return SHOT;
}, page);

await step('no JavaScript error on any page', async () => {
    assert(jsErrors.length === 0, `${jsErrors.length}: ${jsErrors.slice(0, 3).join(' ; ')}`);
}, page);

await step('every request went to 127.0.0.1', async () => {
    assert(blocked.length === 0, `blocked ${blocked.length}: ${blocked.slice(0, 3).join(' ')}`);
}, page);

await cleanup();
tap.finish();
