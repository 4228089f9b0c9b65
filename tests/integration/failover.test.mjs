// Resilience: retries and priority failover before the first byte, outlier ejection with recovery,
// TTFT and idle timeouts, circuit breaking, client disconnects. One fault per test, injected by the
// fake provider; each asserts what the client got, which backend answered, how many attempts were
// made, and the counters. Only the primary forwards x-fake-* headers, so faults hit it alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, waitFor } from '../lib/gateway.mjs';
import { postJson, getJson, streamSSE, contentDeltas, closedPort, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });

let primary, secondary, gw, deadPort;

function provider(name, url, extra = {}) {
  return { name, type: 'openai', base_url: url, connect_timeout: '1s', read_timeout: '1500ms', ...extra };
}

before(async () => {
  primary = await startFakeProvider();
  secondary = await startFakeProvider();
  deadPort = await closedPort();
  const retry = { attempts: 3, base_backoff: '10ms', max_backoff: '200ms', budget: 1 };
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 1, // one worker: ejection and concurrency are per worker
    access_log: 'stdout',
    providers: [
      // Never ejected, so each failover test sees a healthy primary.
      provider('primary', primary.baseUrl, {
        forward_headers: ['x-fake-*'],
        ttft_timeout: '700ms',
        outlier: { consecutive_failures: 0 },
      }),
      // The same upstream under another name, for the ejection test alone.
      provider('flaky', primary.baseUrl, {
        forward_headers: ['x-fake-*'],
        outlier: { consecutive_failures: 2, base_ejection: '400ms', max_ejection: '2s' },
      }),
      provider('secondary', secondary.baseUrl),
      provider('dead', `http://127.0.0.1:${deadPort}/v1`, { outlier: { consecutive_failures: 0 } }),
      provider('single', primary.baseUrl, { forward_headers: ['x-fake-*'], outlier: { consecutive_failures: 0 } }),
      provider('narrow', primary.baseUrl, { forward_headers: ['x-fake-*'], max_concurrent: 1 }),
      provider('queued', primary.baseUrl, { forward_headers: ['x-fake-*'], max_concurrent: 1, max_pending: 1, pending_timeout: '5s' }),
      provider('bounded', primary.baseUrl, { forward_headers: ['x-fake-*'], total_timeout: '1s', outlier: { consecutive_failures: 0 } }),
      provider('frugal', primary.baseUrl, { forward_headers: ['x-fake-*'], outlier: { consecutive_failures: 0 } }),
    ],
    models: [
      { name: 'failover', targets: [{ provider: 'primary', priority: 0 }, { provider: 'secondary', priority: 1 }], retry },
      { name: 'ejecting', targets: [{ provider: 'flaky', priority: 0 }, { provider: 'secondary', priority: 1 }], retry },
      { name: 'dead-first', targets: [{ provider: 'dead', priority: 0 }, { provider: 'secondary', priority: 1 }], retry },
      { name: 'single', provider: 'single', retry },
      { name: 'narrow', provider: 'narrow', retry: { attempts: 1 } },
      { name: 'queued', provider: 'queued', retry: { attempts: 1 } },
      { name: 'bounded', provider: 'bounded', retry: { attempts: 1 } },
      // No budget beyond the floor of 3 retry tokens: used by the retry-budget test alone.
      { name: 'frugal', provider: 'frugal', retry: { ...retry, budget: 0 } },
      { name: 'frugal-failover', targets: [{ provider: 'frugal', priority: 0 }, { provider: 'secondary', priority: 1 }],
        retry: { ...retry, budget: 0 } },
    ],
  });
}, T);

after(async () => {
  await gw?.stop();
  await primary?.close();
  await secondary?.close();
}, T);

async function call(model, headers = {}, extra = {}) {
  const tag = randomUUID();
  const res = await postJson(`${gw.url}/v1/chat/completions`, chat(model, extra), { headers: { 'x-fake-tag': tag, ...headers } });
  return { res, tag, log: await gw.waitForLog((l) => l.request_id === res.headers.get('x-sluice-request-id')) };
}

const metric = (name, labels) => metricValue(gw.adminUrl, name, labels);

describe('failover before the first byte', () => {
  it('fails over when the primary refuses connections', T, async () => {
    const { res, log } = await call('dead-first');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    assert.equal(res.headers.get('x-sluice-attempts'), '2');
    assert.equal(log.attempts, 2);
    assert.equal(log.backend, 'secondary');
  });

  for (const status of [500, 502, 503]) {
    it(`fails over on upstream ${status}`, T, async () => {
      const fallbacksBefore = await metric('sluice_fallbacks_total', { route: 'failover' });
      const { res, tag } = await call('failover', { 'x-fake-status': String(status) });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
      assert.equal(res.headers.get('x-sluice-attempts'), '2');
      assert.equal(primary.findAll(tag).length, 1, 'primary tried once');
      assert.equal(await metric('sluice_fallbacks_total', { route: 'failover' }), fallbacksBefore + 1);
    });
  }

  it('fails over on a 429 and does not pass the provider\'s retry-after on a success', T, async () => {
    const { res } = await call('failover', { 'x-fake-status': '429', 'x-fake-retry-after': '1' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('retry-after'), null);
  });

  it('fails over when the primary resets before answering', T, async () => {
    const { res } = await call('failover', { 'x-fake-reset-after': '0' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
  });

  it('fails over when the primary answers malformed JSON', T, async () => {
    const { res } = await call('failover', { 'x-fake-body': '{"choices": [' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
  });

  it('fails over when no first token arrives within ttft_timeout', T, async () => {
    const { res, tag } = await call('failover', { 'x-fake-delay-ms': '3000' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    await waitFor(() => primary.find(tag)?.outcome === 'client_closed', 5000, { what: 'primary request cancelled' });
  });

  it('fails over a stream that stalls before its first content event', T, async () => {
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('failover', { stream: true }), {
      headers: { 'x-fake-chunk-delay-ms': '3000' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    assert.ok(res.done);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
  });

  it('fails over a stream whose upstream sends an error event before any content', T, async () => {
    const raw = 'data: {"choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}\\n\\n' +
      'data: {"error":{"message":"overloaded","type":"server_error"}}\\n\\n';
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('failover', { stream: true }), {
      headers: { 'x-fake-raw-sse': raw },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    assert.ok(res.done);
    assert.equal(res.events.filter((e) => e.json?.error).length, 0, 'the primary\'s error never reached the client');
  });

  it('fails over a stream that ends inside an event (malformed SSE)', T, async () => {
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('failover', { stream: true }), {
      headers: { 'x-fake-raw-sse': 'data: {"choices":[{"delta":{"content":"cut' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    assert.ok(res.done);
  });
});

describe('no failover after the first byte', () => {
  it('ends a stream reset mid-way with an error event and does not try the secondary', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('failover', { stream: true }), {
      headers: { 'x-fake-reset-after': '2', 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sluice-backend'), 'primary');
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ']);
    assert.equal(res.events.at(-1).json?.error?.code, 'provider_connection_failed');
    assert.ok(!res.done);
    assert.equal(secondary.find(tag), undefined, 'secondary never asked');
    const log = await gw.waitForLog((l) => l.request_id === res.headers.get('x-sluice-request-id'));
    assert.equal(log.output_tokens > 0, true, 'usage of what was delivered is recorded');
    assert.equal(log.estimated, true);
  });

  it('ends a stream that stalls after content with a provider_timeout event', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('failover', { stream: true }), {
      headers: { 'x-fake-stall-after': '1', 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ']);
    assert.equal(res.events.at(-1).json?.error?.code, 'provider_timeout');
    assert.equal(secondary.find(tag), undefined);
  });
});

describe('total timeout', () => {
  it('ends a stream that outlasts total_timeout with a provider_timeout event', T, async () => {
    // 10 content events 300 ms apart would take 3 s; the attempt may last 1 s.
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('bounded', { stream: true }), {
      headers: { 'x-fake-chunk-delay-ms': '300', 'x-fake-chunks': '10' },
    });
    assert.equal(res.status, 200);
    const got = contentDeltas(res.events).length;
    assert.ok(got >= 1 && got < 10, `content events before the cut: ${got}`);
    assert.equal(res.events.at(-1).json?.error?.code, 'provider_timeout');
    assert.ok(!res.done);
  });
});

describe('retries on a single target', () => {
  it('does not retry a caller error', T, async () => {
    const { res, tag } = await call('single', { 'x-fake-status': '400' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'provider_invalid_request');
    assert.equal(res.headers.get('x-sluice-attempts'), '1');
    assert.equal(primary.findAll(tag).length, 1);
  });

  it('retries a transient failure up to the attempt limit, then answers the last error', T, async () => {
    const before = await metric('sluice_upstream_attempts_total', { provider: 'single', result: 'transient' });
    const { res, tag } = await call('single', { 'x-fake-status': '500' });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'provider_server_error');
    assert.equal(res.headers.get('x-sluice-attempts'), '3');
    assert.equal(primary.findAll(tag).length, 3);
    assert.equal(await metric('sluice_upstream_attempts_total', { provider: 'single', result: 'transient' }), before + 3);
  });

  it('gives up at once when retry-after is longer than max_backoff, and passes it on', T, async () => {
    const { res, tag } = await call('single', { 'x-fake-status': '429', 'x-fake-retry-after': '120' });
    assert.equal(res.status, 429);
    assert.equal(res.json.error.code, 'provider_rate_limited');
    assert.equal(res.headers.get('retry-after'), '120');
    assert.equal(primary.findAll(tag).length, 1);
  });
});

describe('retry budget', () => {
  it('stops retries once the route\'s budget is spent, but never blocks failover to an untried target', T, async () => {
    // The floor is 3 tokens and budget 0 earns none: 2 retries, then 1, then none.
    const attempts = [];
    for (let i = 0; i < 3; i++) {
      const { res } = await call('frugal', { 'x-fake-status': '500' });
      assert.equal(res.status, 502);
      attempts.push(res.headers.get('x-sluice-attempts'));
    }
    assert.deepEqual(attempts, ['3', '2', '1']);
    // More failovers than the floor's 3 tokens could pay for: none is refused.
    for (let i = 0; i < 5; i++) {
      const { res } = await call('frugal-failover', { 'x-fake-status': '500' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('x-sluice-backend'), 'secondary');
    }
  });
});

describe('outlier ejection', () => {
  it('ejects a failing primary, serves from the secondary meanwhile, and takes it back after a probe', T, async () => {
    const before = await metric('sluice_ejections_total', { provider: 'flaky' });
    for (let i = 0; i < 2; i++) {
      const { res } = await call('ejecting', { 'x-fake-status': '500' });
      assert.equal(res.status, 200);
    }
    assert.equal(await metric('sluice_ejections_total', { provider: 'flaky' }), before + 1);
    // The worker that ejected it says so until a probe succeeds; the healthy secondary is 0.
    const ejected = (labels) => metricValue(gw.adminUrl, 'sluice_endpoint_ejected', labels);
    assert.ok((await ejected({ provider: 'flaky' })) >= 1);
    assert.equal(await ejected({ provider: 'secondary' }), 0);
    // Ejected: a healthy request skips it entirely.
    const skipped = await call('ejecting');
    assert.equal(skipped.res.headers.get('x-sluice-backend'), 'secondary');
    assert.equal(skipped.res.headers.get('x-sluice-attempts'), '1');
    assert.equal(primary.find(skipped.tag), undefined);
    // After base_ejection (400ms) one probe goes through; it succeeds and the primary is back.
    await waitFor(async () => (await call('ejecting')).res.headers.get('x-sluice-backend') === 'flaky', 5000,
      { intervalMs: 50, what: 'flaky back after its ejection' });
    const after = await call('ejecting');
    assert.equal(after.res.headers.get('x-sluice-backend'), 'flaky');
  });
});

describe('circuit breaking and cancellation', () => {
  it('answers 503 provider_overloaded when max_concurrent requests are already in flight', T, async () => {
    const slow = postJson(`${gw.url}/v1/chat/completions`, chat('narrow'), { headers: { 'x-fake-delay-ms': '800' } });
    const tag = randomUUID();
    await waitFor(() => primary.requests.some((r) => r.headers['x-fake-delay-ms'] === '800' && r.outcome === 'pending'), 5000,
      { what: 'slow request in flight' });
    const { res } = await call('narrow', {}, {});
    assert.equal(res.status, 503, res.text);
    assert.equal(res.json.error.code, 'provider_overloaded');
    assert.equal((await slow).status, 200);
    assert.equal(primary.find(tag), undefined);
  });

  it('lets max_pending requests wait for a slot and refuses the one beyond', T, async () => {
    const tagA = randomUUID();
    const slow = postJson(`${gw.url}/v1/chat/completions`, chat('queued'), { headers: { 'x-fake-delay-ms': '600', 'x-fake-tag': tagA } });
    await waitFor(() => primary.find(tagA), 5000, { what: 'slow request in flight' });
    const tagB = randomUUID();
    const waiting = postJson(`${gw.url}/v1/chat/completions`, chat('queued'), { headers: { 'x-fake-tag': tagB } });
    // B waits in the queue (it never reaches the upstream while A holds the only slot)...
    await waitFor(async () => (await getJson(`${gw.adminUrl}/metrics`)).text.includes('sluice_active_requests 2'), 5000,
      { intervalMs: 20, what: 'two requests in flight' });
    assert.equal(primary.find(tagB), undefined);
    // ...so C, finding the slot taken and the queue full, is refused at once.
    const refused = await postJson(`${gw.url}/v1/chat/completions`, chat('queued'));
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.json.error.code, 'provider_overloaded');
    assert.equal((await slow).status, 200);
    const b = await waiting;
    assert.equal(b.status, 200, b.text);
    assert.ok(primary.find(tagB).receivedAt >= primary.find(tagA).finishedAt, 'B went upstream after A finished');
  });

  it('cancels the upstream request at once when the client disconnects while waiting', T, async () => {
    const tag = randomUUID();
    const ac = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-tag': tag, 'x-fake-delay-ms': '20000' },
      body: JSON.stringify(chat('single')),
      signal: ac.signal,
    }).catch(() => null);
    await waitFor(() => primary.find(tag), 5000, { what: 'request reached the upstream' });
    ac.abort();
    await pending;
    await waitFor(() => primary.find(tag)?.outcome === 'client_closed', 5000, { what: 'upstream request closed' });
    const log = await gw.waitForLog((l) => l.error_code === 'caller_cancelled' && l.route === 'single');
    assert.equal(log.attempts, 1);
  });
});
