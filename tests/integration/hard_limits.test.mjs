// Hard limits cut streams that outgrow what is left of a budget: a request without max_tokens
// reserves only default_output_tokens, and a `hard: true` rule ends its stream once it has relayed
// what the rule left it, with a final policy_budget_exceeded error event — on the pass-through
// relay (OpenAI provider) and on the translated one (Anthropic provider, OpenAI client). The
// upstream connection is dropped, not reused. A rule that is not hard never cuts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { streamSSE, contentDeltas } from '../lib/http.mjs';

const T = { timeout: 20_000 };
let fake, gw;

before(async () => {
  fake = await startFakeProvider();
  const config = baseConfig({
    fakeBaseUrl: fake.baseUrl,
    extraProviders: [
      { name: 'fake-anthropic', type: 'anthropic', base_url: fake.url, read_timeout: '2s', forward_headers: ['x-fake-*'] },
    ],
    extraModels: [{ name: 'claude', provider: 'fake-anthropic' }],
  });
  config.consumers = [
    { name: 'pass', keys: ['sk-pass-0123456789'] },
    { name: 'translated', keys: ['sk-translated-0123456789'] },
    { name: 'soft', keys: ['sk-soft-0123456789'] },
  ];
  config.rate_limits = [
    { name: 'hard-output', by: ['consumer', 'header:x-bucket'], models: ['gpt-4o-mini', 'claude'], output_tokens: 10, default_output_tokens: 2, hard: true },
    { name: 'soft-output', by: ['consumer'], models: ['sim'], output_tokens: 10, default_output_tokens: 2 },
  ];
  gw = await startGateway(config);
}, T);

after(() => closeAll(gw, fake), T);

const stream = (model, key, headers = {}) =>
  streamSSE(`${gw.url}/v1/chat/completions`, { model, stream: true, messages: [{ role: 'user', content: 'hello' }] }, {
    headers: { authorization: `Bearer ${key}`, 'x-fake-chunks': '40', 'x-fake-chunk-delay-ms': '5', ...headers },
  });

function assertCut(res, most) {
  assert.equal(res.status, 200);
  assert.equal(res.done, false);  // no [DONE]: the stream ended with an error event
  const last = res.events.at(-1).json;
  assert.equal(last.error.code, 'policy_budget_exceeded');
  assert.match(last.error.message, /budget 'hard-output' spent/);
  const received = contentDeltas(res.events).length;
  assert.ok(received >= 1 && received <= most, `received ${received}`);
  return received;
}

describe('hard limits', () => {
  it('pass-through: a stream is cut once it outgrows the budget (one token per data event)', T, async () => {
    const res = await stream('gpt-4o-mini', 'sk-pass-0123456789', { 'x-bucket': 'p1' });
    // Allowance: its 2 reserved + the 8 left = 10 output tokens, counted as data events; the
    // fake's first event carries only the role, so 9 content events get through.
    assert.equal(assertCut(res, 10), 9);
    const line = await gw.waitForLog((l) => l.consumer === 'pass' && l.error_code === 'policy_budget_exceeded');
    assert.equal(line.status, 200);
  });

  it('translated (OpenAI client, Anthropic provider): cut after exactly the allowance', T, async () => {
    const res = await stream('claude', 'sk-translated-0123456789', { 'x-bucket': 't1' });
    assert.equal(assertCut(res, 10), 10);
  });

  it('a stream that fits is not cut, and a rule that is not hard never cuts', T, async () => {
    const fits = await stream('gpt-4o-mini', 'sk-pass-0123456789', { 'x-bucket': 'p2', 'x-fake-chunks': '4' });
    assert.ok(fits.done);
    assert.equal(contentDeltas(fits.events).length, 4);
    // sim answers 5 tokens against a soft rule whose reservation is 2: served whole, twice.
    for (let i = 0; i < 2; i++) {
      const soft = await stream('sim', 'sk-soft-0123456789');
      assert.ok(soft.done);
      assert.equal(contentDeltas(soft.events).length, 5);
    }
  });
});
