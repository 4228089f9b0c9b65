// W3C trace context: a valid traceparent (and its tracestate) is propagated upstream unchanged;
// a malformed one is not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 20_000 };
let fake, gw;
before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
}, T);
after(async () => {
  await gw?.stop();
  await fake?.close();
}, T);

async function upstreamHeadersFor(headers) {
  const tag = randomUUID();
  const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
    { headers: { ...headers, 'x-fake-tag': tag } });
  assert.equal(res.status, 200, res.text);
  return fake.find(tag).headers;
}

describe('trace context', () => {
  it('propagates a valid traceparent and tracestate upstream', T, async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const h = await upstreamHeadersFor({ traceparent, tracestate: 'vendor=opaque' });
    assert.equal(h.traceparent, traceparent);
    assert.equal(h.tracestate, 'vendor=opaque');
  });

  it('drops a malformed traceparent', T, async () => {
    for (const bad of ['00-xyz', '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']) {
      const h = await upstreamHeadersFor({ traceparent: bad, tracestate: 'a=b' });
      assert.equal(h.traceparent, undefined, bad);
      assert.equal(h.tracestate, undefined);
    }
  });

  it('sends no trace headers when the client sent none', T, async () => {
    const h = await upstreamHeadersFor({});
    assert.equal(h.traceparent, undefined);
  });
});
