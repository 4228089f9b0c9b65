// Admin listener: health, readiness and Prometheus metrics that count what happened.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, waitFor, closeAll } from '../lib/gateway.mjs';
import { getJson, postJson, request, parsePrometheus } from '../lib/http.mjs';

const T = { timeout: 20_000 };

let fake;
let gw;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(
    baseConfig({ fakeBaseUrl: fake.baseUrl, extraModels: [{ name: METRICS_MODEL, provider: 'sim' }] }),
  );
}, T);

after(() => closeAll(gw, fake), T);

async function scrape() {
  const res = await request(`${gw.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  return { res, samples: parsePrometheus(res.text) };
}

// Sum of sluice_requests_total samples whose route label satisfies `routeOk` and whose labels
// include `labels`. What "route" names (the configured model route, or the API path) is the
// gateway's choice, so callers accept either.
function requestsTotal(samples, routeOk, labels = {}) {
  return samples
    .filter((s) => s.name === 'sluice_requests_total')
    .filter((s) => routeOk(s.labels.route ?? ''))
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
const anyRoute = () => true;
// Only the "counts requests" test uses this model, and only on /v1/embeddings.
const METRICS_MODEL = 'metrics-model';
const metricsRoute = (r) => r === METRICS_MODEL || r.includes('embeddings');

describe('health', () => {
  it('GET /healthz is 200', T, async () => {
    const res = await getJson(`${gw.adminUrl}/healthz`);
    assert.equal(res.status, 200);
  });

  it('GET /readyz is 200', T, async () => {
    const res = await getJson(`${gw.adminUrl}/readyz`);
    assert.equal(res.status, 200);
  });

  it('the admin endpoints are not on the data plane', T, async () => {
    const res = await getJson(`${gw.url}/metrics`);
    assert.equal(res.status, 404);
    assert.equal(res.json?.error?.code, 'caller_not_found');
  });

  it('the admin listener answers 404 for unknown paths', T, async () => {
    const res = await getJson(`${gw.adminUrl}/no-such-admin-page`);
    assert.equal(res.status, 404);
  });
});

describe('metrics', () => {
  it('is valid Prometheus text with the gateway series', T, async () => {
    // Make sure at least one request was counted and observed.
    await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });
    await waitFor(async () => (await scrape()).samples.some((s) => s.name === 'sluice_requests_total'), 5000, {
      what: 'sluice_requests_total to appear',
    });
    const { res, samples } = await scrape();
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /^# TYPE sluice_requests_total counter$/m);
    const counter = samples.filter((s) => s.name === 'sluice_requests_total');
    assert.ok(counter.length > 0);
    for (const s of counter) {
      for (const l of ['route', 'status', 'code']) assert.ok(l in s.labels, `label ${l} on ${JSON.stringify(s.labels)}`);
    }
    const buckets = samples.filter((s) => s.name === 'sluice_overhead_seconds_bucket');
    assert.ok(buckets.length > 0, 'sluice_overhead_seconds_bucket present');
    assert.ok(buckets.some((s) => s.labels.le === '+Inf'), 'histogram has a +Inf bucket');
    assert.match(res.text, /^# TYPE sluice_overhead_seconds histogram$/m);
    assert.ok(samples.some((s) => s.name === 'sluice_overhead_seconds_count'));
    assert.ok(samples.some((s) => s.name === 'sluice_overhead_seconds_sum'));
    // Buckets of one series are cumulative.
    const bySeries = new Map();
    for (const b of buckets) {
      const { le, ...rest } = b.labels;
      const key = JSON.stringify(rest);
      if (!bySeries.has(key)) bySeries.set(key, []);
      bySeries.get(key).push({ le: le === '+Inf' ? Infinity : Number(le), v: b.value });
    }
    for (const list of bySeries.values()) {
      list.sort((x, y) => x.le - y.le);
      for (let i = 1; i < list.length; i++) assert.ok(list[i].v >= list[i - 1].v, 'cumulative buckets');
    }
  });

  it('counts requests by route, status and code', T, async () => {
    const before = (await scrape()).samples;
    const ok0 = requestsTotal(before, metricsRoute, { status: '200' });
    const bad0 = requestsTotal(before, anyRoute, { status: '400', code: 'caller_invalid_request' });
    const n = 3;
    for (let i = 0; i < n; i++) {
      const r = await postJson(`${gw.url}/v1/embeddings`, { model: METRICS_MODEL, input: `text ${i}` });
      assert.equal(r.status, 200, r.text);
    }
    for (let i = 0; i < 2; i++) {
      const r = await postJson(`${gw.url}/v1/embeddings`, { model: METRICS_MODEL });
      assert.equal(r.status, 400, r.text);
    }
    // Metrics are recorded when each request completes, which may trail the response slightly.
    const after = await waitFor(
      async () => {
        const { samples } = await scrape();
        return requestsTotal(samples, metricsRoute, { status: '200' }) >= ok0 + n &&
          requestsTotal(samples, anyRoute, { status: '400', code: 'caller_invalid_request' }) >= bad0 + 2
          ? samples
          : null;
      },
      5000,
      { what: 'the counters to reach the expected values' },
    );
    assert.equal(requestsTotal(after, metricsRoute, { status: '200' }) - ok0, n);
    assert.equal(requestsTotal(after, anyRoute, { status: '400', code: 'caller_invalid_request' }) - bad0, 2);
  });

  it('counts provider errors with their code', T, async () => {
    const before = requestsTotal((await scrape()).samples, anyRoute, { status: '429', code: 'provider_rate_limited' });
    const r = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-fake-status': '429' } },
    );
    assert.equal(r.status, 429);
    await waitFor(
      async () => requestsTotal((await scrape()).samples, anyRoute, { status: '429', code: 'provider_rate_limited' }) === before + 1,
      5000,
      { what: 'the provider_rate_limited counter to increase by one' },
    );
  });

  it('keeps label cardinality bounded: unknown paths do not become route labels', T, async () => {
    for (let i = 0; i < 5; i++) await getJson(`${gw.url}/random/path/${i}-${Date.now()}`);
    await waitFor(
      async () => requestsTotal((await scrape()).samples, anyRoute, { status: '404' }) >= 5,
      5000,
      { what: '404s to be counted' },
    );
    const { samples } = await scrape();
    const routes = new Set(samples.filter((s) => s.name === 'sluice_requests_total').map((s) => s.labels.route));
    assert.ok(![...routes].some((r) => r.includes('/random/path/')), `routes: ${[...routes]}`);
  });
});

describe('live stats', () => {
  it('GET /admin/stats reports recent requests, tokens, errors and TTFT per route and backend', { timeout: 20_000 }, async () => {
    const g = await startGateway(baseConfig({ accessLog: 'off' }));
    try {
      const url = `${g.url}/v1/chat/completions`;
      for (let i = 0; i < 4; i++) await postJson(url, { model: 'sim', messages: [{ role: 'user', content: 'hi' }] });
      await postJson(url, { model: 'sim', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const res = await getJson(`${g.adminUrl}/admin/stats?window=60`);
      assert.equal(res.status, 200);
      const s = res.json.series.find((x) => x.route === 'sim');
      assert.ok(s, res.text);
      assert.equal(s.backend, 'sim');
      assert.equal(s.requests, 5);
      assert.equal(s.error_rate, 0);
      assert.equal(s.output_tokens, 25);  // 5 tokens each
      assert.ok(s.ttft_p50_ms !== null, 'the stream gave a TTFT');
    } finally {
      await g.stop();
    }
  });
});
