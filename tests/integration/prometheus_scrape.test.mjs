// A real Prometheus server (Debian's prometheus package, started here on loopback) scrapes the
// admin plane, and PromQL returns the token totals of a known workload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, tempDir, waitFor } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 90_000 };
let fake, gw, prom;

async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

before(async () => {
  fake = await startFakeProvider({ record: false });
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl, accessLog: 'off' }));
  const dir = tempDir('sluice-prom-');
  const adminHostPort = gw.adminUrl.replace('http://', '');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'),
    `global: {scrape_interval: 1s, evaluation_interval: 1s}\n` +
    `scrape_configs:\n  - job_name: sluice\n    static_configs: [{targets: ['${adminHostPort}']}]\n`);
  const port = await freePort();
  prom = {
    url: `http://127.0.0.1:${port}`,
    proc: spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' }),
  };
  prom.proc.on('error', (e) => { prom.error = e; });
}, T);

after(async () => {
  prom?.proc.kill('SIGTERM');
  await gw?.stop();
  await fake?.close();
}, T);

async function query(q) {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => null);
  if (!res || !res.ok) return null;
  const body = await res.json();
  return body.data.result.length ? Number(body.data.result[0].value[1]) : null;
}

describe('prometheus', () => {
  it('scrapes the gateway and PromQL sums the tokens of a known workload', T, async () => {
    assert.ok(!prom.error, `prometheus could not start (make test installs it): ${prom.error}`);
    for (let i = 0; i < 20; i++) {
      const res = await postJson(`${gw.url}/v1/chat/completions`,
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-fake-usage': '30,7' } });
      assert.equal(res.status, 200);
    }
    const input = 'sum(gen_ai_client_token_usage_sum{job="sluice",gen_ai_token_type="input",gen_ai_request_model="gpt-4o-mini"})';
    const output = 'sum(gen_ai_client_token_usage_sum{job="sluice",gen_ai_token_type="output",gen_ai_request_model="gpt-4o-mini"})';
    await waitFor(async () => (await query(input)) === 600, 60_000, { intervalMs: 500, what: 'Prometheus to see 600 input tokens' });
    assert.equal(await query(output), 140);
    assert.equal(await query('sum(sluice_requests_total{job="sluice",route="gpt-4o-mini",status="200"})'), 20);
  });
});
