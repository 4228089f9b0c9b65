// End to end: the official `openai` and `@anthropic-ai/sdk` clients through the gateway to an AWS
// Bedrock Converse upstream (the fake provider's Bedrock dialect: SigV4-signed requests, binary
// event-stream responses).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';
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
  const r = fake.requests.filter((x) => x.path.startsWith('/model/')).at(-1);
  assert.ok(r, 'the fake received a Bedrock request');
  return r;
}

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(
    baseConfig({
      wildcard: false,
      extraProviders: [
        {
          name: 'fake-bedrock',
          type: 'bedrock',
          base_url: fake.url,
          aws: { region: 'us-east-1', access_key_id: 'AKIDEXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
          read_timeout: '2s',
          forward_headers: ['x-fake-*'],
        },
      ],
      extraModels: [
        { name: 'bedrock', provider: 'fake-bedrock', upstream_model: MODEL_ID },
        { name: 'titan', provider: 'fake-bedrock', upstream_model: 'amazon.titan-embed-text-v2:0' },
        { name: 'cohere', provider: 'fake-bedrock', upstream_model: 'cohere.embed-english-v3' },
      ],
    }),
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('openai SDK → bedrock upstream', () => {
  it('chat.completions.create: a signed Converse request', T, async () => {
    const completion = await openai.chat.completions.create(
      {
        model: 'bedrock',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Say hello' },
        ],
        max_tokens: 40,
        stop: ['END'],
      },
      { headers: { 'x-fake-usage': '6,3' } },
    );
    assert.equal(completion.choices[0].message.content, 'fake answer');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.equal(completion.usage.prompt_tokens, 6);
    assert.equal(completion.usage.completion_tokens, 3);
    const up = lastUpstream();
    assert.equal(up.url, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse');
    assert.match(up.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    assert.deepEqual(up.body.system, [{ text: 'Be brief.' }]);
    assert.deepEqual(up.body.messages, [{ role: 'user', content: [{ text: 'Say hello' }] }]);
    assert.equal(up.body.inferenceConfig.maxTokens, 40);
    assert.deepEqual(up.body.inferenceConfig.stopSequences, ['END']);
  });

  it('streaming: event-stream frames decoded, usage reported', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'bedrock', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-fake-chunks': '4', 'x-fake-usage': '5,4', 'x-fake-split': '1' } },
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
    assert.equal(text, 'tok0 tok1 tok2 tok3 ');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    assert.equal(lastUpstream().url, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream');
  });

  it('streamed tool call', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'bedrock', messages: [{ role: 'user', content: 'weather?' }], tools: [{ type: 'function', function: weather }], stream: true },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '1' } },
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
    assert.equal(lastUpstream().body.toolConfig.tools[0].toolSpec.name, 'get_weather');
  });

  it('a throttled Bedrock (429) is provider_rate_limited', T, async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'bedrock', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-fake-status': '429' } }),
      (err) => {
        assert.equal(err.status, 429);
        assert.equal(err.code, 'provider_rate_limited');
        return true;
      },
    );
  });
});

describe('openai SDK embeddings → bedrock InvokeModel', () => {
  it('Titan: one text, signed, token count reported', T, async () => {
    const res = await openai.embeddings.create({ model: 'titan', input: 'hello', dimensions: 3 });
    assert.equal(res.data[0].embedding.length, 3);
    assert.equal(res.usage.prompt_tokens, 5);
    const up = lastUpstream();
    assert.equal(up.url, '/model/amazon.titan-embed-text-v2%3A0/invoke');
    assert.deepEqual(up.body, { inputText: 'hello', dimensions: 3 });
  });

  it('Titan refuses several texts; Cohere takes them', T, async () => {
    await assert.rejects(openai.embeddings.create({ model: 'titan', input: ['a', 'b'] }), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'caller_unsupported_feature');
      assert.equal(err.param, 'input');
      return true;
    });
    const res = await openai.embeddings.create({ model: 'cohere', input: ['a', 'b'] });
    assert.equal(res.data.length, 2);
    assert.deepEqual(lastUpstream().body, { texts: ['a', 'b'], input_type: 'search_document' });
  });
});

describe('anthropic SDK → bedrock upstream', () => {
  it('messages.stream with a tool call', T, async () => {
    const stream = anthropic.messages.stream(
      {
        model: 'bedrock',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'weather?' }],
        tools: [{ name: weather.name, description: weather.description, input_schema: weather.parameters }],
      },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '2' } },
    );
    let text = '';
    stream.on('text', (t) => (text += t));
    const msg = await stream.finalMessage();
    assert.equal(text, 'tok0 tok1 ');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content.find((b) => b.type === 'tool_use').input, { city: 'Paris' });
  });
});
