// End to end: the official `openai` npm SDK through the gateway to an Anthropic Messages upstream
// (the fake provider's Anthropic dialect): requests translated out, answers and streams back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello' },
];
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

let fake;
let gw;
let client;

function lastUpstream() {
  const r = fake.requests.filter((x) => x.path === '/v1/messages').at(-1);
  assert.ok(r, 'the fake received an Anthropic request');
  return r;
}

before(async () => {
  fake = await startFakeProvider();
  const config = baseConfig({
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
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('openai SDK → anthropic upstream', () => {
  it('chat.completions.create: the request is an Anthropic body', T, async () => {
    const { data, response } = await client.chat.completions
      .create(
        { model: 'claude', messages, temperature: 0.2, stop: ['END'], user: 'u-1' },
        { headers: { 'x-fake-usage': '20,3', 'x-fake-cache': '8,0' } },
      )
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.model, 'claude');
    assert.equal(data.choices[0].message.content, 'fake answer');
    assert.equal(data.choices[0].finish_reason, 'stop');
    // Unified input counts cache reads: 20 uncached + 8 cached.
    assert.equal(data.usage.prompt_tokens, 28);
    assert.equal(data.usage.prompt_tokens_details.cached_tokens, 8);
    assert.equal(data.usage.completion_tokens, 3);
    assert.equal(response.headers.get('x-sluice-backend'), 'fake-anthropic');

    const up = lastUpstream();
    assert.equal(up.headers['x-api-key'], 'sk-ant-upstream');
    assert.equal(up.headers['anthropic-version'], '2023-06-01');
    assert.equal(up.headers.authorization, undefined);
    assert.deepEqual(up.body, {
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }],
      max_tokens: 4096,
      system: 'Be brief.',
      temperature: 0.2,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
    });
  });

  it('streaming with include_usage', T, async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude', messages, stream: true, stream_options: { include_usage: true }, max_tokens: 50 },
      { headers: { 'x-fake-chunks': '4', 'x-fake-usage': '9,4' } },
    );
    let text = '';
    let finish = null;
    let usage = null;
    let role = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        role ??= c.delta?.role ?? null;
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(role, 'assistant');
    assert.equal(text, 'tok0 tok1 tok2 tok3 ');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    assert.equal(lastUpstream().body.max_tokens, 50);
    assert.equal(lastUpstream().body.stream, true);
  });

  it('streaming without include_usage sends no usage chunk', T, async () => {
    const stream = await client.chat.completions.create({ model: 'claude', messages, stream: true });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    assert.equal(sawUsage, false);
  });

  it('tools: streamed tool-call deltas accumulate into one call', T, async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude', messages, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false, stream: true },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '0' } },
    );
    const calls = [];
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        finish = c.finish_reason ?? finish;
        for (const tc of c.delta?.tool_calls ?? []) {
          calls[tc.index] ??= { id: '', name: '', arguments: '' };
          if (tc.id) calls[tc.index].id = tc.id;
          if (tc.function?.name) calls[tc.index].name = tc.function.name;
          calls[tc.index].arguments += tc.function?.arguments ?? '';
        }
      }
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.match(calls[0].id, /^toolu_fake_/);
    assert.deepEqual(JSON.parse(calls[0].arguments), { city: 'Paris' });

    const up = lastUpstream();
    assert.deepEqual(up.body.tools, [
      { name: 'get_weather', description: 'Current weather of a city', input_schema: weatherTool.function.parameters },
    ]);
    assert.deepEqual(up.body.tool_choice, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
  });

  it('tool results go back as a user turn of tool_result blocks', T, async () => {
    const completion = await client.chat.completions.create({
      model: 'claude',
      tools: [weatherTool],
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    assert.equal(completion.choices[0].message.content, 'fake answer');
    assert.deepEqual(lastUpstream().body.messages.slice(1), [
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
    ]);
  });

  it('non-streamed tool call', T, async () => {
    const completion = await client.chat.completions.create(
      { model: 'claude', messages, tools: [weatherTool] },
      { headers: { 'x-fake-tool-call': 'get_weather' } },
    );
    const msg = completion.choices[0].message;
    assert.equal(completion.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    assert.equal(msg.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'Paris' });
  });

  it('image parts become Anthropic image blocks', T, async () => {
    await client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    assert.deepEqual(lastUpstream().body.messages[0].content, [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });
});

describe('openai SDK → anthropic upstream: errors', () => {
  it('an Anthropic 529 becomes 503 provider_overloaded in OpenAI shape', T, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'claude', messages }, { headers: { 'x-fake-status': '529' } }),
      (err) => {
        assert.equal(err.status, 503);
        assert.equal(err.code, 'provider_overloaded');
        return true;
      },
    );
  });

  it('response_format json_schema cannot be expressed: 400 naming the field', T, async () => {
    const before = fake.requests.length;
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude',
        messages,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      }),
      (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, 'caller_unsupported_feature');
        assert.equal(err.param, 'response_format');
        return true;
      },
    );
    assert.equal(fake.requests.length, before, 'nothing was sent upstream');
  });

  it('unknown request fields are refused, not dropped', T, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'claude', messages, logit_bias: { 50256: -100 } }),
      (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.param, 'logit_bias');
        return true;
      },
    );
  });

  it('an error event before content fails over; after content it ends the stream', T, async () => {
    const stream = await client.chat.completions.create(
      { model: 'claude', messages, stream: true },
      { headers: { 'x-fake-chunks': '5', 'x-fake-reset-after': '2' } },
    );
    let text = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      })(),
      (err) => {
        assert.match(String(err.message), /closed the connection during the stream/);
        return true;
      },
    );
    assert.equal(text, 'tok0 tok1 ');
  });

  it('completions and embeddings cannot be served by an Anthropic provider', T, async () => {
    await assert.rejects(client.completions.create({ model: 'claude', prompt: 'x' }), (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.code, 'caller_unsupported_feature');
      return true;
    });
  });
});
