// Command line: --version, check-config (errors as file:line:column), bad config at startup.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runSluice, tempDir, toYaml, baseConfig } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };

let dir;
before(() => {
  dir = tempDir('sluice-cli-');
});

function write(name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

// Error lines: "<path>bad.yaml:LINE:COL: message".
function errorLines(out, file) {
  const re = new RegExp(`${file.replace('.', '\\.')}:(\\d+):(\\d+): `);
  return out
    .split('\n')
    .map((l) => ({ l, m: re.exec(l) }))
    .filter((x) => x.m)
    .map(({ l, m }) => ({ text: l, line: Number(m[1]), col: Number(m[2]) }));
}

describe('sluice --version', () => {
  it('prints a version and exits 0', T, async () => {
    const r = await runSluice(['--version']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\d+\.\d+\.\d+/);
  });
});

describe('sluice check-config', () => {
  it('exits 0 for a good config', T, async () => {
    const good = write('good.yaml', toYaml(baseConfig({ fakeBaseUrl: 'http://127.0.0.1:9/v1' })));
    const r = await runSluice(['check-config', good]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.deepEqual(errorLines(r.stdout + r.stderr, 'good.yaml'), []);
  });

  it('exits 0 for the hand-written config of the brief (flow style, unquoted)', T, async () => {
    const good = write(
      'flow.yaml',
      `listen: 127.0.0.1:0
admin: 127.0.0.1:0
workers: 2
limits: {max_body_bytes: 65536, request_timeout: 5s, idle_timeout: 10s, drain_timeout: 10s}
access_log: stdout          # or off, or a file path
providers:
  - name: fake
    type: openai
    base_url: http://127.0.0.1:9/v1
    api_key: sk-test-upstream
    connect_timeout: 2s
    read_timeout: 2s
    forward_headers: ["x-fake-*"]
  - name: sim
    type: sim
    sim: {tokens: 5, tokens_per_second: 0, embedding_dims: 8}
models:
  - {name: gpt-4o-mini, provider: fake, upstream_model: gpt-4o-mini-2024-07-18, aliases: [mini]}
  - {name: sim, provider: sim}
  - {name: "*", provider: fake}
`,
    );
    const r = await runSluice(['check-config', good]);
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  });

  it('prints every error as file:line:column and exits 1', T, async () => {
    const bad = write(
      'bad.yaml',
      [
        'listen: 127.0.0.1:0', // 1
        'admin: 127.0.0.1:0', // 2
        'bogus_option: true', // 3  unknown key, column 1
        'providers:', // 4
        '  - name: sim', // 5
        '    type: sim', // 6
        'models:', // 7
        '  - name: sim', // 8
        '    provider: sim', // 9
        '  - name: orphan', // 10
        '    provider: nowhere', // 11 unknown provider
        '',
      ].join('\n'),
    );
    const r = await runSluice(['check-config', bad]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    const errs = errorLines(out, 'bad.yaml');
    assert.ok(errs.length >= 2, `at least two error lines:\n${out}`);
    const unknownKey = errs.find((e) => e.line === 3);
    assert.ok(unknownKey, `an error on line 3 (bogus_option):\n${out}`);
    assert.equal(unknownKey.col, 1, 'unknown key reported at its column');
    assert.match(unknownKey.text, /bogus_option/);
    const orphan = errs.find((e) => e.line === 11);
    assert.ok(orphan, `an error on line 11 (unknown provider "nowhere"):\n${out}`);
    assert.match(orphan.text, /nowhere/);
  });

  it('reports an unknown key nested in a provider at its line', T, async () => {
    const bad = write(
      'nested.yaml',
      [
        'providers:', // 1
        '  - name: sim', // 2
        '    type: sim', // 3
        '    colour: blue', // 4 unknown key, column 5
        'models:', // 5
        '  - name: sim', // 6
        '    provider: sim', // 7
        '',
      ].join('\n'),
    );
    const r = await runSluice(['check-config', bad]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    const e = errorLines(out, 'nested.yaml').find((x) => x.line === 4);
    assert.ok(e, `an error on line 4:\n${out}`);
    assert.equal(e.col, 5);
    assert.match(e.text, /colour/);
  });

  it('reports a YAML syntax error with its position and exits 1', T, async () => {
    const bad = write('syntax.yaml', 'listen: 127.0.0.1:0\nproviders: [ {name: x,\n');
    const r = await runSluice(['check-config', bad]);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    assert.ok(errorLines(out, 'syntax.yaml').length >= 1, `a syntax.yaml:line:col: line:\n${out}`);
  });

  it('fails for a missing file', T, async () => {
    const r = await runSluice(['check-config', path.join(dir, 'does-not-exist.yaml')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /does-not-exist\.yaml/);
  });

  it('never echoes the api_key in errors', T, async () => {
    const bad = write(
      'secret.yaml',
      [
        'providers:',
        '  - name: up',
        '    type: openai',
        '    base_url: http://127.0.0.1:9/v1',
        '    api_key: sk-very-secret-value-123',
        '    api_kee: oops',
        'models:',
        '  - name: m',
        '    provider: up',
        '',
      ].join('\n'),
    );
    const r = await runSluice(['check-config', bad]);
    assert.equal(r.code, 1);
    assert.ok(!(r.stdout + r.stderr).includes('sk-very-secret-value-123'), 'secret not printed');
  });
});

describe('startup with a bad config', () => {
  it('exits non-zero with the error and never listens', T, async () => {
    const bad = write('startup-bad.yaml', 'listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nbogus_option: 1\n');
    const r = await runSluice(['--config', bad]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /sluice: listening/);
    assert.match(r.stdout + r.stderr, /startup-bad\.yaml:3:1: /);
  });

  it('rejects a bad --listen with the same rules as the config file', T, async () => {
    for (const [value, why] of [['example.com:80', /host must be an IPv4 address/], ['127.0.0.1:99999', /port must be a number/]]) {
      const r = await runSluice(['--listen', value, '--admin', '127.0.0.1:0']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stderr, /sluice: listening/);
    }
  });
});

describe('a provider whose credentials cannot be loaded', () => {
  it('is reported by check-config and at startup (exit 1, no crash)', T, async () => {
    const sa = write('sa.json', '{"type":"service_account"}');
    const cfg = write(
      'vertex.yaml',
      toYaml({
        listen: '127.0.0.1:0',
        admin: '127.0.0.1:0',
        providers: [
          { name: 'v', type: 'vertex', base_url: 'http://127.0.0.1:9', vertex: { project: 'p', location: 'l', service_account_file: sa } },
        ],
        models: [{ name: 'm', provider: 'v' }],
      }),
    );
    const check = await runSluice(['check-config', cfg]);
    assert.equal(check.code, 1);
    assert.match(check.stdout + check.stderr, /provider 'v': service-account file: .*client_email/);
    const start = await runSluice(['--config', cfg]);
    assert.equal(start.code, 1, start.stderr);
    assert.equal(start.signal ?? null, null, 'exited, not killed by a signal');
    assert.match(start.stderr, /client_email/);
  });
});
