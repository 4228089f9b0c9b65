// Self-test of the fake upstream (no gateway involved): the other tests are only as good as it is.
// Also checks that the official SDK accepts what the fake sends, so the e2e tests compare like
// with like.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { waitFor, closeAll } from '../lib/gateway.mjs';
import { postJson, getJson, streamSSE, contentDeltas, rawRequest } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const chat = (extra = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...extra });

let fake;
let url;

before(async () => {
  fake = await startFakeProvider();
  url = fake.baseUrl;
}, T);

after(() => closeAll(fake), T);

describe('fake provider', () => {
  it('answers chat completions and records the request', T, async () => {
    const tag = randomUUID();
    const res = await postJson(`${url}/chat/completions`, chat(), { headers: { 'x-fake-tag': tag, authorization: 'Bearer k' } });
    assert.equal(res.status, 200);
    assert.equal(res.json.object, 'chat.completion');
    assert.equal(res.json.model, 'm');
    assert.equal(res.json.choices[0].message.content, 'fake answer');
    assert.deepEqual(res.json.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    const rec = fake.find(tag);
    assert.equal(rec.method, 'POST');
    assert.equal(rec.path, '/v1/chat/completions');
    assert.equal(rec.headers.authorization, 'Bearer k');
    assert.deepEqual(rec.body, chat());
  });

  it('streams role, content, finish, usage only when asked, then [DONE]', T, async () => {
    const plain = await streamSSE(`${url}/chat/completions`, chat({ stream: true }), { headers: { 'x-fake-chunks': '4' } });
    assert.deepEqual(contentDeltas(plain.events), ['tok0 ', 'tok1 ', 'tok2 ', 'tok3 ']);
    assert.equal(plain.events[0].json.choices[0].delta.role, 'assistant');
    assert.ok(!plain.events.some((e) => e.json?.choices?.length === 0));
    assert.equal(plain.events.at(-1).data, '[DONE]');
    assert.equal(plain.events.length, 1 + 4 + 1 + 1);

    const withUsage = await streamSSE(`${url}/chat/completions`, chat({ stream: true, stream_options: { include_usage: true } }));
    const u = withUsage.events.filter((e) => e.json?.choices?.length === 0);
    assert.equal(u.length, 1);
    assert.deepEqual(u[0].json.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    assert.equal(withUsage.events.at(-2), u[0]);

    const noUsage = await streamSSE(`${url}/chat/completions`, chat({ stream: true, stream_options: { include_usage: true } }), {
      headers: { 'x-fake-no-usage': '1' },
    });
    assert.ok(!noUsage.events.some((e) => e.json?.choices?.length === 0));
  });

  it('scripts status, retry-after, usage, body and raw SSE', T, async () => {
    const r = await postJson(`${url}/chat/completions`, chat(), { headers: { 'x-fake-status': '429', 'x-fake-retry-after': '5' } });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '5');
    assert.deepEqual(r.json, { error: { message: 'fake failure', type: 'server_error', param: null, code: null } });

    const u = await postJson(`${url}/chat/completions`, chat(), { headers: { 'x-fake-usage': '2,9' } });
    assert.deepEqual(u.json.usage, { prompt_tokens: 2, completion_tokens: 9, total_tokens: 11 });

    const b = await postJson(`${url}/chat/completions`, chat(), { headers: { 'x-fake-body': '{"broken":' } });
    assert.equal(b.status, 200);
    assert.equal(b.text, '{"broken":');
    assert.match(b.headers.get('content-type'), /application\/json/);

    const raw = await streamSSE(`${url}/chat/completions`, chat({ stream: true }), {
      headers: { 'x-fake-raw-sse': 'data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\\n\\ndata: [DONE]\\n\\n' },
    });
    assert.deepEqual(contentDeltas(raw.events), ['x']);
    assert.ok(raw.done);
  });

  it('splits events across writes and still forms valid SSE', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${url}/chat/completions`, chat({ stream: true }), { headers: { 'x-fake-split': '1', 'x-fake-tag': tag } });
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ', 'tok2 ']);
    assert.ok(res.done);
  });

  it('records event send times with chunk delays', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${url}/chat/completions`, chat({ stream: true }), {
      headers: { 'x-fake-chunk-delay-ms': '50', 'x-fake-tag': tag },
    });
    const sent = fake.find(tag).events.filter((e) => e.kind === 'content');
    assert.equal(sent.length, 3);
    assert.ok(sent[1].t - sent[0].t >= 45 && sent[2].t - sent[1].t >= 45);
    const got = res.events.filter((e) => contentDeltas([e]).length);
    assert.ok(got[0].t < sent[2].t, 'direct: first event arrives before the last is sent');
  });

  it('resets mid-stream after N content chunks', T, async () => {
    const tag = randomUUID();
    const res = await streamSSE(`${url}/chat/completions`, chat({ stream: true }), {
      headers: { 'x-fake-reset-after': '2', 'x-fake-chunks': '5', 'x-fake-tag': tag },
    });
    assert.deepEqual(contentDeltas(res.events), ['tok0 ', 'tok1 ']);
    assert.ok(!res.done);
    assert.ok(res.readError, 'the client sees a broken stream');
    assert.equal(fake.find(tag).outcome, 'reset');
  });

  it('resets before responding (non-stream)', T, async () => {
    const r = await rawRequest(fake.port, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'x-fake-reset-after': '0' },
      body: JSON.stringify(chat()),
    });
    assert.ok(r.closedWithoutResponse);
  });

  it('delays headers and stops when the client leaves', T, async () => {
    const tag = randomUUID();
    await assert.rejects(
      fetch(`${url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fake-delay-ms': '5000', 'x-fake-tag': tag },
        body: JSON.stringify(chat()),
        signal: AbortSignal.timeout(100),
      }),
    );
    const rec = await fake.waitForRequest((r) => r.headers['x-fake-tag'] === tag);
    await waitFor(() => rec.outcome === 'client_closed', 5000, { what: 'the fake to notice the client left' });
  });

  it('serves completions, embeddings (float and base64) and models', T, async () => {
    const c = await postJson(`${url}/completions`, { model: 'm', prompt: 'p' });
    assert.equal(c.json.object, 'text_completion');
    assert.equal(c.json.choices[0].text, 'fake answer');
    const e = await postJson(`${url}/embeddings`, { model: 'm', input: ['a', 'b', 'c'] });
    assert.equal(e.json.data.length, 3);
    assert.deepEqual(e.json.data.map((d) => d.index), [0, 1, 2]);
    assert.equal(e.json.data[0].embedding.length, 4);
    assert.deepEqual(e.json.usage, { prompt_tokens: 7, total_tokens: 7 });
    const e64 = await postJson(`${url}/embeddings`, { model: 'm', input: 'a', encoding_format: 'base64' });
    assert.equal(typeof e64.json.data[0].embedding, 'string');
    const m = await getJson(`${url}/models`);
    assert.equal(m.json.object, 'list');
    const nf = await getJson(`${url}/nope`);
    assert.equal(nf.status, 404);
  });
});

describe('openai SDK against the fake directly', () => {
  let client;
  before(() => {
    client = new OpenAI({ baseURL: url, apiKey: 'sk-direct', maxRetries: 0, timeout: 10_000 });
  });

  it('non-streaming and streaming chat', T, async () => {
    const r = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.choices[0].message.content, 'fake answer');
    const s = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true });
    let text = '';
    for await (const ch of s) text += ch.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'tok0 tok1 tok2 ');
  });

  it('embeddings (base64 decoded by the SDK) and models', T, async () => {
    const e = await client.embeddings.create({ model: 'm', input: ['a', 'b'] });
    assert.equal(e.data[1].embedding.length, 4);
    const direct = await postJson(`${url}/embeddings`, { model: 'm', input: ['a', 'b'] });
    e.data.forEach((d, i) =>
      d.embedding.forEach((x, j) => assert.ok(Math.abs(x - direct.json.data[i].embedding[j]) < 1e-6)),
    );
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.includes('fake-model'));
  });

  it('error classes', T, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-fake-status': '429' } }),
      (err) => err instanceof OpenAI.RateLimitError && err.status === 429,
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-fake-status': '404' } }),
      (err) => err instanceof OpenAI.NotFoundError,
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [] }, { headers: { 'x-fake-status': '400' } }),
      (err) => err instanceof OpenAI.BadRequestError,
    );
  });
});
