// Shared by the browser tests: one line per check, free ports, `xaa` servers that say
// `listening on`, `xaa login --no-browser` with the URL it prints, headless Chromium.

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import puppeteer from 'puppeteer-core';

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

let passed = 0;
let failed = 0;
/** Prints one check; the run fails if any does. */
export const check = (name, ok, detail = '') => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};
/** Prints the tally and exits: 1 if a check failed or none ran. */
export const finish = (label) => {
  children.forEach((c) => c.kill());
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  process.exit(failed || !passed ? 1 : 0);
};

export const freePort = () =>
  new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

const children = [];
process.on('exit', () => children.forEach((c) => c.kill()));

/** Starts `argv` in `cwd` and waits until its standard output says `text`. */
export const serve = (argv, cwd, text = 'listening on') =>
  new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(text)) done(child);
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => fail(new Error(`${argv.slice(0, 3).join(' ')} exited ${code}: ${err.slice(-1500)}`)));
    setTimeout(() => fail(new Error(`${argv.slice(0, 3).join(' ')} did not start: ${err.slice(-1500)}`)), 20000);
  });

/** A new ES256 key from `xaa keys generate` (private JWK file, mode 0600); its public JWK. */
export const newKey = (xaa, path) => JSON.parse(execFileSync(xaa, ['keys', 'generate', '--out', path]).toString());

/** Starts `xaa login --no-browser ...args` with `env`; resolves with the URL it prints, the
 * exit code's promise and a getter of its log. */
export const startLogin = (xaa, loginArgs, env) =>
  new Promise((done, fail) => {
    const child = spawn(xaa, ['login', ...loginArgs, '--no-browser', '--timeout', '60'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let log = '';
    const exit = new Promise((settled) => child.on('exit', (code) => settled(code)));
    child.stderr.on('data', (d) => {
      log += d;
      const found = log.match(/^\s*(https?:\/\/\S+\?\S*response_type=code\S*)$/m);
      if (found) done({ url: found[1], exit, log: () => log });
    });
    setTimeout(() => fail(new Error(`xaa login printed no URL: ${log}`)), 20000);
  });

/** Waits for `exit` at most `ms`; 'timeout' otherwise. */
export const within = (exit, ms) => Promise.race([exit, new Promise((done) => setTimeout(() => done('timeout'), ms))]);

/** Headless Chromium. */
export const launch = (executablePath) =>
  puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
