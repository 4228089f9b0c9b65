// examples/prefix-routing.yaml as shipped: four sim replicas acting as model servers behind the
// prefix-aware policy. A repeated system prompt must keep going to the replica that cached it, and
// the replica must report more and more of the prompt as cached.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway, closeAll, testsDir } from '../lib/gateway.mjs';
import { request, parsePrometheus } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const SYSTEM = 'You are the sluice-gate assistant of the Grand Canal. '.repeat(40); // ~2.2k chars

let gw;
let openai;

before(async () => {
  const text = fs.readFileSync(path.resolve(testsDir, '../examples/prefix-routing.yaml'), 'utf8');
  // Several workers on purpose: the routing state is shared, so affinity must hold whichever
  // worker accepts the connection.
  gw = await startGateway(text, { args: ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '2'] });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
}, T);

after(() => closeAll(gw), T);

async function ask(system, question, { stream = false } = {}) {
  const messages = [{ role: 'system', content: system }, { role: 'user', content: question }];
  if (!stream) {
    const { data, response } = await openai.chat.completions
      .create({ model: 'pool', messages })
      .withResponse();
    return { backend: response.headers.get('x-sluice-backend'), usage: data.usage };
  }
  const { data: events, response } = await openai.chat.completions
    .create({ model: 'pool', messages, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  let usage;
  for await (const chunk of events) if (chunk.usage) usage = chunk.usage;
  return { backend: response.headers.get('x-sluice-backend'), usage };
}

describe('examples/prefix-routing.yaml', () => {
  it('sends a repeated system prompt to the same replica, with cached_tokens rising', T, async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask(SYSTEM, `Question ${i}: when does lock ${i} open?`, { stream: i % 2 === 1 }));
    const backend = answers[0].backend;
    assert.match(backend, /^replica-[0-3]$/);
    for (const a of answers) assert.equal(a.backend, backend, 'same replica every time');
    const cached = answers.map((a) => a.usage.prompt_tokens_details.cached_tokens);
    assert.equal(cached[0], 0, 'a cold replica has nothing cached');
    assert.ok(cached[1] >= 0.8 * SYSTEM.length / 4, `second request reuses the system prompt: ${cached}`);
    for (let i = 1; i < cached.length; i++) assert.ok(cached[i] > 0);
    for (const a of answers) assert.ok(a.usage.prompt_tokens_details.cached_tokens < a.usage.prompt_tokens);
  });

  it('exposes each replica in vLLM format, with the prefix-cache hits it served', T, async () => {
    await ask(SYSTEM, 'One more question.');
    await ask(SYSTEM, 'And one more.');  // a hit, even when this test runs alone
    let hits = 0;
    for (let r = 0; r < 4; r++) {
      const res = await request(`${gw.adminUrl}/sim/replica-${r}/metrics`);
      assert.equal(res.status, 200, res.text);
      const samples = parsePrometheus(res.text);
      const names = new Set(samples.map((s) => s.name));
      for (const n of ['vllm:num_requests_waiting', 'vllm:num_requests_running', 'vllm:kv_cache_usage_perc', 'vllm:cache_config_info'])
        assert.ok(names.has(n), `${n} in ${res.text}`);
      hits += samples.filter((s) => s.name === 'vllm:prefix_cache_hits_total').reduce((t, s) => t + s.value, 0);
    }
    assert.ok(hits > 0);
    const missing = await request(`${gw.adminUrl}/sim/nope/metrics`);
    assert.equal(missing.status, 404);
  });
});
