// The built-in simulated provider (type: sim, tokens: 5, embedding_dims: 8): deterministic answers
// with real usage numbers, offline.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, streamSSE, contentDeltas } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const chat = (extra = {}) => ({ model: 'sim', messages: [{ role: 'user', content: 'Tell me about sluices.' }], ...extra });

let gw;

before(async () => {
  // No fake upstream at all: the sim model must work on its own.
  gw = await startGateway(baseConfig({}));
}, T);

after(() => closeAll(gw), T);

describe('sim chat completions', () => {
  it('answers with deterministic content and configured usage', T, async () => {
    const a = await postJson(`${gw.url}/v1/chat/completions`, chat());
    const b = await postJson(`${gw.url}/v1/chat/completions`, chat());
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.object, 'chat.completion');
    assert.equal(a.json.choices[0].message.role, 'assistant');
    const content = a.json.choices[0].message.content;
    assert.equal(typeof content, 'string');
    assert.ok(content.length > 0);
    assert.equal(b.json.choices[0].message.content, content, 'same request, same content');
    assert.equal(a.json.usage.completion_tokens, 5);
    assert.ok(a.json.usage.prompt_tokens > 0);
    assert.equal(a.json.usage.total_tokens, a.json.usage.prompt_tokens + a.json.usage.completion_tokens);
    assert.equal(a.headers.get('x-sluice-backend'), 'sim');
    assert.equal(a.headers.get('x-sluice-attempts'), '1');
    assert.ok(a.headers.get('x-sluice-request-id'));
  });

  it('caps completion tokens at max_tokens', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat({ max_tokens: 2 }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.usage.completion_tokens, 2);
  });

  it('streams 5 content events then [DONE]', T, async () => {
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    assert.equal(res.status, 200, res.text);
    assert.match(res.contentType, /^text\/event-stream/);
    assert.equal(contentDeltas(res.events).length, 5);
    assert.equal(res.events.at(-1).data, '[DONE]');
    assert.ok(res.endedCleanly);
    for (const e of res.events.slice(0, -1)) {
      assert.ok(e.json, `event is JSON: ${e.data}`);
      assert.equal(e.json.object, 'chat.completion.chunk');
    }
    assert.ok(!res.events.some((e) => Array.isArray(e.json?.choices) && e.json.choices.length === 0), 'no usage chunk unasked');
  });

  it('streams a usage chunk when asked', T, async () => {
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, chat({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(res.status, 200, res.text);
    const usage = res.events.find((e) => Array.isArray(e.json?.choices) && e.json.choices.length === 0);
    assert.ok(usage, 'usage chunk present');
    assert.equal(usage.json.usage.completion_tokens, 5);
    assert.ok(usage.json.usage.prompt_tokens > 0);
    assert.ok(res.done);
  });

  it('logs sim requests with tokens', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat());
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.model, 'sim');
    assert.equal(line.backend, 'sim');
    assert.equal(line.status, 200);
    assert.equal(line.error_code, null);
    assert.equal(line.output_tokens, 5);
    assert.ok(line.input_tokens > 0);
  });
});

describe('sim embeddings', () => {
  const embed = (input) => postJson(`${gw.url}/v1/embeddings`, { model: 'sim', input });

  it('returns one vector of embedding_dims floats per input', T, async () => {
    const res = await embed(['a', 'b']);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'list');
    assert.equal(res.json.data.length, 2);
    res.json.data.forEach((d, i) => {
      assert.equal(d.object, 'embedding');
      assert.equal(d.index, i);
      assert.equal(d.embedding.length, 8);
      assert.ok(d.embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
    });
    assert.ok(res.json.usage.prompt_tokens > 0);
    assert.equal(res.headers.get('x-sluice-backend'), 'sim');
  });

  it('is deterministic per input and differs between inputs', T, async () => {
    const a = await embed(['a', 'b']);
    const b = await embed(['a', 'b']);
    assert.deepEqual(a.json.data.map((d) => d.embedding), b.json.data.map((d) => d.embedding));
    assert.notDeepEqual(a.json.data[0].embedding, a.json.data[1].embedding, '"a" and "b" differ');
    const c = await embed('a');
    assert.equal(c.json.data.length, 1);
    assert.deepEqual(c.json.data[0].embedding, a.json.data[0].embedding, 'a string input embeds like a one-element list');
  });
});
