// Model mapping, upstream request shape (model, auth, forwarded headers, body), response headers,
// /v1/models and the access log of relayed requests.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, getJson } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], ...extra });

let fake;
let gw;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
}, T);

after(() => closeAll(gw, fake), T);

async function chatVia(model, { headers = {}, extra = {} } = {}) {
  const tag = randomUUID();
  const res = await postJson(`${gw.url}/v1/chat/completions`, chat(model, extra), {
    headers: { 'x-fake-tag': tag, ...headers },
  });
  return { res, up: fake.find(tag) };
}

describe('model mapping', () => {
  for (const model of ['gpt-4o-mini', 'mini']) {
    it(`sends "${model}" upstream as gpt-4o-mini-2024-07-18`, T, async () => {
      const { res, up } = await chatVia(model);
      assert.equal(res.status, 200, res.text);
      assert.ok(up, 'request reached the fake');
      assert.equal(up.method, 'POST');
      assert.equal(up.path, '/v1/chat/completions');
      assert.equal(up.body.model, 'gpt-4o-mini-2024-07-18');
      assert.equal(res.json.object, 'chat.completion');
      assert.equal(res.json.choices[0].message.role, 'assistant');
      assert.equal(res.json.choices[0].message.content, 'fake answer');
      assert.equal(res.json.choices[0].finish_reason, 'stop');
      assert.deepEqual(res.json.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    });
  }

  it('passes any other model name through unchanged via the wildcard', T, async () => {
    const { res, up } = await chatVia('some-other-model');
    assert.equal(res.status, 200, res.text);
    assert.equal(up.body.model, 'some-other-model');
    assert.equal(res.headers.get('x-sluice-backend'), 'fake');
  });

  it('maps models for /v1/completions and /v1/embeddings too', T, async () => {
    const tag1 = randomUUID();
    const c = await postJson(`${gw.url}/v1/completions`, { model: 'mini', prompt: 'say hi' }, { headers: { 'x-fake-tag': tag1 } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.object, 'text_completion');
    assert.equal(c.json.choices[0].text, 'fake answer');
    assert.equal(fake.find(tag1).path, '/v1/completions');
    assert.equal(fake.find(tag1).body.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(fake.find(tag1).body.prompt, 'say hi');

    const tag2 = randomUUID();
    const e = await postJson(`${gw.url}/v1/embeddings`, { model: 'mini', input: ['a', 'b'] }, { headers: { 'x-fake-tag': tag2 } });
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.object, 'list');
    assert.equal(e.json.data.length, 2);
    assert.deepEqual(e.json.data.map((d) => d.index), [0, 1]);
    assert.ok(e.json.data.every((d) => d.object === 'embedding' && Array.isArray(d.embedding)));
    assert.equal(fake.find(tag2).path, '/v1/embeddings');
    assert.equal(fake.find(tag2).body.model, 'gpt-4o-mini-2024-07-18');
    assert.deepEqual(fake.find(tag2).body.input, ['a', 'b']);
  });
});

describe('upstream request', () => {
  it('carries the configured key, not the client credentials', T, async () => {
    const { res, up } = await chatVia('mini', { headers: { authorization: 'Bearer client-secret-123' } });
    assert.equal(res.status, 200);
    assert.equal(up.headers.authorization, 'Bearer sk-test-upstream');
    assert.ok(!JSON.stringify(up.headers).includes('client-secret-123'), 'client credential not forwarded anywhere');
  });

  it('forwards x-fake-* headers and nothing outside forward_headers', T, async () => {
    const { res, up } = await chatVia('mini', {
      headers: {
        'x-fake-usage': '9,3',
        'x-sluice-priority': 'high',
        'x-sluice-session': 'abc',
        'x-unlisted-header': 'nope',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(up.headers['x-fake-usage'], '9,3');
    assert.ok(up.headers['x-fake-tag']);
    assert.deepEqual(Object.keys(up.headers).filter((k) => k.startsWith('x-sluice-')), [], 'no x-sluice-* upstream');
    assert.equal(up.headers['x-unlisted-header'], undefined);
    assert.equal(res.json.usage.prompt_tokens, 9, 'the forwarded header took effect');
  });

  it('keeps the request fields it does not need to change', T, async () => {
    const extra = {
      temperature: 0.25,
      top_p: 0.5,
      max_tokens: 17,
      user: 'u-1',
      stop: ['\n\n'],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hello ✓ "quoted" \\ back' }] },
      ],
    };
    const { res, up } = await chatVia('mini', { extra });
    assert.equal(res.status, 200, res.text);
    for (const k of ['temperature', 'top_p', 'max_tokens', 'user', 'stop', 'tools', 'messages']) {
      assert.deepEqual(up.body[k], extra[k], `field ${k} preserved`);
    }
    assert.match(up.headers['content-type'] ?? '', /^application\/json/);
  });

  it('does not ask for a stream when the client did not', T, async () => {
    const { up } = await chatVia('mini');
    assert.ok(up.body.stream === undefined || up.body.stream === false);
    assert.equal(up.body.stream_options, undefined);
  });
});

describe('response headers and access log', () => {
  it('sets x-sluice-request-id, x-sluice-backend and x-sluice-attempts', T, async () => {
    const { res } = await chatVia('mini');
    assert.ok(res.headers.get('x-sluice-request-id'));
    assert.equal(res.headers.get('x-sluice-backend'), 'fake');
    assert.equal(res.headers.get('x-sluice-attempts'), '1');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  });

  it('gives every request its own id', T, async () => {
    const ids = new Set();
    for (let i = 0; i < 5; i++) {
      const { res } = await chatVia('mini');
      ids.add(res.headers.get('x-sluice-request-id'));
    }
    assert.equal(ids.size, 5);
  });

  it('writes one access-log line per request with the contract fields', T, async () => {
    const { res } = await chatVia('mini', { headers: { 'x-fake-usage': '12,4' } });
    const id = res.headers.get('x-sluice-request-id');
    const line = await gw.logFor(id);
    assert.equal(gw.accessLog().filter((l) => l.request_id === id).length, 1, 'exactly one line');
    assert.equal(line.model, 'mini');
    assert.ok(
      ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'].includes(line.served_model),
      `served_model ${line.served_model}`,
    );
    assert.equal(line.backend, 'fake');
    assert.equal(line.status, 200);
    assert.equal(line.error_code, null);
    assert.equal(line.input_tokens, 12);
    assert.equal(line.output_tokens, 4);
    assert.equal(typeof line.ttft_ms, 'number');
    assert.equal(typeof line.duration_ms, 'number');
    assert.ok(line.ttft_ms >= 0 && line.duration_ms >= 0);
  });

  it('logs the wildcard-routed model as asked', T, async () => {
    const { res } = await chatVia('some-other-model');
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.model, 'some-other-model');
    assert.equal(line.served_model, 'some-other-model');
  });
});

describe('GET /v1/models', () => {
  it('lists configured models and aliases, not wildcards, in the OpenAI list shape', T, async () => {
    const res = await getJson(`${gw.url}/v1/models`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.headers.get('x-sluice-request-id'));
    assert.equal(res.json.object, 'list');
    assert.ok(Array.isArray(res.json.data));
    const ids = res.json.data.map((m) => m.id);
    for (const id of ['gpt-4o-mini', 'mini', 'sim']) assert.ok(ids.includes(id), `lists ${id}: ${ids}`);
    assert.ok(!ids.some((id) => id.includes('*')), 'no wildcard entries');
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    for (const m of res.json.data) {
      assert.equal(m.object, 'model');
      assert.equal(typeof m.owned_by, 'string');
    }
  });

  it('does not call the upstream', T, async () => {
    const tag = randomUUID();
    const res = await getJson(`${gw.url}/v1/models`, { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 200);
    assert.equal(fake.findAll(tag).length, 0);
  });
});
