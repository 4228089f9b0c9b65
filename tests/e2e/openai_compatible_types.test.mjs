// End to end with the official SDKs: the provider types that speak the OpenAI API with their own
// paths and credentials (azure-openai, dashscope), where OpenAI clients pass through and Anthropic
// clients are translated; and the native Ollama and DashScope APIs, translated for everyone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const messages = [{ role: 'user', content: 'Say hello' }];

let fake;
let gw;
let openai;
let anthropic;

const last = () => fake.requests.at(-1);

before(async () => {
  fake = await startFakeProvider();
  const common = { read_timeout: '2s', forward_headers: ['x-fake-*'] };
  gw = await startGateway(
    baseConfig({
      wildcard: false,
      extraProviders: [
        { name: 'azure', type: 'azure-openai', base_url: fake.url, api_key: 'az-key', api_version: '2024-10-21', ...common },
        { name: 'ollama', type: 'ollama', base_url: fake.url, ...common },
        { name: 'qwen', type: 'dashscope', base_url: fake.baseUrl, api_key: 'ds-key', ...common },
        { name: 'qwen-native', type: 'dashscope-native', base_url: fake.url, api_key: 'ds-key', ...common },
      ],
      extraModels: [
        { name: 'azure-gpt', provider: 'azure', upstream_model: 'my-gpt4o-deployment' },
        { name: 'llama', provider: 'ollama', upstream_model: 'llama3.2' },
        { name: 'qwen', provider: 'qwen', upstream_model: 'qwen-plus' },
        { name: 'qwen-native', provider: 'qwen-native', upstream_model: 'qwen-max' },
      ],
    }),
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('azure-openai', () => {
  it('openai SDK: deployment and api-version in the path, key in api-key', T, async () => {
    const completion = await openai.chat.completions.create({ model: 'azure-gpt', messages });
    assert.equal(completion.choices[0].message.content, 'fake answer');
    const up = last();
    assert.equal(up.url, '/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21');
    assert.equal(up.headers['api-key'], 'az-key');
    assert.equal(up.headers.authorization, undefined);
  });

  it('openai SDK: embeddings and streaming pass through', T, async () => {
    const emb = await openai.embeddings.create({ model: 'azure-gpt', input: 'hi' });
    assert.equal(emb.data.length, 1);
    assert.equal(last().url, '/openai/deployments/my-gpt4o-deployment/embeddings?api-version=2024-10-21');
    const stream = await openai.chat.completions.create({ model: 'azure-gpt', messages, stream: true }, { headers: { 'x-fake-chunks': '2' } });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'tok0 tok1 ');
  });

  it('anthropic SDK: translated to the Azure chat endpoint', T, async () => {
    const msg = await anthropic.messages.create({ model: 'azure-gpt', max_tokens: 16, messages });
    assert.equal(msg.content[0].text, 'fake answer');
    assert.equal(last().url, '/openai/deployments/my-gpt4o-deployment/chat/completions?api-version=2024-10-21');
    assert.equal(last().body.max_tokens, 16);
  });
});

describe('dashscope (OpenAI-compatible mode)', () => {
  it('Bearer key; the anthropic SDK is translated', T, async () => {
    const msg = await anthropic.messages.create({ model: 'qwen', max_tokens: 16, messages });
    assert.equal(msg.content[0].text, 'fake answer');
    assert.equal(last().headers.authorization, 'Bearer ds-key');
    assert.equal(last().body.model, 'qwen-plus');
  });
});

describe('ollama (native /api/chat)', () => {
  it('openai SDK: an /api/chat body, options, no key', T, async () => {
    const completion = await openai.chat.completions.create({ model: 'llama', messages, max_tokens: 20, temperature: 0.4 });
    assert.equal(completion.choices[0].message.content, 'fake answer');
    assert.equal(completion.usage.prompt_tokens, 7);
    const up = last();
    assert.equal(up.path, '/api/chat');
    assert.equal(up.body.model, 'llama3.2');
    assert.equal(up.body.stream, false);
    assert.deepEqual(up.body.options, { temperature: 0.4, num_predict: 20 });
    assert.equal(up.headers.authorization, undefined);
  });

  it('NDJSON streams, split anywhere, become SSE for both SDKs', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'llama', messages, stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-fake-chunks': '3', 'x-fake-split': '1', 'x-fake-usage': '4,3' } },
    );
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.deepEqual(usage, { prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 });
    const ms = anthropic.messages.stream({ model: 'llama', max_tokens: 16, messages }, { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '1' } });
    const msg = await ms.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content.find((b) => b.type === 'tool_use').input, { city: 'Paris' });
  });
});

describe('dashscope-native (text-generation API)', () => {
  it('openai SDK: input.messages + parameters', T, async () => {
    const completion = await openai.chat.completions.create({ model: 'qwen-native', messages, max_tokens: 30 });
    assert.equal(completion.choices[0].message.content, 'fake answer');
    const up = last();
    assert.equal(up.path, '/api/v1/services/aigc/text-generation/generation');
    assert.equal(up.headers.authorization, 'Bearer ds-key');
    assert.equal(up.body.model, 'qwen-max');
    assert.deepEqual(up.body.input.messages, [{ role: 'user', content: 'Say hello' }]);
    assert.equal(up.body.parameters.max_tokens, 30);
    assert.equal(up.body.parameters.result_format, 'message');
  });

  it('streams with X-DashScope-SSE and incremental output', T, async () => {
    const stream = await openai.chat.completions.create({ model: 'qwen-native', messages, stream: true }, { headers: { 'x-fake-chunks': '3' } });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(last().headers['x-dashscope-sse'], 'enable');
    assert.equal(last().body.parameters.incremental_output, true);
  });

  it('a DashScope throttling error is provider_rate_limited', T, async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'qwen-native', messages }, { headers: { 'x-fake-status': '429' } }), (err) => {
      assert.equal(err.status, 429);
      assert.equal(err.code, 'provider_rate_limited');
      return true;
    });
  });
});
