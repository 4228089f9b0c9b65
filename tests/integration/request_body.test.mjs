// The upstream body of an OpenAI request: the client's text with only the served model name (and,
// for streams, stream_options) changed, when the one-pass scan read it; the DOM re-serialised,
// with duplicate keys resolved, when it did not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, streamSSE } from '../lib/http.mjs';

const T = { timeout: 20_000 };

let fake;
let gw;
let chatUrl;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
  chatUrl = `${gw.url}/v1/chat/completions`;
}, T);

after(() => closeAll(gw, fake), T);

describe('upstream request body', () => {
  it('keeps the client text and splices in the served model name', T, async () => {
    const tag = randomUUID();
    // Whitespace, a non-ASCII character, an escape and a number as the client wrote them.
    const body = '{ "model" : "mini",\n  "messages": [{"role":"user","content":"caf\u00e9 \\u00e9"}],' +
      ' "temperature": 0.70, "max_tokens": 5 }';
    const res = await postJson(chatUrl, body, { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200, res.text);
    const up = fake.find(tag);
    const want = body.replace('"mini"', '"gpt-4o-mini-2024-07-18"');
    assert.equal(up.rawBody.toString(), want);
  });

  it('sends the client text unchanged when the model name is served as asked', T, async () => {
    const tag = randomUUID();
    const body = '{"messages":[{"role":"user","content":"hi"}],\t"model":"passed-through",  "n":1e0}';
    const res = await postJson(chatUrl, body, { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200, res.text);
    assert.equal(fake.find(tag).rawBody.toString(), body);
  });

  it('adds stream_options.include_usage to a streamed request as text', T, async () => {
    const tag = randomUUID();
    const body = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}';
    const res = await streamSSE(chatUrl, body, { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.done);
    const up = fake.find(tag);
    assert.equal(up.rawBody.toString(),
      '{"model":"gpt-4o-mini-2024-07-18","stream":true,"messages":[{"role":"user","content":"hi"}]' +
      ',"stream_options":{"include_usage":true}}');
    assert.ok(!res.events.some((e) => e.json && e.json.usage), 'the added usage chunk is not relayed');
  });

  it('sends one value for a duplicated key: the one the gateway routed on', T, async () => {
    const tag = randomUUID();
    const body = '{"model":"nope","model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],' +
      '"max_tokens":1,"max_tokens":7}';
    const res = await postJson(chatUrl, body, { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200, res.text);
    const up = fake.find(tag);
    const raw = up.rawBody.toString();
    assert.equal((raw.match(/"model"/g) || []).length, 1, raw);
    assert.equal((raw.match(/"max_tokens"/g) || []).length, 1, raw);
    assert.equal(up.body.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(up.body.max_tokens, 7);
  });
});
