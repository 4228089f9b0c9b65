// SSE relay: event order, [DONE], usage injection/stripping, split events, event-by-event relay,
// mid-stream failures and client cancellation.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, waitFor, closeAll } from '../lib/gateway.mjs';
import { streamSSE, contentDeltas, postJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const streamBody = (extra = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
  ...extra,
});

let fake;
let gw;
let chatUrl;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
  chatUrl = `${gw.url}/v1/chat/completions`;
}, T);

after(() => closeAll(gw, fake), T);

const hasEmptyChoices = (e) => Array.isArray(e.json?.choices) && e.json.choices.length === 0;

function assertWellFormed(res) {
  for (const e of res.events) {
    if (e.data === '[DONE]') continue;
    assert.ok(e.json, `every event is JSON: ${JSON.stringify(e.data).slice(0, 200)}`);
  }
}

describe('streaming chat completions', () => {
  it('counts streams in flight in sluice_active_streams', T, async () => {
    let release;
    const firstEvent = new Promise((r) => (release = r));
    const running = streamSSE(chatUrl, streamBody(), {
      headers: { 'x-fake-chunks': '6', 'x-fake-chunk-delay-ms': '150' },
      onEvent: () => release(),
    });
    await firstEvent;
    assert.equal(await metricValue(gw.adminUrl, 'sluice_active_streams'), 1);
    assert.ok((await running).done);
    await waitFor(async () => (await metricValue(gw.adminUrl, 'sluice_active_streams')) === 0, 5000,
      { what: 'no stream in flight' });
  });

  it('relays every content event in order, then [DONE]', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody(), { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.contentType, /^text\/event-stream/);
    assert.ok(res.headers.get('x-sluice-request-id'));
    assert.equal(res.headers.get('x-sluice-backend'), 'fake');
    assert.equal(res.headers.get('x-sluice-attempts'), '1');
    assert.ok(res.endedCleanly, `stream ended cleanly (${res.readError})`);
    assertWellFormed(res);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
    assert.equal(res.events.at(-1).data, '[DONE]', 'last event is [DONE]');
    assert.equal(res.events.filter((e) => e.data === '[DONE]').length, 1, 'exactly one [DONE]');
    const finish = res.events.find((e) => e.json?.choices?.[0]?.finish_reason === 'stop');
    assert.ok(finish, 'the finish_reason chunk is relayed');
    assert.ok(res.events.indexOf(finish) > res.events.findIndex((e) => contentDeltas([e]).includes('tok2 ')));
  });

  it('asks upstream for usage but does not show the usage chunk to a client that did not ask', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody(), { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200);
    const up = fake.find(tag);
    assert.ok(up, 'request reached the fake');
    assert.equal(up.body.stream, true);
    assert.equal(up.body.stream_options?.include_usage, true, 'stream_options.include_usage added upstream');
    assert.ok(up.events.some((e) => e.kind === 'usage'), 'the fake did send a usage chunk');
    assert.ok(!res.events.some(hasEmptyChoices), 'no usage chunk (empty choices) reached the client');
    assert.ok(!res.events.some((e) => e.json?.usage), 'no usage object reached the client');
    assert.ok(res.done);

    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.status, 200);
    assert.equal(line.error_code, null);
    assert.equal(line.input_tokens, 7);
    assert.equal(line.output_tokens, 3);
    assert.equal(typeof line.ttft_ms, 'number');
    assert.ok(line.ttft_ms >= 0);
    assert.ok(line.duration_ms >= line.ttft_ms, 'duration_ms >= ttft_ms');
  });

  it('treats stream_options.include_usage: false like not asking', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody({ stream_options: { include_usage: false } }), {
      headers: { 'x-fake-tag': tag },
    });
    assert.equal(res.status, 200);
    assert.equal(fake.find(tag).body.stream_options?.include_usage, true);
    assert.ok(!res.events.some(hasEmptyChoices));
    assert.ok(res.done);
  });

  it('relays the usage chunk to a client that asked for it', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody({ stream_options: { include_usage: true } }), {
      headers: { 'x-fake-tag': tag, 'x-fake-usage': '11,3' },
    });
    assert.equal(res.status, 200);
    assert.equal(fake.find(tag).body.stream_options?.include_usage, true);
    const usageEvents = res.events.filter(hasEmptyChoices);
    assert.equal(usageEvents.length, 1, 'one usage chunk');
    assert.deepEqual(usageEvents[0].json.usage, { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
    const iUsage = res.events.indexOf(usageEvents[0]);
    assert.equal(res.events[iUsage + 1]?.data, '[DONE]', 'the usage chunk comes right before [DONE]');
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.input_tokens, 11);
    assert.equal(line.output_tokens, 3);
  });

  it('reassembles events the upstream wrote in two pieces', T, async () => {
    const res = await streamSSE(chatUrl, streamBody({ stream_options: { include_usage: true } }), {
      headers: { 'x-fake-split': '1', 'x-fake-chunks': '4' },
    });
    assert.equal(res.status, 200);
    assert.ok(res.endedCleanly);
    assertWellFormed(res);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ']);
    assert.equal(res.events.filter(hasEmptyChoices).length, 1);
    assert.equal(res.events.at(-1).data, '[DONE]');
  });

  it('relays a long stream completely and in order', T, async () => {
    const n = 300;
    const res = await streamSSE(chatUrl, streamBody(), { headers: { 'x-fake-chunks': String(n) } });
    assert.equal(res.status, 200);
    const expected = Array.from({ length: n }, (_, i) => `tok${i} `);
    assert.deepEqual(contentDeltas(res.events), expected);
    assert.ok(res.done);
  });

  it('parses upstream SSE with comments and CRLF line endings', T, async () => {
    const c = (content) =>
      JSON.stringify({
        id: 'chatcmpl-raw',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, delta: { content }, finish_reason: null }],
      });
    const raw = `: keep-alive\\r\\n\\r\\ndata: ${c('alpha ')}\\r\\n\\r\\n: ping\\n\\ndata: ${c('beta')}\\n\\ndata: [DONE]\\n\\n`;
    const res = await streamSSE(chatUrl, streamBody(), { headers: { 'x-fake-raw-sse': raw } });
    assert.equal(res.status, 200);
    assert.deepEqual(contentDeltas(res.events), ['alpha ', 'beta']);
    assert.ok(res.done);
  });

  it('completes a stream whose upstream never reports usage', T, async () => {
    const res = await streamSSE(chatUrl, streamBody(), { headers: { 'x-fake-no-usage': '1' } });
    assert.equal(res.status, 200);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
    assert.ok(res.done);
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.status, 200);
    assert.equal(line.error_code, null);
  });

  it('relays event by event: the first content event arrives before the upstream sends the last', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody(), {
      headers: { 'x-fake-tag': tag, 'x-fake-chunk-delay-ms': '300', 'x-fake-chunks': '3' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
    const up = fake.find(tag);
    const sent = up.events.filter((e) => e.kind === 'content');
    assert.equal(sent.length, 3);
    const received = res.events.filter((e) => contentDeltas([e]).length);
    // Same clock (performance.now() of this process) for the fake's send and the client's receive.
    assert.ok(
      received[0].t < sent[2].t,
      `first content event received at ${received[0].t.toFixed(1)} ms, last sent upstream at ${sent[2].t.toFixed(1)} ms`,
    );
    for (let i = 0; i < 3; i++) {
      assert.ok(received[i].t >= sent[i].t, `event ${i} cannot arrive before it was sent`);
      if (i + 1 < 3) assert.ok(received[i].t < sent[i + 1].t, `event ${i} arrived before event ${i + 1} was sent`);
    }
  });

  it('ends with an error event, without [DONE], when the upstream resets mid-stream', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(chatUrl, streamBody(), {
      headers: { 'x-fake-tag': tag, 'x-fake-reset-after': '2', 'x-fake-chunks': '5' },
    });
    assert.equal(res.status, 200, 'the 200 was already sent');
    assert.equal(fake.find(tag).outcome, 'reset');
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ']);
    assert.ok(!res.done, 'no [DONE] after a failure');
    const last = res.events.at(-1);
    assert.ok(last.json?.error, `last event is an error event: ${last.data}`);
    assert.equal(last.json.error.code, 'provider_connection_failed');
    assert.equal(typeof last.json.error.message, 'string');
    assert.equal(typeof last.json.error.type, 'string');

    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.status, 200);
    assert.equal(line.error_code, 'provider_connection_failed');
    assert.equal(line.backend, 'fake');
  });

  it('answers 504 provider_timeout when the upstream goes silent before any content', T, async () => {
    // read_timeout is 2s; the fake sends the role chunk at once, then waits 4s before each event.
    // The role chunk carries no content, so it is held back and the failure is still a clean error.
    const res = await streamSSE(chatUrl, streamBody(), {
      headers: { 'x-fake-chunk-delay-ms': '4000', 'x-fake-chunks': '2' },
    });
    assert.equal(res.status, 504, res.text);
    assert.equal(res.json?.error?.code, 'provider_timeout');
  });

  it('ends with a provider_timeout error event when the upstream goes silent mid-stream', T, async () => {
    // Content was delivered, then the upstream stalls longer than read_timeout (2s).
    const res = await streamSSE(chatUrl, streamBody(), {
      headers: { 'x-fake-stall-after': '1', 'x-fake-chunks': '3' },
    });
    assert.equal(res.status, 200);
    assert.ok(!res.done);
    assert.deepEqual(contentDeltas(res.events), ['tok0 ']);
    const last = res.events.at(-1);
    assert.equal(last?.json?.error?.code, 'provider_timeout', `last event: ${last?.data}`);
  });

  it('closes the upstream request when the client goes away', T, async () => {
    const tag = randomUUID();
    const ac = new AbortController();
    const res = await fetch(chatUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-tag': tag, 'x-fake-chunks': '50', 'x-fake-chunk-delay-ms': '100' },
      body: JSON.stringify(streamBody()),
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    let text = '';
    const dec = new TextDecoder();
    while (!text.includes('tok0 ')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'stream ended before the first content event');
      text += dec.decode(value, { stream: true });
    }
    ac.abort();
    const up = fake.find(tag);
    await waitFor(() => up.outcome === 'client_closed', 10_000, { what: 'the gateway to close the upstream stream' });
    assert.ok(up.events.filter((e) => e.kind === 'content').length < 50, 'the upstream stream was cut short');
    const ok = await postJson(chatUrl, { ...streamBody(), stream: false });
    assert.equal(ok.status, 200);
  });
});

describe('streaming completions', () => {
  it('relays /v1/completions streams and [DONE]', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(
      `${gw.url}/v1/completions`,
      { model: 'gpt-4o-mini', prompt: 'say hi', stream: true },
      { headers: { 'x-fake-tag': tag } },
    );
    assert.equal(res.status, 200, res.text);
    const texts = res.events.map((e) => e.json?.choices?.[0]?.text).filter((t) => t);
    assert.deepEqual(texts, ['tok0 ', 'tok1 ', 'tok2 ']);
    assert.ok(res.done);
    assert.equal(fake.find(tag).body.model, 'gpt-4o-mini-2024-07-18');
  });
});
