// Tracing: with `tracing.otlp_endpoint` set, every request yields a server span and one client
// span per upstream attempt, exported as OTLP/HTTP JSON to a test collector. Asserts the span tree
// (trace id, parent ids), the GenAI attributes, and that the traceparent the provider received
// names the attempt's span. With one worker, a request's spans are submitted before the next
// request is handled, so flushes arrive in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, waitFor, closeAll } from '../lib/gateway.mjs';
import { postJson, streamSSE, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });

// A minimal OTLP/HTTP JSON collector: records every span with its resource attributes.
async function startCollector() {
  const spans = [];
  const posts = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push({ method: req.method, url: req.url, contentType: req.headers['content-type'] });
      const doc = JSON.parse(body);
      for (const rs of doc.resourceSpans) {
        const resource = attrs(rs.resource.attributes);
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, resource, scope: ss.scope, attrs: attrs(s.attributes) });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    spans,
    posts,
    trace: (traceId) => spans.filter((s) => s.traceId === traceId),
    close: () => new Promise((r) => server.close(r)),
  };
}

// OTLP AnyValue -> JS value (intValue is a decimal string in the JSON mapping).
function attrs(list = []) {
  const out = {};
  for (const { key, value } of list) {
    if ('stringValue' in value) out[key] = value.stringValue;
    else if ('intValue' in value) out[key] = Number(value.intValue);
    else if ('doubleValue' in value) out[key] = value.doubleValue;
    else if ('boolValue' in value) out[key] = value.boolValue;
  }
  return out;
}

const SERVER = 2;
const CLIENT = 3;
const parseTraceparent = (h) => {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(h ?? '');
  assert.ok(m, `traceparent ${h}`);
  return { traceId: m[1], spanId: m[2], flags: m[3] };
};

let collector, primary, secondary, gw;

before(async () => {
  collector = await startCollector();
  primary = await startFakeProvider();
  secondary = await startFakeProvider();
  const provider = (name, url, extra = {}) => ({
    name, type: 'openai', base_url: url, api_key: 'sk-test-upstream', connect_timeout: '2s', read_timeout: '2s',
    outlier: { consecutive_failures: 0 }, ...extra,
  });
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 1,
    access_log: 'stdout',
    tracing: { otlp_endpoint: collector.url, service_name: 'sluice-test', flush_interval: '50ms' },
    providers: [
      provider('primary', primary.baseUrl, { forward_headers: ['x-fake-*'] }),
      provider('secondary', secondary.baseUrl, { forward_headers: ['x-fake-tag'] }),
    ],
    models: [
      { name: 'gpt-4o-mini', provider: 'primary', upstream_model: 'gpt-4o-mini-2024-07-18' },
      {
        name: 'failover',
        targets: [{ provider: 'primary', priority: 0 }, { provider: 'secondary', priority: 1 }],
        retry: { attempts: 3, base_backoff: '10ms', max_backoff: '100ms', budget: 1 },
      },
    ],
  });
}, T);

after(() => closeAll(gw, primary, secondary, collector), T);

// Waits until the collector holds `n` spans of `traceId`.
const spansOf = (traceId, n) =>
  waitFor(() => {
    const s = collector.trace(traceId);
    return s.length >= n && s;
  }, 10_000, { what: `${n} spans of trace ${traceId}` });

describe('tracing', () => {
  it('nests a server span under the client span and an attempt span under it', T, async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const clientSpan = '00f067aa0ba902b7';
    const tag = randomUUID();
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o-mini'), {
      headers: { traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: 'vendor=opaque', 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200, res.text);
    const spans = await spansOf(traceId, 2);
    assert.equal(spans.length, 2);
    const server = spans.find((s) => s.kind === SERVER);
    const attempt = spans.find((s) => s.kind === CLIENT);
    assert.ok(server && attempt, JSON.stringify(spans));

    assert.equal(server.parentSpanId, clientSpan);
    assert.equal(attempt.parentSpanId, server.spanId);
    assert.match(server.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(attempt.spanId, server.spanId);
    assert.equal(server.traceState, 'vendor=opaque');

    // The provider saw the attempt's span as its parent, in the same trace.
    const upstream = primary.find(tag).headers;
    const tp = parseTraceparent(upstream.traceparent);
    assert.deepEqual(tp, { traceId, spanId: attempt.spanId, flags: '01' });
    assert.equal(upstream.tracestate, 'vendor=opaque');

    assert.equal(server.resource['service.name'], 'sluice-test');
    assert.equal(server.scope.name, 'sluice');
    assert.equal(server.name, 'chat gpt-4o-mini');
    assert.deepEqual(
      {
        op: server.attrs['gen_ai.operation.name'],
        req: server.attrs['gen_ai.request.model'],
        resp: server.attrs['gen_ai.response.model'],
        provider: server.attrs['gen_ai.provider.name'],
        input: server.attrs['gen_ai.usage.input_tokens'],
        output: server.attrs['gen_ai.usage.output_tokens'],
        status: server.attrs['http.response.status_code'],
        attempts: server.attrs['sluice.attempts'],
        requestId: server.attrs['sluice.request_id'],
      },
      {
        op: 'chat', req: 'gpt-4o-mini', resp: 'gpt-4o-mini-2024-07-18', provider: 'openai', input: 7, output: 3,
        status: 200, attempts: 1, requestId: res.headers.get('x-sluice-request-id'),
      },
    );
    assert.equal(server.attrs['error.type'], undefined);
    assert.deepEqual(server.status, {});
    assert.ok(BigInt(server.startTimeUnixNano) <= BigInt(attempt.startTimeUnixNano));
    assert.ok(BigInt(attempt.endTimeUnixNano) <= BigInt(server.endTimeUnixNano));

    assert.equal(attempt.name, 'chat gpt-4o-mini-2024-07-18');
    assert.equal(attempt.attrs['gen_ai.request.model'], 'gpt-4o-mini-2024-07-18');
    assert.equal(attempt.attrs['gen_ai.system'], 'openai');
    assert.equal(attempt.attrs['server.address'], '127.0.0.1');
    assert.equal(attempt.attrs['server.port'], Number(new URL(primary.baseUrl).port));
    assert.equal(attempt.attrs['http.response.status_code'], 200);
    assert.equal(attempt.attrs['sluice.backend'], 'primary');
    assert.equal(attempt.attrs['gen_ai.usage.output_tokens'], 3);

    const post = collector.posts[0];
    assert.equal(post.method, 'POST');
    assert.equal(post.url, '/v1/traces');
    assert.equal(post.contentType, 'application/json');

    const id = res.headers.get('x-sluice-request-id');
    const line = await waitFor(() => gw.accessLog().find((l) => l.request_id === id), 5000, { what: 'the access-log line' });
    assert.equal(line.trace_id, traceId);
  });

  it('starts a new trace when the client sent none (streaming)', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat('gpt-4o-mini', { stream: true }), {
      headers: { 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.ok(res.done);
    const tp = parseTraceparent(primary.find(tag).headers.traceparent);
    assert.equal(tp.flags, '01');
    const spans = await spansOf(tp.traceId, 2);
    const server = spans.find((s) => s.kind === SERVER);
    const attempt = spans.find((s) => s.kind === CLIENT);
    assert.equal(server.parentSpanId ?? '', '');
    assert.equal(attempt.parentSpanId, server.spanId);
    assert.equal(attempt.spanId, tp.spanId);
    assert.equal(server.attrs['sluice.stream'], true);
    assert.equal(typeof server.attrs['sluice.ttft_ms'], 'number');
  });

  it('shows a failover as two attempt spans, each the parent of its own upstream request', T, async () => {
    const tag = randomUUID();
    const traceId = randomUUID().replace(/-/g, '');
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('failover'), {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-fake-tag': tag, 'x-fake-status': '500' },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-sluice-attempts'), '2');
    const spans = await spansOf(traceId, 3);
    const server = spans.find((s) => s.kind === SERVER);
    const attempts = spans.filter((s) => s.kind === CLIENT).sort((a, b) => a.attrs['sluice.attempt'] - b.attrs['sluice.attempt']);
    assert.equal(attempts.length, 2);
    for (const a of attempts) assert.equal(a.parentSpanId, server.spanId);
    const [failed, served] = attempts;

    assert.equal(failed.attrs['sluice.backend'], 'primary');
    assert.equal(failed.attrs['http.response.status_code'], 500);
    assert.equal(failed.attrs['error.type'], 'provider_server_error');
    assert.equal(failed.status.code, 2);
    assert.equal(served.attrs['sluice.backend'], 'secondary');
    assert.equal(served.attrs['http.response.status_code'], 200);
    assert.equal(served.attrs['error.type'], undefined);
    assert.equal(server.attrs['sluice.attempts'], 2);
    assert.equal(server.attrs['sluice.backend'], 'secondary');

    assert.equal(parseTraceparent(primary.find(tag).headers.traceparent).spanId, failed.spanId);
    assert.equal(parseTraceparent(secondary.find(tag).headers.traceparent).spanId, served.spanId);
  });

  it('records an error on the server span when every attempt fails', T, async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o-mini'), {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, 'x-fake-status': '503' },
    });
    assert.equal(res.status, 503);
    // A request's spans are submitted together: once its server span is in, its attempts are too.
    const spans = await waitFor(() => {
      const s = collector.trace(traceId);
      return s.some((x) => x.kind === SERVER) && s;
    }, 10_000, { what: 'the server span' });
    const server = spans.find((s) => s.kind === SERVER);
    assert.equal(spans.filter((s) => s.kind === CLIENT).length, server.attrs['sluice.attempts']);
    assert.ok(server.attrs['sluice.attempts'] >= 2);
    assert.equal(server.attrs['http.response.status_code'], 503);
    assert.equal(server.attrs['error.type'], res.json.error.code);
    assert.equal(server.status.code, 2);
    assert.ok(spans.filter((s) => s.kind === CLIENT).every((s) => s.status.code === 2));
  });

  it('does not record a trace the client did not sample, and passes its traceparent on', T, async () => {
    const tag = randomUUID();
    const unsampled = `00-${randomUUID().replace(/-/g, '')}-b7ad6b7169203331-00`;
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o-mini'), {
      headers: { traceparent: unsampled, 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.equal(primary.find(tag).headers.traceparent, unsampled);
    // A sampled request afterwards (same worker): once its spans are in, the first one's would be.
    const traceId = randomUUID().replace(/-/g, '');
    await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o-mini'), {
      headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    });
    await spansOf(traceId, 2);
    assert.equal(collector.trace(unsampled.slice(3, 35)).length, 0);
    assert.ok((await metricValue(gw.adminUrl, 'sluice_trace_spans_exported_total')) >= 2);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_trace_spans_dropped_total'), 0);
  });
});

describe('tracing: sampling and reload', () => {
  let fake, gw2;
  const config = (tracing) => ({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 1,
    access_log: 'stdout',
    ...(tracing ? { tracing } : {}),
    providers: [{ name: 'fake', type: 'openai', base_url: fake.baseUrl, forward_headers: ['x-fake-*'] }],
    models: [{ name: 'm', provider: 'fake' }],
  });
  before(async () => {
    fake = await startFakeProvider();
    gw2 = await startGateway(config(undefined));
  }, T);
  after(() => closeAll(gw2, fake), T);

  it('a reload turns tracing on; sample_ratio 0 records only traces the client sampled', T, async () => {
    const ask = async (headers) => {
      const tag = randomUUID();
      const res = await postJson(`${gw2.url}/v1/chat/completions`, chat('m'), { headers: { ...headers, 'x-fake-tag': tag } });
      assert.equal(res.status, 200, res.text);
      const id = res.headers.get('x-sluice-request-id');
      const line = await waitFor(() => gw2.accessLog().find((l) => l.request_id === id), 5000, { what: 'the access-log line' });
      return { upstream: fake.find(tag).headers, line };
    };
    // Off: nothing is added.
    let r = await ask({});
    assert.equal(r.upstream.traceparent, undefined);
    assert.equal(r.line.trace_id, undefined);
    assert.equal(r.line.cache, 'none');

    await gw2.reload(config({ otlp_endpoint: collector.url, sample_ratio: 0, flush_interval: '50ms' }));
    r = await ask({});  // a new trace, not sampled
    assert.equal(r.upstream.traceparent, undefined);
    assert.equal(r.line.trace_id, undefined);

    const traceId = randomUUID().replace(/-/g, '');
    r = await ask({ traceparent: `00-${traceId}-b7ad6b7169203331-01` });  // the client sampled it
    const spans = await spansOf(traceId, 2);
    assert.equal(parseTraceparent(r.upstream.traceparent).spanId, spans.find((s) => s.kind === CLIENT).spanId);
    assert.equal(r.line.trace_id, traceId);
    assert.equal(spans[0].resource['service.name'], 'sluice');
  });
});
