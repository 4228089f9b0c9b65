// End to end: the official `openai` and `@anthropic-ai/sdk` clients through the gateway to a
// Gemini generateContent upstream (the fake provider's Gemini dialect).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const weather = {
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let fake;
let gw;
let openai;
let anthropic;

function lastUpstream() {
  const r = fake.requests.filter((x) => x.path.includes('/models/')).at(-1);
  assert.ok(r, 'the fake received a Gemini request');
  return r;
}

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(
    baseConfig({
      wildcard: false,
      extraProviders: [
        {
          name: 'fake-gemini',
          type: 'gemini',
          base_url: `${fake.url}/v1beta`,
          api_key: 'gm-upstream',
          read_timeout: '2s',
          forward_headers: ['x-fake-*'],
        },
      ],
      extraModels: [
        { name: 'gemini', provider: 'fake-gemini', upstream_model: 'gemini-2.5-flash' },
        { name: 'gemini-embed', provider: 'fake-gemini', upstream_model: 'text-embedding-004' },
      ],
    }),
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('openai SDK → gemini upstream', () => {
  it('chat.completions.create: the request is a generateContent body', T, async () => {
    const completion = await openai.chat.completions.create(
      {
        model: 'gemini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Say hello' },
        ],
        max_tokens: 40,
        temperature: 0.3,
      },
      { headers: { 'x-fake-usage': '6,3' } },
    );
    assert.equal(completion.choices[0].message.content, 'fake answer');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.deepEqual(completion.usage, { prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 });
    const up = lastUpstream();
    assert.equal(up.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(up.headers['x-goog-api-key'], 'gm-upstream');
    assert.deepEqual(up.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(up.body.contents, [{ role: 'user', parts: [{ text: 'Say hello' }] }]);
    assert.equal(up.body.generationConfig.maxOutputTokens, 40);
    assert.equal(up.body.generationConfig.temperature, 0.3);
  });

  it('streaming with include_usage', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'gemini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-fake-chunks': '3', 'x-fake-usage': '5,3' } },
    );
    let text = '';
    let usage = null;
    let finish = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(finish, 'stop');
    assert.equal(usage.prompt_tokens, 5);
    assert.equal(usage.completion_tokens, 3);
    const up = lastUpstream();
    assert.equal(up.url, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('streamed tool call', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'gemini', messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: weather }], stream: true },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '0' } },
    );
    let args = '';
    let name = '';
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        finish = c.finish_reason ?? finish;
        for (const tc of c.delta?.tool_calls ?? []) {
          name ||= tc.function?.name ?? '';
          args += tc.function?.arguments ?? '';
        }
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
    assert.equal(lastUpstream().body.tools[0].functionDeclarations[0].name, 'get_weather');
  });

  it('a Gemini 429 is provider_rate_limited', T, async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-fake-status': '429' } }),
      (err) => {
        assert.equal(err.status, 429);
        assert.equal(err.code, 'provider_rate_limited');
        return true;
      },
    );
  });
});

describe('openai SDK embeddings → gemini batchEmbedContents', () => {
  it('one vector per input, dimensions passed on', T, async () => {
    const res = await openai.embeddings.create({ model: 'gemini-embed', input: ['alpha', 'beta'], dimensions: 3 });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[0].embedding.length, 3);
    assert.equal(res.data[1].index, 1);
    assert.ok(res.usage.prompt_tokens > 0);
    const up = fake.requests.at(-1);
    assert.equal(up.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.deepEqual(up.body.requests[0], {
      model: 'models/text-embedding-004',
      content: { parts: [{ text: 'alpha' }] },
      outputDimensionality: 3,
    });
    // The SDK asked for base64; the floats survive the round trip (float32 precision).
    const direct = await openai.embeddings.create({ model: 'gemini-embed', input: 'alpha', dimensions: 3, encoding_format: 'float' });
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(direct.data[0].embedding[i] - res.data[0].embedding[i]) < 1e-6);
  });

  it('token-id inputs cannot be sent to Gemini', T, async () => {
    await assert.rejects(openai.embeddings.create({ model: 'gemini-embed', input: [[1, 2, 3]] }), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'caller_unsupported_feature');
      assert.equal(err.param, 'input');
      return true;
    });
  });
});

describe('anthropic SDK → gemini upstream', () => {
  it('messages.create with a tool call', T, async () => {
    const msg = await anthropic.messages.create(
      { model: 'gemini', max_tokens: 64, messages: [{ role: 'user', content: 'weather?' }], tools: [{ name: weather.name, description: weather.description, input_schema: weather.parameters }] },
      { headers: { 'x-fake-tool-call': 'get_weather' } },
    );
    assert.equal(msg.stop_reason, 'tool_use');
    assert.equal(msg.content[0].type, 'tool_use');
    assert.deepEqual(msg.content[0].input, { city: 'Paris' });
  });

  it('messages.stream', T, async () => {
    const stream = anthropic.messages.stream(
      { model: 'gemini', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-fake-chunks': '2', 'x-fake-usage': '4,2' } },
    );
    let text = '';
    stream.on('text', (t) => (text += t));
    const msg = await stream.finalMessage();
    assert.equal(text, 'tok0 tok1 ');
    assert.equal(msg.usage.input_tokens, 4);
    assert.equal(msg.usage.output_tokens, 2);
  });
});
