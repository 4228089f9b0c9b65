// Per-metric label allow-lists and the cap on label values (config `metrics`): a scrape shows only
// the labels each metric keeps, series that differed by a dropped label are summed, values past
// the cap are counted as "other", and the exposition still passes `promtool check metrics`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startGateway, closeAll } from '../lib/gateway.mjs';
import { postJson, getJson, parsePrometheus } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const ALICE = 'sk-alice-0123456789abcdef';
const BOB = 'sk-bob-0123456789abcdef00';
let gw;

before(async () => {
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 2,
    access_log: 'off',
    metrics: {
      max_label_values: 2,
      labels: {
        sluice_requests_total: ['route', 'status', 'consumer'],
        gen_ai_client_token_usage: ['gen_ai_operation_name', 'gen_ai_token_type'],
      },
    },
    consumers: [
      { name: 'alice', keys: [ALICE] },
      { name: 'bob', keys: [BOB] },
    ],
    providers: [{ name: 'sim', type: 'sim', sim: { tokens: 4 } }],
    models: ['m1', 'm2', 'm3'].map((name) => ({ name, provider: 'sim' })),
  });
}, T);

after(() => closeAll(gw), T);

describe('metric label allow-lists', () => {
  it('drops the labels a metric does not keep and caps label values', T, async () => {
    const ask = (key, model) =>
      postJson(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] }, {
        headers: { authorization: `Bearer ${key}` },
      });
    // Sequential, so the first two routes seen are m1 and m2 whichever worker serves them.
    for (const [key, model] of [[ALICE, 'm1'], [BOB, 'm2'], [ALICE, 'm3'], [ALICE, 'm1']]) {
      const res = await ask(key, model);
      assert.equal(res.status, 200, res.text);
    }
    const text = (await getJson(`${gw.adminUrl}/metrics`)).text;
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.ok(!r.error, `promtool could not run (make test installs it): ${r.error}`);
    assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);

    const samples = parsePrometheus(text);
    const requests = samples.filter((s) => s.name === 'sluice_requests_total');
    for (const s of requests) assert.deepEqual(Object.keys(s.labels).sort(), ['consumer', 'route', 'status']);
    const count = (route, consumer) =>
      requests.filter((s) => s.labels.route === route && s.labels.consumer === consumer).reduce((a, s) => a + s.value, 0);
    assert.equal(count('m1', 'alice'), 2);
    assert.equal(count('m2', 'bob'), 1);
    assert.equal(count('other', 'alice'), 1);  // m3: past max_label_values
    assert.equal(text.includes('"m3"'), false);

    const tokens = samples.filter((s) => s.name === 'gen_ai_client_token_usage_count');
    assert.ok(tokens.length > 0);
    for (const s of tokens) assert.deepEqual(Object.keys(s.labels).sort(), ['gen_ai_operation_name', 'gen_ai_token_type']);
    // The four requests' output tokens in one series: the models were merged.
    const output = tokens.find((s) => s.labels.gen_ai_token_type === 'output');
    assert.equal(output.value, 4);
    // A metric without an allow-list keeps its default labels (consumer is opt-in).
    const durations = samples.filter((s) => s.name === 'gen_ai_server_request_duration_seconds_count');
    for (const s of durations) {
      assert.ok('gen_ai_request_model' in s.labels);
      assert.equal('consumer' in s.labels, false);
    }
  });
});
