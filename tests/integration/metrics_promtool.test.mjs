// /metrics under load: every scrape passes `promtool check metrics` (the Prometheus project's own
// linter, from Debian's prometheus package), and the GenAI token histograms add up to the usage the
// upstream reported for a known workload.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig } from '../lib/gateway.mjs';
import { postJson, getJson, streamSSE, parsePrometheus } from '../lib/http.mjs';

const T = { timeout: 60_000 };
let fake, gw;

before(async () => {
  fake = await startFakeProvider({ record: false });
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl, accessLog: 'off' }));
}, T);

after(async () => {
  await gw?.stop();
  await fake?.close();
}, T);

function promtoolCheck(text) {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.ok(!r.error, `promtool could not run (make test installs it): ${r.error}`);
  return r;
}

describe('metrics exposition', () => {
  it('passes promtool check metrics while under load, and token totals add up', T, async () => {
    const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
    const url = `${gw.url}/v1/chat/completions`;
    const jobs = [];
    for (let i = 0; i < 100; i++) {
      jobs.push(postJson(url, chat('gpt-4o-mini'), { headers: { 'x-fake-usage': '5,2' } }));
      if (i % 4 === 0) jobs.push(streamSSE(url, chat('sim', { stream: true })));
      if (i % 10 === 0) jobs.push(postJson(url, chat('mini'), { headers: { 'x-fake-status': '503' } }));
      if (i % 10 === 5) jobs.push(postJson(`${gw.url}/v1/embeddings`, { model: 'sim', input: ['a', 'b'] }));
    }
    const scrapes = [];
    for (let k = 0; k < 3; k++) scrapes.push((await getJson(`${gw.adminUrl}/metrics`)).text);  // mid-load
    const results = await Promise.all(jobs);
    scrapes.push((await getJson(`${gw.adminUrl}/metrics`)).text);
    for (const text of scrapes) {
      const r = promtoolCheck(text);
      assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
    }
    assert.equal(results.filter((r) => r.status === 200).length, 100 + 25 + 10);

    const samples = parsePrometheus(scrapes.at(-1));
    const sum = (type) => samples
      .filter((s) => s.name === 'gen_ai_client_token_usage_sum' && s.labels.gen_ai_request_model === 'gpt-4o-mini' &&
        s.labels.gen_ai_token_type === type && s.labels.gen_ai_operation_name === 'chat')
      .reduce((a, s) => a + s.value, 0);
    assert.equal(sum('input'), 500);
    assert.equal(sum('output'), 200);
    const ttft = samples.filter((s) => s.name === 'gen_ai_server_time_to_first_token_seconds_count' &&
      s.labels.gen_ai_request_model === 'sim');
    assert.equal(ttft.reduce((a, s) => a + s.value, 0), 25);
  });
});
