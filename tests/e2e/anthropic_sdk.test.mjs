// End to end with the official `@anthropic-ai/sdk` npm client through the gateway to every dialect
// it serves: an Anthropic upstream, an OpenAI-compatible upstream (translated) and the built-in sim.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const messages = [{ role: 'user', content: 'Say hello' }];
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let fake;
let gw;
let client;

function lastRequest(path) {
  const r = fake.requests.filter((x) => x.path === path).at(-1);
  assert.ok(r, `the fake received a request on ${path}`);
  return r;
}

before(async () => {
  fake = await startFakeProvider();
  const config = baseConfig({
    fakeBaseUrl: fake.baseUrl,
    wildcard: false,
    extraProviders: [
      {
        name: 'fake-anthropic',
        type: 'anthropic',
        base_url: fake.url,
        api_key: 'sk-ant-upstream',
        read_timeout: '2s',
        forward_headers: ['x-fake-*'],
      },
    ],
    extraModels: [{ name: 'claude', provider: 'fake-anthropic', upstream_model: 'claude-sonnet-4-5' }],
  });
  gw = await startGateway(config);
  client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('anthropic SDK → anthropic upstream', () => {
  it('messages.create', T, async () => {
    const msg = await client.messages.create(
      { model: 'claude', max_tokens: 64, system: 'Be brief.', messages },
      { headers: { 'x-fake-usage': '11,3', 'x-fake-cache': '5,2' } },
    );
    assert.equal(msg.type, 'message');
    assert.equal(msg.role, 'assistant');
    assert.equal(msg.model, 'claude');
    assert.deepEqual(msg.content, [{ type: 'text', text: 'fake answer' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.input_tokens, 11);
    assert.equal(msg.usage.output_tokens, 3);
    assert.equal(msg.usage.cache_read_input_tokens, 5);
    assert.equal(msg.usage.cache_creation_input_tokens, 2);
    const up = lastRequest('/v1/messages');
    assert.equal(up.headers['x-api-key'], 'sk-ant-upstream', 'the gateway sends its own key');
    assert.equal(up.headers.authorization, undefined, "the client's credential is not forwarded");
    assert.ok(up.headers['anthropic-version']);
    assert.equal(up.body.model, 'claude-sonnet-4-5');
    assert.equal(up.body.system, 'Be brief.');
    assert.equal(up.body.max_tokens, 64);

    // Unified accounting: input counts cache reads and writes; each has its own token type.
    const line = await gw.waitForLog((l) => l.path === '/v1/messages' && l.backend === 'fake-anthropic');
    assert.equal(line.input_tokens, 18);
    assert.equal(line.cached_input_tokens, 5);
    assert.equal(line.cache_creation_input_tokens, 2);
    const created = await metricValue(gw.adminUrl, 'gen_ai_client_token_usage_sum', {
      gen_ai_token_type: 'cache_creation_input',
    });
    assert.equal(created, 2);
  });

  it('messages.stream', T, async () => {
    const stream = client.messages.stream(
      { model: 'claude', max_tokens: 64, messages },
      { headers: { 'x-fake-chunks': '4', 'x-fake-usage': '9,4' } },
    );
    let text = '';
    stream.on('text', (t) => (text += t));
    const msg = await stream.finalMessage();
    assert.equal(text, 'tok0 tok1 tok2 tok3 ');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.input_tokens, 9);
    assert.equal(msg.usage.output_tokens, 4);
  });

  it('tool use, streamed, and the tool result sent back', T, async () => {
    const stream = client.messages.stream(
      { model: 'claude', max_tokens: 64, messages, tools: [weatherTool] },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '1' } },
    );
    const msg = await stream.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris' });

    await client.messages.create({
      model: 'claude',
      max_tokens: 64,
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    const up = lastRequest('/v1/messages');
    assert.equal(up.body.tools[0].name, 'get_weather');
    assert.deepEqual(up.body.tools[0].input_schema, weatherTool.input_schema);
    const result = up.body.messages[2].content[0];
    assert.equal(result.type, 'tool_result');
    assert.equal(result.tool_use_id, use.id);
    assert.equal(result.content, 'sunny');
  });

  it('messages.countTokens is answered by the Anthropic upstream', T, async () => {
    const msgs = [{ role: 'user', content: 'count me' }];
    const count = await client.messages.countTokens({ model: 'claude', system: 'Be brief.', messages: msgs });
    assert.equal(count.input_tokens, 1000 + JSON.stringify(msgs).length);
    const up = lastRequest('/v1/messages/count_tokens');
    assert.equal(up.body.model, 'claude-sonnet-4-5');
    assert.equal(up.body.system, 'Be brief.');
    assert.equal(up.headers['x-api-key'], 'sk-ant-upstream');
  });

  it('an upstream 429 is a RateLimitError naming the provider', T, async () => {
    await assert.rejects(
      client.messages.create({ model: 'claude', max_tokens: 8, messages }, { headers: { 'x-fake-status': '429' } }),
      (err) => {
        assert.equal(err.status, 429);
        assert.equal(err.type, 'rate_limit_error');
        assert.equal(err.errorCode, 'provider_rate_limited');
        assert.match(err.message, /fake-anthropic/);
        return true;
      },
    );
  });

  it('a stream cut after content ends with an error event', T, async () => {
    const stream = client.messages.stream(
      { model: 'claude', max_tokens: 64, messages },
      { headers: { 'x-fake-chunks': '5', 'x-fake-reset-after': '2' } },
    );
    let text = '';
    stream.on('text', (t) => (text += t));
    await assert.rejects(stream.finalMessage(), (err) => {
      assert.match(String(err.message), /closed the connection during the stream/);
      return true;
    });
    assert.equal(text, 'tok0 tok1 ');
  });
});

describe('anthropic SDK → OpenAI-compatible upstream (translated)', () => {
  it('messages.create: system, max_tokens and stop reach the OpenAI body', T, async () => {
    const msg = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 32,
      system: 'Be brief.',
      stop_sequences: ['END'],
      temperature: 0.5,
      messages,
    });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'fake answer' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.input_tokens, 7);
    assert.equal(msg.usage.output_tokens, 3);
    const up = lastRequest('/v1/chat/completions');
    assert.equal(up.headers.authorization, 'Bearer sk-test-upstream');
    assert.deepEqual(up.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Say hello' },
    ]);
    assert.equal(up.body.model, 'gpt-4o-mini-2024-07-18');
    assert.equal(up.body.max_tokens, 32);
    assert.deepEqual(up.body.stop, ['END']);
    assert.equal(up.body.temperature, 0.5);
  });

  it('messages.stream: text and usage', T, async () => {
    const stream = client.messages.stream(
      { model: 'gpt-4o-mini', max_tokens: 32, messages },
      { headers: { 'x-fake-chunks': '3', 'x-fake-usage': '12,3' } },
    );
    let text = '';
    stream.on('text', (t) => (text += t));
    const msg = await stream.finalMessage();
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.input_tokens, 12);
    assert.equal(msg.usage.output_tokens, 3);
    assert.equal(lastRequest('/v1/chat/completions').body.stream_options.include_usage, true);
  });

  it('tools: definitions, streamed tool call, tool result', T, async () => {
    const stream = client.messages.stream(
      { model: 'gpt-4o-mini', max_tokens: 32, messages, tools: [weatherTool], tool_choice: { type: 'any' } },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '0' } },
    );
    const msg = await stream.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris' });
    let up = lastRequest('/v1/chat/completions');
    assert.deepEqual(up.body.tools, [
      { type: 'function', function: { name: 'get_weather', description: weatherTool.description, parameters: weatherTool.input_schema } },
    ]);
    assert.equal(up.body.tool_choice, 'required');

    const answer = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 32,
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: [use] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }, { type: 'text', text: 'And?' }] },
      ],
    });
    assert.equal(answer.content[0].text, 'fake answer');
    up = lastRequest('/v1/chat/completions');
    assert.deepEqual(up.body.messages.slice(1), [
      { role: 'assistant', content: null, tool_calls: [{ id: use.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: use.id, content: 'sunny' },
      { role: 'user', content: 'And?' },
    ]);
  });

  it('non-streamed tool call', T, async () => {
    const msg = await client.messages.create(
      { model: 'gpt-4o-mini', max_tokens: 32, messages, tools: [weatherTool] },
      { headers: { 'x-fake-tool-call': 'get_weather' } },
    );
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content, [
      { type: 'tool_use', id: msg.content[0].id, name: 'get_weather', input: { city: 'Paris' } },
    ]);
  });

  it('an upstream 503 is an OverloadedError-class error in Anthropic shape', T, async () => {
    await assert.rejects(
      client.messages.create({ model: 'gpt-4o-mini', max_tokens: 8, messages }, { headers: { 'x-fake-status': '503' } }),
      (err) => {
        assert.equal(err.status, 503);
        assert.equal(err.type, 'overloaded_error');
        assert.equal(err.errorCode, 'provider_overloaded');
        return true;
      },
    );
  });
});

describe('anthropic SDK → sim', () => {
  it('messages.create and messages.stream give the same text', T, async () => {
    const msg = await client.messages.create({ model: 'sim', max_tokens: 64, messages });
    assert.equal(msg.content[0].type, 'text');
    assert.ok(msg.content[0].text.length > 0);
    assert.equal(msg.usage.output_tokens, 5);
    const stream = client.messages.stream({ model: 'sim', max_tokens: 64, messages });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    assert.equal(text, msg.content[0].text);
    assert.equal(final.usage.output_tokens, 5);
    assert.equal(final.stop_reason, 'end_turn');
  });

  it('max_tokens truncates with stop_reason max_tokens', T, async () => {
    const msg = await client.messages.create({ model: 'sim', max_tokens: 2, messages });
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.usage.output_tokens, 2);
  });

  it('messages.countTokens', T, async () => {
    const count = await client.messages.countTokens({ model: 'sim', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    assert.equal(count.input_tokens, 101);
  });
});

describe('anthropic SDK: errors in the Anthropic shape', () => {
  it('unknown model → NotFoundError', T, async () => {
    await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 8, messages }), (err) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      assert.equal(err.type, 'not_found_error');
      assert.equal(err.errorCode, 'caller_unknown_model');
      return true;
    });
  });

  it('missing max_tokens → BadRequestError naming the field', T, async () => {
    await assert.rejects(client.messages.create({ model: 'sim', messages }), (err) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      assert.equal(err.type, 'invalid_request_error');
      assert.equal(err.details.param, 'max_tokens');
      return true;
    });
  });

  it('a block no provider can take → unsupported, naming the field', T, async () => {
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } };
    await assert.rejects(
      client.messages.create({ model: 'gpt-4o-mini', max_tokens: 8, messages: [{ role: 'user', content: [doc] }] }),
      (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.errorCode, 'caller_unsupported_feature');
        assert.equal(err.details.param, 'messages[0].content[0].type');
        return true;
      },
    );
  });
});

describe('older Anthropic clients', () => {
  it('x-api-key and anthropic-version 2023-06-01 are accepted', T, async () => {
    const res = await postJson(`${gw.url}/v1/messages`, { model: 'sim', max_tokens: 8, messages }, {
      headers: { 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.type, 'message');
  });

  it('malformed JSON → invalid_request_error in Anthropic shape', T, async () => {
    const res = await postJson(`${gw.url}/v1/messages`, '{"model":');
    assert.equal(res.status, 400);
    const body = res.json;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.details.error_code, 'caller_invalid_json');
  });
});
