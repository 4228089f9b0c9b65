// End to end with the official `openai` npm SDK, as a user would call the gateway.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const messages = [{ role: 'user', content: 'Say hello' }];

let fake;
let gw;
let client;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('openai SDK: success paths', () => {
  it('chat.completions.create (non-streaming)', T, async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0].message.content, 'fake answer');
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(data.usage.total_tokens, 10);
    assert.equal(response.headers.get('x-sluice-backend'), 'fake');
    assert.ok(response.headers.get('x-sluice-request-id'));
  });

  it('chat.completions.create (streaming)', T, async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: { 'x-fake-chunks': '6' } },
    );
    let text = '';
    let finish = null;
    let sawUsage = false;
    for await (const chunk of stream) {
      if (chunk.usage) sawUsage = true;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(text, 'tok0 tok1 tok2 tok3 tok4 tok5 ');
    assert.equal(finish, 'stop');
    assert.equal(sawUsage, false, 'no usage chunk without stream_options');
  });

  it('chat.completions.create (streaming with include_usage)', T, async () => {
    const stream = await client.chat.completions.create({
      model: 'mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage = null;
    let text = '';
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.deepEqual(usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it('completions.create', T, async () => {
    const res = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say hello' });
    assert.equal(res.choices[0].text, 'fake answer');
  });

  it('embeddings.create (SDK default base64 encoding)', T, async () => {
    const res = await client.embeddings.create({ model: 'gpt-4o-mini', input: ['a', 'b'] });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[0].embedding.length, 4);
    assert.ok(res.data[0].embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
    assert.notDeepEqual(res.data[0].embedding, res.data[1].embedding);
  });

  it('embeddings.create (float encoding)', T, async () => {
    const res = await client.embeddings.create({ model: 'gpt-4o-mini', input: 'a', encoding_format: 'float' });
    assert.equal(res.data.length, 1);
    assert.ok(Array.isArray(res.data[0].embedding));
    assert.equal(res.data[0].embedding.length, 4);
  });

  it('embeddings.create against the sim model', T, async () => {
    const res = await client.embeddings.create({ model: 'sim', input: ['a', 'b'] });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[0].embedding.length, 8);
    assert.ok(res.data.every((d) => d.embedding.every((x) => Number.isFinite(x))));
  });

  it('models.list', T, async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    for (const id of ['gpt-4o-mini', 'mini', 'sim']) assert.ok(ids.includes(id), `${id} in ${ids}`);
  });

  it('streams from the sim model', T, async () => {
    const stream = await client.chat.completions.create({ model: 'sim', messages, stream: true });
    let n = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) n++;
    assert.equal(n, 5);
  });
});

describe('openai SDK: errors', () => {
  it('an upstream 429 is a RateLimitError with code provider_rate_limited', T, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-fake-status': '429', 'x-fake-retry-after': '1' } }),
      (err) => {
        assert.ok(err instanceof OpenAI.RateLimitError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 429);
        assert.equal(err.code, 'provider_rate_limited');
        assert.equal(err.headers.get('retry-after'), '1');
        assert.ok(err.headers.get('x-sluice-request-id'));
        return true;
      },
    );
  });

  it('a bad request is a BadRequestError with code caller_invalid_request', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }), (err) => {
      assert.ok(err instanceof OpenAI.BadRequestError, `got ${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'caller_invalid_request');
      assert.equal(err.param, 'messages');
      return true;
    });
  });

  it('an upstream 500 is an InternalServerError-class error with code provider_server_error', T, async () => {
    await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-fake-status': '500' } }), (err) => {
      assert.ok(err instanceof OpenAI.InternalServerError, `got ${err?.constructor?.name}`);
      assert.equal(err.status, 502);
      assert.equal(err.code, 'provider_server_error');
      return true;
    });
  });

  it('a mid-stream failure surfaces as an APIError from the stream iterator', T, async () => {
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages, stream: true },
      { headers: { 'x-fake-reset-after': '2', 'x-fake-chunks': '5' } },
    );
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
      (err) => {
        assert.ok(err instanceof OpenAI.APIError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.code, 'provider_connection_failed');
        return true;
      },
    );
    assert.equal(text, 'tok0 tok1 ');
  });

  it('an unknown model (no wildcard) is a NotFoundError', T, async () => {
    const strict = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl, wildcard: false }));
    try {
      const c = new OpenAI({ baseURL: `${strict.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
      await assert.rejects(c.chat.completions.create({ model: 'no-such-model', messages }), (err) => {
        assert.ok(err instanceof OpenAI.NotFoundError, `got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 404);
        assert.equal(err.code, 'caller_unknown_model');
        return true;
      });
    } finally {
      await strict.stop();
    }
  });
});
