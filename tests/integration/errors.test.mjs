// Error contract: bad client input (caller_*), upstream failures (provider_*), OpenAI error shape,
// and that no input takes the gateway down.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, request, rawRequest, rawExchange, assertOpenAiError, closedPort, streamSSE } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const CHAT = '/v1/chat/completions';
const JSON_CT = { 'Content-Type': 'application/json' };
const goodChat = (extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });
const s = (o) => JSON.stringify(o);
const NOT_OBJECT = ['caller_invalid_json', 'caller_invalid_request'];

let fake;
let gw;

before(async () => {
  fake = await startFakeProvider();
  const deadPort = await closedPort();
  gw = await startGateway(
    baseConfig({
      fakeBaseUrl: fake.baseUrl,
      extraProviders: [
        {
          name: 'dead',
          type: 'openai',
          base_url: `http://127.0.0.1:${deadPort}/v1`,
          api_key: 'sk-dead',
          connect_timeout: '2s',
          read_timeout: '2s',
        },
      ],
      extraModels: [{ name: 'dead-model', provider: 'dead' }],
    }),
  );
}, T);

after(() => closeAll(gw, fake), T);

describe('bad client input', () => {
  const bigContent = 'x'.repeat(100 * 1024);
  const table = [
    { d: 'malformed JSON', path: CHAT, body: '{"model": "gpt-4o-mini", "messages": [', status: 400, code: 'caller_invalid_json' },
    { d: 'empty body', path: CHAT, body: '', status: 400, code: 'caller_invalid_json' },
    { d: 'trailing garbage after the JSON object', path: CHAT, body: `${s(goodChat())} xyz`, status: 400, code: 'caller_invalid_json' },
    // Valid JSON that is not an object: OpenAI itself answers "could not parse the JSON body", so
    // either caller code is accepted.
    { d: 'body is a JSON array', path: CHAT, body: '[]', status: 400, code: NOT_OBJECT },
    { d: 'body is a JSON string', path: CHAT, body: '"hello"', status: 400, code: NOT_OBJECT },
    { d: 'model missing', path: CHAT, body: s({ messages: [{ role: 'user', content: 'hi' }] }), status: 400, code: 'caller_invalid_request', param: 'model' },
    { d: 'model is a number', path: CHAT, body: s(goodChat({ model: 42 })), status: 400, code: 'caller_invalid_request', param: 'model' },
    { d: 'messages missing', path: CHAT, body: s({ model: 'gpt-4o-mini' }), status: 400, code: 'caller_invalid_request', param: 'messages' },
    { d: 'messages is not an array', path: CHAT, body: s(goodChat({ messages: 'hi' })), status: 400, code: 'caller_invalid_request', param: 'messages' },
    { d: 'messages is empty', path: CHAT, body: s(goodChat({ messages: [] })), status: 400, code: 'caller_invalid_request', param: 'messages' },
    { d: 'a message without role', path: CHAT, body: s(goodChat({ messages: [{ content: 'hi' }] })), status: 400, code: 'caller_invalid_request', param: 'messages[0].role' },
    { d: 'role is a number', path: CHAT, body: s(goodChat({ messages: [{ role: 7, content: 'hi' }] })), status: 400, code: 'caller_invalid_request', param: 'messages[0].role' },
    { d: 'stream is a string', path: CHAT, body: s(goodChat({ stream: 'yes' })), status: 400, code: 'caller_invalid_request', param: 'stream' },
    { d: 'max_tokens is negative', path: CHAT, body: s(goodChat({ max_tokens: -1 })), status: 400, code: 'caller_invalid_request', param: 'max_tokens' },
    { d: 'max_tokens is a string', path: CHAT, body: s(goodChat({ max_tokens: '10' })), status: 400, code: 'caller_invalid_request', param: 'max_tokens' },
    { d: 'completions: prompt missing', path: '/v1/completions', body: s({ model: 'gpt-4o-mini' }), status: 400, code: 'caller_invalid_request', param: 'prompt' },
    { d: 'embeddings: input missing', path: '/v1/embeddings', body: s({ model: 'gpt-4o-mini' }), status: 400, code: 'caller_invalid_request', param: 'input' },
    { d: 'embeddings: input is a number', path: '/v1/embeddings', body: s({ model: 'gpt-4o-mini', input: 42 }), status: 400, code: 'caller_invalid_request', param: 'input' },
    { d: '100 KB body (max_body_bytes 65536)', path: CHAT, body: s(goodChat({ messages: [{ role: 'user', content: bigContent }] })), status: 413, code: 'caller_body_too_large' },
    { d: '100 KB chunked body without Content-Length', path: CHAT, chunked: true, body: s(goodChat({ messages: [{ role: 'user', content: bigContent }] })), status: 413, code: 'caller_body_too_large' },
    { d: 'unknown path (POST)', path: '/v1/nope', body: s(goodChat()), status: 404, code: 'caller_not_found' },
    { d: 'unknown path (GET)', method: 'GET', path: '/definitely/not/here', status: 404, code: 'caller_not_found' },
    { d: 'wrong method: GET /v1/chat/completions', method: 'GET', path: CHAT, status: 405, code: 'caller_method_not_allowed' },
    { d: 'wrong method: DELETE /v1/embeddings', method: 'DELETE', path: '/v1/embeddings', status: 405, code: 'caller_method_not_allowed' },
    { d: 'header block over 16 KB', path: CHAT, headers: { 'X-Big': 'a'.repeat(17 * 1024) }, body: s(goodChat()), status: 431, code: 'caller_headers_too_large' },
  ];

  it('answers every bad request with the right status and OpenAI error, without calling upstream', T, async () => {
    // Every row carries this tag, so a leak upstream shows up in the fake's record.
    const tag = randomUUID();
    const failures = [];
    for (const row of table) {
      const method = row.method ?? 'POST';
      const res = await rawRequest(gw.port, {
        method,
        path: row.path,
        headers: { ...(method === 'POST' ? JSON_CT : {}), 'x-fake-tag': tag, ...(row.headers ?? {}) },
        body: row.body,
        chunked: row.chunked,
      });
      try {
        assert.ok(!res.closedWithoutResponse, 'the gateway closed the connection without a response');
        assert.equal(res.status, row.status, `status (body: ${res.text?.slice(0, 300)})`);
        assertOpenAiError(res.json, row.code, { param: row.param });
        assert.ok(res.headers['x-sluice-request-id'], 'x-sluice-request-id header');
        assert.match(res.headers['content-type'] ?? '', /^application\/json/, 'content-type');
      } catch (err) {
        failures.push(`${row.d}: ${err.message}`);
      }
    }
    assert.deepEqual(failures, [], `failed rows:\n${failures.join('\n')}`);
    assert.equal(fake.findAll(tag).length, 0, 'no bad request reached the upstream');
    assert.equal(gw.proc.exitCode, null, 'gateway still running');
  });

  it('still serves a good request after the bad-input table', T, async () => {
    const res = await postJson(`${gw.url}${CHAT}`, goodChat());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.choices[0].message.content, 'fake answer');
  });

  it('survives garbage that is not HTTP', T, async () => {
    const res = await rawExchange(gw.port, Buffer.from('\x00\x01\x02 NOT HTTP AT ALL\r\n\r\n'));
    if (!res.closedWithoutResponse) assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    const res2 = await rawExchange(gw.port, Buffer.from(`POST ${CHAT} HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n{}`));
    if (!res2.closedWithoutResponse) assert.equal(res2.status, 400);
    const good = await postJson(`${gw.url}${CHAT}`, goodChat());
    assert.equal(good.status, 200);
  });

  it('survives a client that sends half a body and disconnects', T, async () => {
    const { default: net } = await import('node:net');
    await new Promise((resolve, reject) => {
      const sock = net.connect({ port: gw.port, host: '127.0.0.1' }, () => {
        sock.write(`POST ${CHAT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":`);
        sock.end();
      });
      sock.on('error', reject);
      sock.on('close', resolve);
      sock.resume();
    });
    const good = await postJson(`${gw.url}${CHAT}`, goodChat());
    assert.equal(good.status, 200);
  });

  it('logs caller errors with their code', T, async () => {
    const res = await request(`${gw.url}${CHAT}`, { method: 'POST', body: '{oops', headers: JSON_CT });
    assert.equal(res.status, 400);
    const id = res.headers.get('x-sluice-request-id');
    const line = await gw.logFor(id);
    assert.equal(line.status, 400);
    assert.equal(line.error_code, 'caller_invalid_json');
  });
});

describe('unknown model without a wildcard route', () => {
  let strict;
  before(async () => {
    strict = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl, wildcard: false }));
  }, T);
  after(() => closeAll(strict), T);

  it('answers 404 caller_unknown_model', T, async () => {
    const tag = randomUUID();
    const res = await postJson(`${strict.url}${CHAT}`, goodChat({ model: 'no-such-model' }), { headers: { 'x-fake-tag': tag } });
    assert.equal(res.status, 404, res.text);
    assertOpenAiError(res.json, 'caller_unknown_model');
    assert.ok(res.headers.get('x-sluice-request-id'));
    assert.equal(fake.findAll(tag).length, 0, 'nothing sent upstream');
  });

  it('applies to embeddings and completions too', T, async () => {
    const e = await postJson(`${strict.url}/v1/embeddings`, { model: 'no-such-model', input: 'x' });
    assert.equal(e.status, 404, e.text);
    assertOpenAiError(e.json, 'caller_unknown_model');
    const c = await postJson(`${strict.url}/v1/completions`, { model: 'no-such-model', prompt: 'x' });
    assert.equal(c.status, 404, c.text);
    assertOpenAiError(c.json, 'caller_unknown_model');
  });

  it('still serves configured models', T, async () => {
    const res = await postJson(`${strict.url}${CHAT}`, goodChat({ model: 'mini' }));
    assert.equal(res.status, 200, res.text);
  });
});

describe('upstream failures', () => {
  const cases = [
    { d: 'upstream 400', headers: { 'x-fake-status': '400' }, status: 400, code: 'provider_invalid_request' },
    { d: 'upstream 401', headers: { 'x-fake-status': '401' }, status: 502, code: 'provider_auth_failed' },
    { d: 'upstream 403', headers: { 'x-fake-status': '403' }, status: 502, code: 'provider_auth_failed' },
    { d: 'upstream 429', headers: { 'x-fake-status': '429', 'x-fake-retry-after': '7' }, status: 429, code: 'provider_rate_limited', retryAfter: '7' },
    { d: 'upstream 500', headers: { 'x-fake-status': '500' }, status: 502, code: 'provider_server_error' },
    { d: 'upstream 503', headers: { 'x-fake-status': '503' }, status: 503, code: 'provider_overloaded' },
    { d: 'upstream 200 with malformed JSON', headers: { 'x-fake-body': '{"id": "x", "choices": [' }, status: 502, code: 'provider_bad_response' },
    { d: 'upstream 200 with a non-JSON body', headers: { 'x-fake-body': 'this is not json' }, status: 502, code: 'provider_bad_response' },
    { d: 'upstream resets before responding', headers: { 'x-fake-reset-after': '0' }, status: 502, code: 'provider_connection_failed' },
    { d: 'upstream sending interim answers without end', headers: { 'x-fake-interim': '9' }, status: 502, code: 'provider_bad_response' },
  ];

  for (const c of cases) {
    it(`maps ${c.d} to ${c.status} ${c.code}`, T, async () => {
      const tag = randomUUID();
      const res = await postJson(`${gw.url}${CHAT}`, goodChat(), { headers: { ...c.headers, 'x-fake-tag': tag } });
      assert.equal(res.status, c.status, res.text);
      assertOpenAiError(res.json, c.code);
      assert.ok(fake.find(tag), 'the request reached the upstream');
      const id = res.headers.get('x-sluice-request-id');
      assert.ok(id, 'x-sluice-request-id');
      assert.equal(res.headers.get('x-sluice-backend'), 'fake');
      if (c.retryAfter) assert.equal(res.headers.get('retry-after'), c.retryAfter, 'retry-after passed through');
      const line = await gw.logFor(id);
      assert.equal(line.status, c.status);
      assert.equal(line.error_code, c.code);
      assert.equal(line.backend, 'fake');
    });
  }

  it('maps an upstream 429 on a streaming request to a JSON 429 (nothing was streamed yet)', T, async () => {
    const res = await streamSSE(`${gw.url}${CHAT}`, goodChat({ stream: true }), {
      headers: { 'x-fake-status': '429', 'x-fake-retry-after': '3' },
    });
    assert.equal(res.status, 429, res.text);
    assert.match(res.contentType, /^application\/json/);
    assertOpenAiError(res.json, 'provider_rate_limited');
    assert.equal(res.headers.get('retry-after'), '3');
  });

  it('maps an upstream reset before the first event of a stream to 502 provider_connection_failed', T, async () => {
    const res = await streamSSE(`${gw.url}${CHAT}`, goodChat({ stream: true }), {
      headers: { 'x-fake-reset-after': '0' },
    });
    assert.equal(res.status, 502, res.text);
    assertOpenAiError(res.json, 'provider_connection_failed');
  });

  it('maps upstream errors on embeddings and completions the same way', T, async () => {
    const e = await postJson(`${gw.url}/v1/embeddings`, { model: 'gpt-4o-mini', input: 'x' }, { headers: { 'x-fake-status': '429' } });
    assert.equal(e.status, 429, e.text);
    assertOpenAiError(e.json, 'provider_rate_limited');
    const c = await postJson(`${gw.url}/v1/completions`, { model: 'gpt-4o-mini', prompt: 'x' }, { headers: { 'x-fake-status': '500' } });
    assert.equal(c.status, 502, c.text);
    assertOpenAiError(c.json, 'provider_server_error');
  });

  it('answers 504 provider_timeout when the upstream stays silent longer than read_timeout', T, async () => {
    // read_timeout is 2s; the fake would answer 200 after 4s, so a 504 proves the gateway gave up.
    const res = await postJson(`${gw.url}${CHAT}`, goodChat(), { headers: { 'x-fake-delay-ms': '4000' } });
    assert.equal(res.status, 504, res.text);
    assertOpenAiError(res.json, 'provider_timeout');
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.error_code, 'provider_timeout');
  });

  it('answers 502 provider_connection_failed when the provider refuses connections', T, async () => {
    const res = await postJson(`${gw.url}${CHAT}`, goodChat({ model: 'dead-model' }));
    assert.equal(res.status, 502, res.text);
    assertOpenAiError(res.json, 'provider_connection_failed');
    assert.ok(res.headers.get('x-sluice-request-id'));
    const line = await gw.logFor(res.headers.get('x-sluice-request-id'));
    assert.equal(line.backend, 'dead');
    assert.equal(line.error_code, 'provider_connection_failed');
  });

  it('keeps serving after every upstream failure', T, async () => {
    const res = await postJson(`${gw.url}${CHAT}`, goodChat());
    assert.equal(res.status, 200, res.text);
    assert.equal(gw.proc.exitCode, null);
  });
});
