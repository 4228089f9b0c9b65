// examples/providers.yaml, run as shipped against local fakes: every provider type's model answers
// both SDKs. Only the environment differs from a run against the real services.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, closeAll, testsDir, tempDir } from '../lib/gateway.mjs';

const T = { timeout: 30_000 };
const TYPES = ['openai', 'azure-openai', 'anthropic', 'gemini', 'vertex', 'bedrock', 'dashscope', 'dashscope-native', 'ollama', 'sim'];

let fake;
let gw;
let openai;
let anthropic;

before(async () => {
  fake = await startFakeProvider();
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fake.setVertexPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  const saFile = path.join(tempDir(), 'sa.json');
  fs.writeFileSync(saFile, JSON.stringify({
    type: 'service_account',
    private_key_id: 'k1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: 'sa@p.iam.gserviceaccount.com',
    token_uri: `${fake.url}/token`,
  }));
  const env = {
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'sk-openai',
    AZURE_OPENAI_BASE_URL: fake.url,
    AZURE_OPENAI_API_KEY: 'az',
    AZURE_OPENAI_DEPLOYMENT: 'dep-1',
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: 'sk-ant',
    GEMINI_BASE_URL: fake.url,
    GEMINI_API_KEY: 'gm',
    VERTEX_BASE_URL: fake.url,
    VERTEX_PROJECT: 'p',
    VERTEX_LOCATION: 'us-central1',
    VERTEX_SERVICE_ACCOUNT_FILE: saFile,
    BEDROCK_BASE_URL: fake.url,
    AWS_REGION: 'us-west-2',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: '',
    DASHSCOPE_BASE_URL: fake.baseUrl,
    DASHSCOPE_API_KEY: 'ds',
    DASHSCOPE_NATIVE_BASE_URL: fake.url,
    OLLAMA_BASE_URL: fake.url,
  };
  const text = fs.readFileSync(path.resolve(testsDir, '../examples/providers.yaml'), 'utf8');
  gw = await startGateway(text, { env, args: ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '1'] });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('examples/providers.yaml', () => {
  for (const type of TYPES) {
    it(`model '${type}' answers the openai and anthropic SDKs`, T, async () => {
      const completion = await openai.chat.completions.create({ model: type, messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(completion.choices[0].message.content.length > 0);
      const msg = await anthropic.messages.create({ model: type, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(msg.content[0].type, 'text');
      assert.ok(msg.content[0].text.length > 0);
      if (type !== 'sim') assert.ok(fake.requests.length > 0);
    });
  }
});
