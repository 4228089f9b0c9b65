// LLM-aware routing against model servers that report their load: two OpenAI-compatible
// "replicas" (tiny servers here) expose vLLM-format /metrics at their root; the gateway scrapes
// them (providers[].metrics) and its prefix-aware picker skips the one whose gauges show it
// saturated. Flipping the gauges flips where traffic goes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, baseConfig, closeAll, waitFor } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 20_000 };

// A model server: answers chat completions and serves scripted vLLM gauges at GET /metrics.
async function startReplica(name) {
  const replica = { name, waiting: 0, kv: 0.1, scrapes: [], served: 0 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method === 'GET' && req.url.startsWith('/metrics')) {
        replica.scrapes.push(req.url);
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(
          `# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name="m"} ${replica.waiting}\n` +
            `vllm:num_requests_running{model_name="m"} 1\n` +
            `vllm:kv_cache_usage_perc{model_name="m"} ${replica.kv}\n` +
            `vllm:cache_config_info{block_size="16",num_gpu_blocks="1000"} 1\n`,
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        replica.served++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: 'x', object: 'chat.completion', created: 1, model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: name }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
        }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  replica.url = `http://127.0.0.1:${server.address().port}`;
  replica.close = () => new Promise((r) => server.close(r));
  return replica;
}

let a;
let b;
let gw;

before(async () => {
  a = await startReplica('a');
  b = await startReplica('b');
  const replicaProvider = (r, adapters) => ({
    name: `replica-${r.name}`,
    type: 'openai',
    base_url: `${r.url}/v1`,
    metrics: { type: 'vllm', interval: '50ms' },
    lora_adapters: adapters,
  });
  gw = await startGateway(baseConfig({
    extraProviders: [replicaProvider(a, ['sql-lora']), replicaProvider(b, ['chat-lora'])],
    extraModels: [
      { name: 'pool', targets: [{ provider: 'replica-a' }, { provider: 'replica-b' }], routing: { policy: 'prefix-aware' } },
      // The requested name is a LoRA adapter only replica-a serves.
      { name: 'sql-lora', targets: [{ provider: 'replica-a' }, { provider: 'replica-b' }], routing: { policy: 'prefix-aware', lora: true } },
    ],
  }));
}, T);

after(() => closeAll(gw, a, b), T);

let n = 0;
async function send(model = 'pool') {
  const res = await postJson(`${gw.url}/v1/chat/completions`, {
    model,
    messages: [{ role: 'user', content: `question number ${n++}: ${'x'.repeat(200)}` }],
  });
  assert.equal(res.status, 200, res.text);
  return res.headers.get('x-sluice-backend');
}

describe('scraped model-server gauges', () => {
  it('scrapes /metrics at the server root', T, async () => {
    await waitFor(() => a.scrapes.length > 0 && b.scrapes.length > 0, 5000, { what: 'scrapes' });
    assert.equal(a.scrapes[0], '/metrics');
  });

  it('sends a LoRA adapter only to the replicas that serve it', T, async () => {
    for (let i = 0; i < 6; i++) assert.equal(await send('sql-lora'), 'replica-a');
  });

  it('routes around the replica whose gauges show it saturated, and back', T, async () => {
    a.waiting = 40;  // far past the saturation threshold (5 waiting)
    a.kv = 0.95;
    const seen = a.scrapes.length;
    await waitFor(() => a.scrapes.length > seen + 1, 5000, { what: 'a fresh scrape of a' });
    for (let i = 0; i < 8; i++) assert.equal(await send(), 'replica-b');

    a.waiting = 0;
    a.kv = 0.1;
    b.waiting = 40;
    b.kv = 0.95;
    const seenB = b.scrapes.length;
    await waitFor(() => b.scrapes.length > seenB + 1, 5000, { what: 'a fresh scrape of b' });
    for (let i = 0; i < 8; i++) assert.equal(await send(), 'replica-a');
  });
});
