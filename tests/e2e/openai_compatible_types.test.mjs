// End to end: the provider types that speak the OpenAI API with their own paths and credentials
// (azure-openai, ollama, dashscope), with the official SDKs. OpenAI clients pass through; Anthropic
// clients are translated.
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
        { name: 'ollama', type: 'ollama', base_url: fake.baseUrl, ...common },
        { name: 'qwen', type: 'dashscope', base_url: fake.baseUrl, api_key: 'ds-key', ...common },
      ],
      extraModels: [
        { name: 'azure-gpt', provider: 'azure', upstream_model: 'my-gpt4o-deployment' },
        { name: 'llama', provider: 'ollama', upstream_model: 'llama3.2' },
        { name: 'qwen', provider: 'qwen', upstream_model: 'qwen-plus' },
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

describe('ollama and dashscope (OpenAI-compatible endpoints)', () => {
  it('ollama: no key, the upstream model name', T, async () => {
    const completion = await openai.chat.completions.create({ model: 'llama', messages });
    assert.equal(completion.choices[0].message.content, 'fake answer');
    assert.equal(last().path, '/v1/chat/completions');
    assert.equal(last().body.model, 'llama3.2');
    assert.equal(last().headers.authorization, undefined);
  });

  it('dashscope: Bearer key; the anthropic SDK is translated', T, async () => {
    const msg = await anthropic.messages.create({ model: 'qwen', max_tokens: 16, messages });
    assert.equal(msg.content[0].text, 'fake answer');
    assert.equal(last().headers.authorization, 'Bearer ds-key');
    assert.equal(last().body.model, 'qwen-plus');
  });
});
