// Process lifecycle: SIGHUP reload (good and bad configs), SIGTERM drain, command-line overrides.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, waitFor, toYaml, closeAll } from '../lib/gateway.mjs';
import { getJson, postJson, streamSSE, contentDeltas } from '../lib/http.mjs';

const T = { timeout: 20_000 };

let fake;

before(async () => {
  fake = await startFakeProvider();
}, T);

after(() => closeAll(fake), T);

const modelIds = async (gw) => (await getJson(`${gw.url}/v1/models`)).json.data.map((m) => m.id);

describe('reload on SIGHUP', () => {
  let gw;
  before(async () => {
    gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
  }, T);
  after(() => closeAll(gw), T);

  it('serves a model added to the config file', T, async () => {
    assert.ok(!(await modelIds(gw)).includes('added'));
    await gw.reload(baseConfig({ fakeBaseUrl: fake.baseUrl, extraModels: [{ name: 'added', provider: 'sim' }] }));
    await waitFor(async () => (await modelIds(gw)).includes('added'), 10_000, { what: '"added" in /v1/models' });
    const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'added', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-backend'), 'sim');
    assert.equal(gw.proc.exitCode, null);
  });

  it('keeps the old config when the new one is invalid, and says why on stderr', T, async () => {
    const good = await modelIds(gw);
    assert.ok(good.includes('added'), 'state from the previous test');
    const stderrBefore = gw.stderr().length;
    const broken = toYaml(baseConfig({ fakeBaseUrl: fake.baseUrl, extraModels: [{ name: 'broken-added', provider: 'sim' }] }))
      .concat('bogus_reload_key: 1\n');
    await gw.reload(broken);
    const said = await waitFor(
      () => {
        const s = gw.stderr().slice(stderrBefore);
        return s.includes('bogus_reload_key') ? s : null;
      },
      10_000,
      { what: 'stderr to name the unknown key' },
    );
    assert.ok(said.length > 0);
    assert.equal(gw.proc.exitCode, null, 'still running');
    const ids = await modelIds(gw);
    assert.deepEqual(ids.sort(), good.sort(), 'model list unchanged');
    const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'added', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200, 'old config still serving');
  });

  it('rejects a config with YAML syntax errors and keeps serving', T, async () => {
    const stderrBefore = gw.stderr().length;
    await gw.reload('listen: 127.0.0.1:0\nproviders: [ {name: x, \n  models: : :\n');
    await waitFor(() => gw.stderr().length > stderrBefore, 10_000, { what: 'stderr to report the bad reload' });
    assert.equal(gw.proc.exitCode, null);
    const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(res.status, 200);
  });

  it('reloads again once the file is fixed', T, async () => {
    await gw.reload(baseConfig({ fakeBaseUrl: fake.baseUrl, extraModels: [{ name: 'added-again', provider: 'sim' }] }));
    await waitFor(async () => (await modelIds(gw)).includes('added-again'), 10_000, { what: '"added-again" in /v1/models' });
    assert.ok(!(await modelIds(gw)).includes('added'), '"added" is gone with the new config');
  });

  it('lets a stream started before the reload finish on its old config', T, async () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true };
    let reloaded = false;
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, body, {
      headers: { 'x-fake-chunks': '4', 'x-fake-chunk-delay-ms': '150' },
      onEvent: (e) => {
        if (!reloaded && e.json?.choices?.[0]?.delta?.content === 'tok0 ') {
          reloaded = true;
          // The new config no longer has gpt-4o-mini (and no wildcard).
          gw.reload(baseConfig({ wildcard: false }));
        }
      },
    });
    assert.ok(reloaded);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ']);
    assert.ok(res.done);
    await waitFor(async () => !(await modelIds(gw)).includes('gpt-4o-mini'), 10_000, { what: 'the reload to apply' });
  });
});

describe('SIGTERM', () => {
  it('drains an in-flight stream to [DONE], then exits 0', T, async () => {
    const gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
    let signalled = false;
    const res = await streamSSE(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true },
      {
        headers: { 'x-fake-chunks': '5', 'x-fake-chunk-delay-ms': '200' },
        timeoutMs: 15_000,
        onEvent: (e) => {
          if (!signalled && e.json?.choices?.[0]?.delta?.content === 'tok0 ') {
            signalled = true;
            gw.proc.kill('SIGTERM');
          }
        },
      },
    );
    assert.ok(signalled, 'SIGTERM was sent mid-stream');
    assert.equal(res.status, 200);
    assert.ok(res.endedCleanly, `stream not cut: ${res.readError}`);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ', 'tok4 ']);
    assert.equal(res.events.at(-1).data, '[DONE]');
    const { code, signal } = await gw.exited;
    assert.equal(signal, null, 'exited by itself, not killed by the signal');
    assert.equal(code, 0);
    const line = gw.accessLog().find((l) => l.request_id === res.headers.get('x-sluice-request-id'));
    assert.ok(line, 'the drained stream was logged before exit');
    assert.equal(line.status, 200);
    assert.equal(line.error_code, null);
  });

  it('exits 0 promptly when idle', T, async () => {
    const gw = await startGateway(baseConfig({}));
    const ok = await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(ok.status, 200);
    assert.equal(await gw.stop('SIGTERM', 10_000), 0);
  });

  it('exits 0 with an idle keep-alive connection open', T, async () => {
    // drain_timeout is far longer than the wait below: waiting for the idle connection would fail.
    const gw = await startGateway(baseConfig({ limits: { drain_timeout: '60s' } }));
    const { default: http } = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    await new Promise((resolve, reject) => {
      const req = http.request(`${gw.url}/v1/models`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    // The socket stays open in the agent's pool; the gateway must not wait for it.
    assert.equal(await gw.stop('SIGTERM', 8_000), 0);
    agent.destroy();
  });

  it('exits 0 with an idle pooled upstream connection', T, async () => {
    // A pooled connection's watchdog timer must not hold the worker until read_timeout (or
    // drain_timeout, both far longer than the wait below).
    const gw = await startGateway(
      baseConfig({ fakeBaseUrl: fake.baseUrl, readTimeout: '300s', limits: { drain_timeout: '60s' } }),
    );
    const ok = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(ok.status, 200);
    assert.equal(await gw.stop('SIGTERM', 8_000), 0);
  });
});

describe('command-line overrides', () => {
  it('--workers overrides the config', T, async () => {
    const gw = await startGateway(baseConfig({ workers: 2 }), { args: ['--workers', '3'] });
    try {
      assert.equal(gw.workers, 3);
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(res.status, 200);
    } finally {
      await gw.stop();
    }
  });

  it('--listen and --admin override the config', T, async () => {
    // The config names fixed ports that the overrides replace with ephemeral ones.
    const cfg = { ...baseConfig({}), listen: '127.0.0.1:1', admin: '127.0.0.1:2' };
    const gw = await startGateway(cfg, { args: ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'] });
    try {
      assert.notEqual(gw.port, 1);
      assert.notEqual(gw.adminPort, 2);
      assert.equal((await getJson(`${gw.adminUrl}/healthz`)).status, 200);
      assert.equal((await getJson(`${gw.url}/v1/models`)).status, 200);
    } finally {
      await gw.stop();
    }
  });

  it('serves on every worker: concurrent requests all succeed', T, async () => {
    const gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl, workers: 4 }));
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          postJson(`${gw.url}/v1/chat/completions`, {
            model: i % 2 ? 'sim' : 'gpt-4o-mini',
            messages: [{ role: 'user', content: `q${i}` }],
          }),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), Array(40).fill(200));
      const ids = new Set(results.map((r) => r.headers.get('x-sluice-request-id')));
      assert.equal(ids.size, 40, 'request ids unique across workers');
    } finally {
      await gw.stop();
    }
  });
});

describe('access_log: off', () => {
  it('writes no access-log lines', T, async () => {
    const gw = await startGateway(baseConfig({ accessLog: 'off' }));
    try {
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await gw.stop(), 0);
    }
    assert.deepEqual(gw.accessLog(), []);
  });
});
