// xaa serve idp's sign-in page in a real browser (headless Chromium through puppeteer-core),
// while `xaa login --no-browser` waits on its loopback listener (issue 12 part 5).
//
// 1. `xaa serve idp` on 127.0.0.1 (development sign-in: alice with a password; the client
//    mcp-client with the loopback redirect URI), then `xaa login --no-browser`: the test reads
//    the authorization URL it prints.
// 2. Chromium opens the URL at 400 px and at 1280 px wide: the page must fit (no horizontal
//    scrolling), show its form and its labels; a screenshot of each is kept under
//    target/artifacts/.
// 3. A wrong password: the page again with its message, still on the IdP (no redirect).
// 4. The right password: the browser follows the redirect to xaa login's listener, which
//    answers its page; xaa login exits 0 and the session holds alice's ID token.
//
// Usage: node sign_in.mjs --xaa target/release/xaa --chromium /usr/bin/chromium --artifacts DIR
// One line per check (`ok` / `FAIL`), then `browser: N passed, M failed`; exit 1 on a failure.

import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { check, finish, freePort, launch, newKey, serve, sha256, startLogin, within } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    xaa: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    artifacts: { type: 'string', default: 'target/artifacts' },
  },
});
const xaa = resolve(args.xaa);
const PASSWORD = 'correct horse battery staple';
const SECRET = 'browser-test-client-secret-3e7a';
const work = mkdtempSync(join(tmpdir(), 'xaa-browser-'));
const configDir = join(work, 'config');
newKey(xaa, join(work, 'idp.jwk'));
const port = await freePort();
const idp = `http://127.0.0.1:${port}`;
writeFileSync(
  join(work, 'idp.toml'),
  `[identity_provider]
issuer = "${idp}"
signing_keys = ["idp.jwk"]
development_sign_in = true

[[idp_clients]]
client_id = "mcp-client"
auth_method = "client_secret_basic"
client_secret_sha256 = "${sha256(SECRET)}"
redirect_uris = ["http://127.0.0.1/callback"]

[[users]]
sub = "alice"
email = "alice@example.com"
password_sha256 = "${sha256(PASSWORD)}"
`,
);

await serve([xaa, 'serve', 'idp', '--config', join(work, 'idp.toml'), '--listen', `127.0.0.1:${port}`], work);
const login = await startLogin(xaa, ['--idp', idp, '--client-id', 'mcp-client'], {
  XAA_CONFIG_DIR: configDir,
  XAA_CLIENT_SECRET: SECRET,
});
const { url } = login;
check('xaa login --no-browser prints the authorization URL', url.startsWith(`${idp}/authorize?`), url.slice(0, 60));

mkdirSync(args.artifacts, { recursive: true });
const browser = await launch(args.chromium);
try {
  const page = await browser.newPage();
  for (const width of [400, 1280]) {
    await page.setViewport({ width, height: 800 });
    await page.goto(url, { waitUntil: 'load' });
    const layout = await page.evaluate(() => {
      const visible = (selector) => {
        const e = document.querySelector(selector);
        if (!e) return false;
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.right <= window.innerWidth + 1;
      };
      return {
        title: document.title,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        username: visible('#username'),
        password: visible('#password'),
        button: visible('button[type=submit]'),
        labels: [...document.querySelectorAll('label')].map((l) => l.textContent),
        fontSize: parseFloat(getComputedStyle(document.querySelector('#username')).fontSize),
      };
    });
    const shot = join(args.artifacts, `sign-in-${width}px.png`);
    await page.screenshot({ path: shot, fullPage: true });
    check(
      `the sign-in page is readable at ${width} px (no horizontal scrolling, the form visible, labelled, 16 px text)`,
      layout.title === 'Sign in' && layout.overflow <= 0 && layout.username && layout.password && layout.button &&
        layout.labels.join('|') === 'User name|Password' && layout.fontSize >= 16,
      `${JSON.stringify(layout)}; screenshot ${shot}`,
    );
  }
  // A wrong password: the page again, with its message, on the IdP.
  await page.type('#username', 'alice');
  await page.type('#password', 'not the password');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  const again = await page.evaluate(() => ({
    error: document.querySelector('.error')?.textContent ?? '',
    origin: location.origin,
  }));
  check(
    'a wrong password shows the page again with one message, at the IdP',
    again.error === 'The user name or password is wrong.' && again.origin === idp,
    JSON.stringify(again),
  );
  // The right one: the redirect reaches xaa login's listener.
  await page.type('#username', 'alice');
  await page.type('#password', PASSWORD);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  const landed = await page.evaluate(() => ({ origin: location.origin, path: location.pathname, text: document.body.innerText }));
  check(
    "the browser follows the redirect to xaa login's loopback listener",
    landed.origin.startsWith('http://127.0.0.1:') && landed.path === '/callback' && landed.text.includes('xaa login'),
    `${landed.origin}${landed.path}`,
  );
} finally {
  await browser.close();
}

const code = await within(login.exit, 30000);
check('xaa login completes (exit 0) and names the user', code === 0 && login.log().includes('signed in as alice'), `exit ${code}: ${login.log().trim().split('\n').pop()}`);
const sessionPath = join(configDir, 'session.json');
const session = existsSync(sessionPath) ? JSON.parse(readFileSync(sessionPath, 'utf8')) : {};
const claims = session.id_token ? JSON.parse(Buffer.from(session.id_token.split('.')[1], 'base64url')) : {};
check('the session holds the ID token of alice for mcp-client', claims.sub === 'alice' && claims.aud === 'mcp-client' && claims.iss === idp, JSON.stringify({ sub: claims.sub, aud: claims.aud }));

finish('browser');
