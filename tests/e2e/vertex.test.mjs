// End to end: the openai and anthropic SDKs through the gateway to Gemini on Vertex AI, with an
// access token minted from a service-account key (RS256 JWT assertion traded at the account's
// token_uri, here the fake provider's /token, which verifies the signature).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll, tempDir } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };

let fake;
let gw;
let openai;
let anthropic;

const vertexCalls = () => fake.requests.filter((r) => r.path.startsWith('/v1/projects/'));
const tokenCalls = () => fake.requests.filter((r) => r.path === '/token');

before(async () => {
  fake = await startFakeProvider();
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fake.setVertexPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  const saFile = path.join(tempDir(), 'sa.json');
  fs.writeFileSync(saFile, JSON.stringify({
    type: 'service_account',
    project_id: 'proj-1',
    private_key_id: 'kid-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: 'gateway@proj-1.iam.gserviceaccount.com',
    token_uri: `${fake.url}/token`,
  }));
  gw = await startGateway(
    baseConfig({
      wildcard: false,
      workers: 1,
      extraProviders: [
        {
          name: 'fake-vertex',
          type: 'vertex',
          base_url: fake.url,
          vertex: { project: 'proj-1', location: 'us-central1', service_account_file: saFile },
          read_timeout: '2s',
          forward_headers: ['x-fake-*'],
        },
      ],
      extraModels: [{ name: 'vertex', provider: 'fake-vertex', upstream_model: 'gemini-2.5-pro' }],
    }),
  );
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('vertex', () => {
  it('mints a token once and calls the Vertex path with it', T, async () => {
    const a = await openai.chat.completions.create({ model: 'vertex', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(a.choices[0].message.content, 'fake answer');
    const b = await anthropic.messages.create({ model: 'vertex', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(b.content[0].text, 'fake answer');
    assert.equal(tokenCalls().length, 1, 'the token is cached');
    const calls = vertexCalls();
    assert.equal(calls.length, 2);
    assert.equal(calls[0].path, '/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent');
    assert.equal(calls[0].headers.authorization, 'Bearer ya29.fake-1');
  });

  it('streams', T, async () => {
    const stream = await openai.chat.completions.create(
      { model: 'vertex', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-fake-chunks': '3' } },
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.match(vertexCalls().at(-1).url, /:streamGenerateContent\?alt=sse$/);
  });

  it('embeddings go to :predict with the token', T, async () => {
    const res = await openai.embeddings.create({ model: 'vertex', input: ['a', 'b'], dimensions: 5 });
    assert.equal(res.data.length, 2);
    assert.equal(res.data[1].embedding.length, 5);
    assert.equal(res.usage.prompt_tokens, 6, 'token counts from Vertex, summed');
    const up = fake.requests.at(-1);
    assert.equal(up.path, '/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-pro:predict');
    assert.deepEqual(up.body, { instances: [{ content: 'a' }, { content: 'b' }], parameters: { outputDimensionality: 5 } });
  });

  it('a refused assertion is provider_auth_failed, not a crash', T, async () => {
    const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake.setVertexPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));  // key rotated away
    // A fresh gateway has no cached token and must mint one.
    const gw2 = await startGateway(fs.readFileSync(gw.configPath, 'utf8'));
    try {
      const client = new OpenAI({ baseURL: `${gw2.url}/v1`, apiKey: 'x', maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: 'vertex', messages: [{ role: 'user', content: 'hi' }] }), (err) => {
        assert.equal(err.status, 502);
        assert.equal(err.code, 'provider_auth_failed');
        assert.match(err.message, /Invalid JWT Signature/);
        return true;
      });
    } finally {
      await gw2.stop();
    }
  });
});
