// Active health checks: a provider whose probe (GET /v1/models) fails is ejected without any client
// traffic, and comes back as soon as a probe succeeds, long before its ejection time is over.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, waitFor } from '../lib/gateway.mjs';
import { postJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
let primary, secondary, gw;

before(async () => {
  primary = await startFakeProvider();
  secondary = await startFakeProvider();
  gw = await startGateway({
    listen: '127.0.0.1:0', admin: '127.0.0.1:0', workers: 1, access_log: 'off',
    providers: [
      { name: 'primary', type: 'openai', base_url: primary.baseUrl,
        health_check: { interval: '100ms', timeout: '1s' },
        outlier: { consecutive_failures: 2, base_ejection: '60s', max_ejection: '60s' } },
      { name: 'secondary', type: 'openai', base_url: secondary.baseUrl },
    ],
    models: [{ name: 'm', targets: [{ provider: 'primary', priority: 0 }, { provider: 'secondary', priority: 1 }] }],
  });
}, T);

after(async () => {
  await gw?.stop();
  await primary?.close();
  await secondary?.close();
}, T);

const counter = (name, labels) => metricValue(gw.adminUrl, name, labels);

const chat = () => postJson(`${gw.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'hi' }] });

describe('active health checks', () => {
  it('probes, ejects a failing provider without client traffic, and restores it on a good probe', T, async () => {
    await waitFor(async () => (await counter('sluice_upstream_attempts_total', { provider: 'primary', result: 'probe_ok' })) > 0,
      5000, { intervalMs: 50, what: 'a successful probe' });
    assert.ok(primary.requests.some((r) => r.method === 'GET' && r.path === '/v1/models'));
    const first = await chat();
    assert.equal(first.headers.get('x-sluice-backend'), 'primary');

    primary.setModelsStatus(503);
    await waitFor(async () => (await counter('sluice_ejections_total', { provider: 'primary' })) >= 1, 5000,
      { intervalMs: 50, what: 'primary ejected by its probes' });
    const chatsBefore = primary.requests.filter((r) => r.method === 'POST').length;
    const during = await chat();
    assert.equal(during.status, 200);
    assert.equal(during.headers.get('x-sluice-backend'), 'secondary');
    assert.equal(during.headers.get('x-sluice-attempts'), '1', 'the ejected primary is not even tried');
    assert.equal(primary.requests.filter((r) => r.method === 'POST').length, chatsBefore);

    primary.setModelsStatus(200);  // the ejection lasts 60 s; a good probe ends it now
    await waitFor(async () => (await chat()).headers.get('x-sluice-backend') === 'primary', 5000,
      { intervalMs: 50, what: 'primary back after a good probe' });
  });
});
