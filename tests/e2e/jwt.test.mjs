// JWT consumer authentication with both SDKs: tokens signed with RS256 or HS256 keys of a JWKS
// file are accepted; expired, forged, misaddressed and unsigned ones get 401 in the client's
// dialect.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, closeAll, tempDir } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const SECRET = 'a-shared-hmac-secret-for-tests';
const b64url = (x) => Buffer.from(x).toString('base64url');
const messages = [{ role: 'user', content: 'hi' }];

let gw;
let rsa;

function sign(claims, { alg = 'RS256', kid = alg === 'RS256' ? 'r1' : 'h1', key } = {}) {
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  let sig = '';
  if (alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key ?? rsa.privateKey).toString('base64url');
  if (alg === 'HS256') sig = crypto.createHmac('sha256', key ?? SECRET).update(input).digest('base64url');
  return `${input}.${sig}`;
}
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra = {}) => ({ sub: 'team-a-app', iss: 'https://issuer.test', aud: 'sluice', exp: now() + 600, ...extra });

before(async () => {
  rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = tempDir();
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({
    keys: [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'r1', alg: 'RS256' },
      { kty: 'oct', kid: 'h1', k: b64url(SECRET) },
    ],
  }));
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 1,
    consumers: [{ name: 'team-a-app', team: 'team-a' }],
    jwt: { jwks_file: jwksFile, issuer: 'https://issuer.test', audience: 'sluice' },
    providers: [{ name: 'sim', type: 'sim', sim: { tokens: 3 } }],
    models: [{ name: 'sim', provider: 'sim' }],
  });
}, T);

after(() => closeAll(gw), T);

describe('JWT consumers', () => {
  it('RS256 and HS256 tokens authenticate the consumer they name, in both SDKs', T, async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: sign(claims()), maxRetries: 0 });
    const c = await openai.chat.completions.create({ model: 'sim', messages });
    assert.equal(c.usage.completion_tokens, 3);
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: sign(claims(), { alg: 'HS256' }), maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'sim', max_tokens: 8, messages });
    assert.equal(m.usage.output_tokens, 3);
    const line = await gw.waitForLog((l) => l.consumer === 'team-a-app');
    assert.equal(line.status, 200);
  });

  const refusals = [
    ['expired', () => sign(claims({ exp: now() - 3600 })), /the JWT has expired/],
    ['forged (signed with another key)', () => sign(claims(), { key: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey }), /signature is not valid/],
    ['HS256 with the wrong secret', () => sign(claims(), { alg: 'HS256', key: 'not-the-secret' }), /signature is not valid/],
    ['unsigned (alg none)', () => sign(claims(), { alg: 'none' }), /algorithm 'none' is not accepted/],
    ['for another audience', () => sign(claims({ aud: 'someone-else' })), /audience is not accepted/],
    ['naming an unknown consumer', () => sign(claims({ sub: 'intruder' })), /names no known consumer/],
  ];
  for (const [what, token, message] of refusals) {
    it(`refuses a token ${what}`, T, async () => {
      const res = await postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages }, {
        headers: { authorization: `Bearer ${token()}` },
      });
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'caller_unauthorized');
      assert.match(res.json.error.message, message);
    });
  }

  it('the refusal is in the Anthropic shape for Anthropic clients', T, async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: sign(claims({ exp: now() - 3600 })), maxRetries: 0 });
    await assert.rejects(anthropic.messages.create({ model: 'sim', max_tokens: 8, messages }), (err) => {
      assert.ok(err instanceof Anthropic.AuthenticationError);
      assert.equal(err.errorCode, 'caller_unauthorized');
      return true;
    });
  });
});
