// End to end: the official `openai` SDK's Responses API (client.responses) through the gateway,
// served statelessly by providers of every dialect: the sim, an OpenAI-compatible upstream (as chat
// completions) and an Anthropic upstream.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';

const T = { timeout: 20_000 };
const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

let fake;
let gw;
let client;

const last = (path) => fake.requests.filter((r) => r.path === path).at(-1);

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(
    baseConfig({
      fakeBaseUrl: fake.baseUrl,
      wildcard: false,
      extraProviders: [
        { name: 'fake-anthropic', type: 'anthropic', base_url: fake.url, api_key: 'sk-ant', read_timeout: '2s', forward_headers: ['x-fake-*'] },
      ],
      extraModels: [{ name: 'claude', provider: 'fake-anthropic', upstream_model: 'claude-sonnet-4-5' }],
    }),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw, fake), T);

describe('responses API', () => {
  it('responses.create on the sim: output_text and usage', T, async () => {
    const r = await client.responses.create({ model: 'sim', input: 'Say hello', max_output_tokens: 64 });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.ok(r.id.startsWith('resp_'));
    assert.ok(r.output_text.length > 0);
    assert.equal(r.usage.output_tokens, 5);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + 5);
  });

  it('an OpenAI-compatible upstream gets a chat completions body', T, async () => {
    const r = await client.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is the weather?' }] }],
      tools: [weather],
      temperature: 0.1,
      max_output_tokens: 50,
    });
    assert.equal(r.output_text, 'fake answer');
    const up = last('/v1/chat/completions');
    assert.deepEqual(up.body.messages, [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the weather?' },
    ]);
    assert.equal(up.body.max_tokens, 50);
    assert.equal(up.body.tools[0].function.name, 'get_weather');
  });

  it('function calls and their outputs round-trip', T, async () => {
    const first = await client.responses.create(
      { model: 'gpt-4o-mini', input: 'Weather in Paris?', tools: [weather] },
      { headers: { 'x-fake-tool-call': 'get_weather' } },
    );
    const call = first.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
    assert.ok(call.call_id);

    const second = await client.responses.create({
      model: 'claude',
      tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
      ],
    });
    assert.equal(second.output_text, 'fake answer');
    const up = last('/v1/messages');
    assert.deepEqual(up.body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: 'sunny' }] },
    ]);
  });

  it('responses.stream from an Anthropic upstream: the SDK accumulates the events', T, async () => {
    const stream = client.responses.stream(
      { model: 'claude', input: 'Say hello' },
      { headers: { 'x-fake-chunks': '3', 'x-fake-usage': '8,3' } },
    );
    const types = [];
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
    }
    const final = await stream.finalResponse();
    assert.equal(deltas, 'tok0 tok1 tok2 ');
    // (the stream helper's final response has no output_text convenience field)
    assert.equal(final.output[0].content[0].text, 'tok0 tok1 tok2 ');
    assert.equal(final.status, 'completed');
    assert.equal(final.usage.input_tokens, 8);
    assert.equal(final.usage.output_tokens, 3);
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.ok(types.includes('response.output_item.added'));
    assert.ok(types.includes('response.output_text.done'));
  });

  it('streamed function-call arguments', T, async () => {
    const stream = client.responses.stream(
      { model: 'gpt-4o-mini', input: 'Weather?', tools: [weather] },
      { headers: { 'x-fake-tool-call': 'get_weather', 'x-fake-chunks': '0' } },
    );
    let args = '';
    for await (const event of stream) if (event.type === 'response.function_call_arguments.delta') args += event.delta;
    const final = await stream.finalResponse();
    assert.deepEqual(JSON.parse(args), { city: 'Paris' });
    const call = final.output.find((o) => o.type === 'function_call');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
    assert.equal(call.status, 'completed');
  });

  it('a stream cut after content ends with an error event', T, async () => {
    const stream = await client.responses.create(
      { model: 'claude', input: 'hi', stream: true },
      { headers: { 'x-fake-chunks': '5', 'x-fake-reset-after': '2' } },
    );
    const events = [];
    for await (const event of stream) events.push(event);
    const last = events.at(-1);
    assert.equal(last.type, 'error');
    assert.equal(last.code, 'provider_connection_failed');
    assert.equal(events.filter((e) => e.type === 'response.output_text.delta').length, 2);
  });

  it('stateful and built-in features are refused, naming the field', T, async () => {
    const cases = [
      [{ previous_response_id: 'resp_1' }, 'previous_response_id'],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ store: true }, 'store'],
    ];
    for (const [extra, param] of cases) {
      await assert.rejects(client.responses.create({ model: 'sim', input: 'x', ...extra }), (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, 'caller_unsupported_feature');
        assert.equal(err.param, param);
        return true;
      });
    }
  });
});
