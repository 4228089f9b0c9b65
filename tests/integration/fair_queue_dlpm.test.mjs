// queue.policy dlpm: among a tenant's waiting requests (within the quantum), the one whose prompt
// prefix the routing pool's index places on an endpoint with room goes first. Two pools of two sim
// replicas, one request at a time each: A and B take both replicas, then tenant c queues an
// unrelated prompt and, after it, one that extends A's prompt. When A's replica frees, DLPM sends
// the extension there (a cache hit), where VTC sends c's older request and the extension only
// once that one is done.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, closeAll, waitFor } from '../lib/gateway.mjs';
import { postJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const sim = { tokens: 40, tokens_per_second: 20 };  // 2 s unless max_tokens says less

let gw;

function pool(name, policy, replicas) {
  return {
    name,
    targets: replicas.map((provider) => ({ provider })),
    routing: { policy: 'prefix-aware' },
    queue: { policy, max_concurrency: 1, timeout: '20s' },
  };
}

before(async () => {
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 2,
    access_log: 'stdout',
    providers: ['d1', 'd2', 'v1', 'v2'].map((name) => ({ name, type: 'sim', sim })),
    models: [pool('local', 'dlpm', ['d1', 'd2']), pool('plain', 'vtc', ['v1', 'v2'])],
  });
}, T);

after(() => closeAll(gw), T);

// Two long prompts with nothing in common, and one that extends the first.
const promptA = Array.from({ length: 60 }, (_, i) => `sluice gate ${i} holds the river back.`).join(' ');
const promptX = Array.from({ length: 60 }, (_, i) => `lock chamber ${i} lifts the barge.`).join(' ');
const promptA2 = `${promptA} And then it opens.`;

const send = (model, tenant, content, maxTokens) => postJson(`${gw.url}/v1/chat/completions`,
  { model, max_tokens: maxTokens, messages: [{ role: 'user', content }] },
  { headers: { 'x-sluice-tenant': tenant } });
const gauge = (name, model) => metricValue(gw.adminUrl, name, { model });

// Returns the queue times of c's older request and of its extension of A's prompt (told apart in
// the access log by their max_tokens: 10 and 11 output tokens).
async function scenario(model) {
  const a = send(model, 'a', promptA, 8);  // 0.4 s, on one replica
  await waitFor(async () => (await gauge('sluice_queue_granted', model)) === 1, 5_000, { what: 'A' });
  const b = send(model, 'b', promptX.slice(0, 400), 40);  // 2 s, on the other
  await waitFor(async () => (await gauge('sluice_queue_granted', model)) === 2, 5_000, { what: 'B' });
  const older = send(model, 'c', promptX, 10);
  await waitFor(async () => (await gauge('sluice_queue_depth', model)) === 1, 5_000, { what: "c's first" });
  const extension = send(model, 'c', promptA2, 11);
  await waitFor(async () => (await gauge('sluice_queue_depth', model)) === 2, 5_000, { what: "c's second" });
  for (const res of await Promise.all([a, b, older, extension])) assert.equal(res.status, 200, res.text);
  const line = (tokens) => gw.waitForLog((l) => l.route === model && l.output_tokens === tokens);
  return { older: (await line(10)).queue_ms, extension: (await line(11)).queue_ms };
}

describe('fair queue with DLPM locality', () => {
  it('sends a waiting request where its prefix is cached ahead of an older one', T, async () => {
    const waited = await scenario('local');
    // The extension went when A's replica freed (0.4 s), the older one after it (0.5 s more).
    assert.ok(waited.extension + 300 < waited.older, JSON.stringify(waited));
  });

  it('while VTC sends the older one first', T, async () => {
    const waited = await scenario('plain');
    assert.ok(waited.older + 300 < waited.extension, JSON.stringify(waited));
  });
});
