// Starts the real gateway binary ($SLUICE_BIN, default ../build/release/sluice) on a generated
// config with ephemeral ports, and gives tests its URLs, access log and lifecycle controls.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { after } from 'node:test';

const here = path.dirname(fileURLToPath(import.meta.url));
export const testsDir = path.resolve(here, '..');

/** Absolute path of the gateway binary under test. */
export function sluiceBin() {
  const bin = process.env.SLUICE_BIN
    ? path.resolve(process.env.SLUICE_BIN)
    : path.resolve(testsDir, '../build/release/sluice');
  if (!fs.existsSync(bin)) {
    throw new Error(
      `gateway binary not found at ${bin}; build it and set SLUICE_BIN=/abs/path/build/release/sluice`,
    );
  }
  return bin;
}

// Every process we spawn, so none outlives the test file even when a test fails mid-way.
const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Safety net: node --test (Node 20) waits forever for a test file whose event loop stays alive
// (a fake server left open by a failed cleanup, a stuck socket). Once every test and hook of the
// file is done, give it a moment to exit by itself, then force the exit with the runner's verdict.
// The timer is unref'd, so a clean file exits at once without waiting for it.
// Only under `node --test` (which sets NODE_TEST_CONTEXT in each test file's process), so a plain
// script importing this module does not grow a test root.
if (process.env.NODE_TEST_CONTEXT) {
  after(() => {
    setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  });
}

/**
 * Stops/closes every argument (gateways via stop(), fake providers via close()), even if some
 * fail; then rethrows the first failure. For after() hooks.
 */
export async function closeAll(...things) {
  const errors = [];
  for (const t of things) {
    if (!t) continue;
    try {
      if (typeof t.stop === 'function') await t.stop();
      else if (typeof t.close === 'function') await t.close();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
}

/**
 * Polls `predicate` (sync or async) every `intervalMs` until it returns a truthy value, which is
 * returned. Throws after `timeoutMs` with `what` in the message.
 */
export async function waitFor(predicate, timeoutMs = 5000, { intervalMs = 10, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (performance.now() > deadline) {
      const e = new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${what}`);
      if (lastErr) e.cause = lastErr;
      throw e;
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// YAML

function yamlScalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v); // a JSON string is a valid YAML double-quoted scalar
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`toYaml: unsupported value ${typeof v}`);
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isEmptyCollection = (v) =>
  (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

function yamlLines(v, indent) {
  const pad = ' '.repeat(indent);
  const lines = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isPlainObject(item) && !isEmptyCollection(item)) {
        const sub = yamlLines(item, indent + 2);
        sub[0] = `${pad}- ${sub[0].slice(indent + 2)}`;
        lines.push(...sub);
      } else if (Array.isArray(item) && item.length) {
        lines.push(`${pad}-`, ...yamlLines(item, indent + 2));
      } else {
        lines.push(`${pad}- ${isEmptyCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : yamlScalar(item)}`);
      }
    }
  } else if (isPlainObject(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue;
      if (isEmptyCollection(val)) lines.push(`${pad}${k}: ${Array.isArray(val) ? '[]' : '{}'}`);
      else if (Array.isArray(val) || isPlainObject(val)) lines.push(`${pad}${k}:`, ...yamlLines(val, indent + 2));
      else lines.push(`${pad}${k}: ${yamlScalar(val)}`);
    }
  } else {
    lines.push(`${pad}${yamlScalar(v)}`);
  }
  return lines;
}

/** Block-style YAML for a plain JS value (strings double-quoted). */
export function toYaml(obj) {
  return `${yamlLines(obj, 0).join('\n')}\n`;
}

/**
 * The standard test config as a JS object (see toYaml): providers `fake` (openai at fakeBaseUrl)
 * and `sim`, models gpt-4o-mini (alias mini), sim and — unless wildcard is false — "*".
 */
export function baseConfig({
  fakeBaseUrl,
  wildcard = true,
  workers = 2,
  limits = {},
  accessLog = 'stdout',
  readTimeout = '2s',
  extraProviders = [],
  extraModels = [],
} = {}) {
  const providers = [];
  if (fakeBaseUrl) {
    providers.push({
      name: 'fake',
      type: 'openai',
      base_url: fakeBaseUrl,
      api_key: 'sk-test-upstream',
      connect_timeout: '2s',
      read_timeout: readTimeout,
      forward_headers: ['x-fake-*'],
    });
  }
  providers.push({ name: 'sim', type: 'sim', sim: { tokens: 5, tokens_per_second: 0, embedding_dims: 8 } });
  providers.push(...extraProviders);
  const models = [];
  if (fakeBaseUrl) {
    models.push({ name: 'gpt-4o-mini', provider: 'fake', upstream_model: 'gpt-4o-mini-2024-07-18', aliases: ['mini'] });
  }
  models.push({ name: 'sim', provider: 'sim' });
  models.push(...extraModels);
  if (fakeBaseUrl && wildcard) models.push({ name: '*', provider: 'fake' });
  return {
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers,
    limits: { max_body_bytes: 65536, request_timeout: '5s', idle_timeout: '10s', drain_timeout: '10s', ...limits },
    access_log: accessLog,
    providers,
    models,
  };
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'sluice-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the binary to completion (for CLI tests). Resolves {code, signal, stdout, stderr}. */
export function runSluice(args, { timeoutMs = 10_000, cwd } = {}) {
  const bin = sluiceBin();
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.on('error', (e) => {
      clearTimeout(timer);
      live.delete(proc);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const STARTUP_RE = /sluice: listening data=(\S+):(\d+) admin=(\S+):(\d+) workers=(\d+)/;

/**
 * Writes `config` (a YAML string or a JS object for toYaml) to a temp dir, spawns
 * `$SLUICE_BIN --config FILE ...args` and waits for the startup line on stderr.
 * @returns {Promise<{url, adminUrl, port, adminPort, workers, configPath, proc,
 *   accessLog: () => object[], stdoutLines: () => string[], stderr: () => string,
 *   waitForLog: (pred, timeoutMs?) => Promise<object>, reload: (cfg) => Promise<void>,
 *   stop: (signal?, timeoutMs?) => Promise<number|null>, exited: Promise<{code, signal}>}>}
 */
export async function startGateway(config, { args = [], startTimeoutMs = 15_000, env } = {}) {
  const bin = sluiceBin();
  const dir = tempDir();
  const configPath = path.join(dir, 'sluice.yaml');
  const text = (c) => (typeof c === 'string' ? c : toYaml(c));
  fs.writeFileSync(configPath, text(config));

  const proc = spawn(bin, ['--config', configPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  live.add(proc);

  const lines = [];
  const parsed = [];
  let stdoutRest = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => {
    stdoutRest += d;
    let nl;
    while ((nl = stdoutRest.indexOf('\n')) >= 0) {
      const line = stdoutRest.slice(0, nl).replace(/\r$/, '');
      stdoutRest = stdoutRest.slice(nl + 1);
      if (!line.trim()) continue;
      lines.push(line);
      try {
        const obj = JSON.parse(line);
        if (obj && typeof obj === 'object') parsed.push(obj);
      } catch {
        /* not an access-log line; kept in stdoutLines() */
      }
    }
  });
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));

  // 'close' (not 'exit'): stdout and stderr are fully read by then.
  const exited = new Promise((resolve) => {
    proc.on('close', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise((_, reject) => proc.on('error', reject));
  spawnError.catch(() => {});

  let startup;
  try {
    startup = await Promise.race([
      waitFor(() => STARTUP_RE.exec(stderr), startTimeoutMs, { what: 'the startup line on stderr' }),
      exited.then(({ code, signal }) => {
        throw new Error(`gateway exited during startup (code ${code}, signal ${signal})`);
      }),
      spawnError,
    ]);
  } catch (err) {
    proc.kill('SIGKILL');
    err.message += `\nstderr:\n${stderr}\nconfig:\n${text(config)}`;
    throw err;
  }
  const [, dataHost, dataPort, adminHost, adminPort, workers] = startup;
  const hostForUrl = (h) => (h === '0.0.0.0' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h);

  const gw = {
    url: `http://${hostForUrl(dataHost)}:${dataPort}`,
    adminUrl: `http://${hostForUrl(adminHost)}:${adminPort}`,
    port: Number(dataPort),
    adminPort: Number(adminPort),
    workers: Number(workers),
    configPath,
    proc,
    exited,
    /** Access-log lines parsed as JSON so far. */
    accessLog: () => parsed.slice(),
    /** Every non-empty stdout line so far. */
    stdoutLines: () => lines.slice(),
    stderr: () => stderr,
    /** Waits for an access-log entry matching `pred` and returns it. */
    waitForLog: (pred, timeoutMs = 5000) =>
      waitFor(() => parsed.find(pred), timeoutMs, { what: 'an access-log line' }),
    /** Access-log entry for a request id (waits for it). */
    logFor: (requestId, timeoutMs = 5000) =>
      waitFor(() => parsed.find((l) => l.request_id === requestId), timeoutMs, {
        what: `the access-log line for request ${requestId}`,
      }),
    /** Rewrites the config file and sends SIGHUP. The caller waits for the effect. */
    async reload(newConfig) {
      fs.writeFileSync(configPath, text(newConfig));
      proc.kill('SIGHUP');
    },
    /** Sends `signal` (SIGTERM) and resolves with the exit code (null if killed by a signal). */
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        return (await exited).code;
      }
      proc.kill(signal);
      let timer;
      const res = await Promise.race([
        exited,
        new Promise((resolve) => {
          timer = setTimeout(() => resolve(null), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (res === null) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`gateway did not exit within ${timeoutMs} ms of ${signal}\nstderr:\n${stderr}`);
      }
      return res.code;
    },
    /** SIGKILL, no questions (cleanup). */
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
  return gw;
}
