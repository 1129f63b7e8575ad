// tap.mjs - the TAP steps both browser scripts print.
//
//   const tap = makeTap(async () => errorTextOnThePage);
//   const id = await tap.step('submit a story', async () => { ...; return 'note'; }, earlierValue);
//   tap.finish();   // "1..N", exit status 1 when a step failed

// Playwright's messages: one line, colours removed, at most three parts.
export function oneLine(s) {
    return String(s).replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter(Boolean)
        .slice(0, 3).join(' | ');
}

export function assert(cond, msg) {
    if (!cond) throw new Error(msg);
}

// step(DESC, FN, ...NEEDS): run FN; "ok" when it resolves (a string it
// returns is added in parentheses), "not ok ... # why" when it throws, with
// what the page shows as its error (pageError). A step whose NEEDS (values
// of earlier steps) are missing is skipped.
export function makeTap(pageError = async () => '') {
    let n = 0;
    let failed = 0;
    return {
        async step(desc, fn, ...needs) {
            n += 1;
            if (needs.some((v) => v === undefined || v === null || v === false)) {
                console.log(`ok ${n} - ${desc} # SKIP an earlier step failed`);
                return undefined;
            }
            try {
                const note = await fn();
                console.log(`ok ${n} - ${desc}${typeof note === 'string' && note ? ` (${note})` : ''}`);
                return note === undefined ? true : note;
            } catch (e) {
                failed += 1;
                let why = oneLine(e && e.message ? e.message : e);
                const shown = await pageError();
                if (shown) why += ` | page says: ${shown}`;
                console.log(`not ok ${n} - ${desc} # ${why}`);
                return undefined;
            }
        },
        failed: () => failed,
        finish() {
            console.log(`1..${n}`);
            process.exit(failed ? 1 : 0);
        },
    };
}

// launch(chromium, profile, {executablePath, timeout, allow, blocked}): a
// headless Chromium on a fresh profile, with the flags that keep it off
// the network (this machine's is closed), every request that allow(URL)
// refuses aborted and its address pushed on blocked.
// TRUST_SPKI (base64 SHA-256 of a certificate's public key): that
// certificate is trusted, as a browser given the lab's CA would trust it.
export async function launch(chromium, profile, { executablePath, timeout, allow, blocked }) {
    const trust = process.env.TRUST_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.TRUST_SPKI}`] : [];
    const context = await chromium.launchPersistentContext(profile, {
        executablePath,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync', ...trust],
        viewport: { width: 1024, height: 768 },
        timeout: 30000,
    });
    context.setDefaultTimeout(timeout);
    context.setDefaultNavigationTimeout(timeout);
    await context.route('**/*', (route) => {
        const u = new URL(route.request().url());
        if (allow(u)) return route.continue();
        blocked.push(u.href);
        return route.abort('blockedbyclient');
    });
    return context;
}
