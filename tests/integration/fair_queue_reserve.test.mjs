// queue.reserve: slots of a pool that only a tenant with nothing waiting and under its share may
// take. Heavy floods two pools of sim replicas whose requests take 2 s each; once heavy's backlog
// has formed, light sends one request. With a reserve it goes at once on a reserved slot; without
// one it waits in the queue (first in line, by VTC) for the next of heavy's requests to finish.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, closeAll, waitFor } from '../lib/gateway.mjs';
import { postJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const HEAVY = 'heavy-key-0123456789abcdef';
const LIGHT = 'light-key-0123456789abcdef';
const slow = { tokens: 40, tokens_per_second: 20 };  // 2 s per request

let gw;

before(async () => {
  gw = await startGateway({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 2,
    access_log: 'stdout',
    providers: [
      { name: 'slow-a', type: 'sim', sim: slow },
      { name: 'slow-b', type: 'sim', sim: slow },
    ],
    models: [
      // Three slots, one of them reserved: heavy keeps two once its backlog has formed.
      { name: 'reserved', provider: 'slow-a', queue: { max_concurrency: 3, reserve: 1, timeout: '20s' } },
      { name: 'plain', provider: 'slow-b', queue: { max_concurrency: 2, timeout: '20s' } },
    ],
    consumers: [
      { name: 'heavy', keys: [HEAVY] },
      { name: 'light', keys: [LIGHT] },
    ],
  });
}, T);

after(() => closeAll(gw), T);

const chat = (model, content) => ({ model, messages: [{ role: 'user', content }] });
const auth = (key) => ({ headers: { authorization: `Bearer ${key}` } });
const gauge = (name, model) => metricValue(gw.adminUrl, name, { model });
const results = (model, result) => metricValue(gw.adminUrl, 'sluice_queue_requests_total', { model, result });

// Heavy sends `n` requests at once; resolves (with their promises wrapped) once two of them are
// being served, the rest wait and `settled` holds.
async function flood(model, n, settled) {
  const heavy = [];
  for (let i = 0; i < n; ++i)
    heavy.push(postJson(`${gw.url}/v1/chat/completions`, chat(model, `heavy ${i}`), auth(HEAVY)));
  await waitFor(async () => (await gauge('sluice_queue_granted', model)) === 2 &&
    (await gauge('sluice_queue_depth', model)) >= 1 && (await settled()),
  15_000, { what: `heavy's backlog on ${model}` });
  return { heavy };
}

describe('fair queue reserve', () => {
  it('lets a tenant with nothing waiting take a reserved slot at once', T, async () => {
    // Heavy's burst comes before its backlog forms, but two grants are already its whole share
    // of the unreserved slots: the reserved one stays free.
    const { heavy } = await flood('reserved', 6, async () => (await gauge('sluice_queue_depth', 'reserved')) === 4);
    assert.equal(await results('reserved', 'reserved') ?? 0, 0, 'heavy took no reserved slot');
    const light = postJson(`${gw.url}/v1/chat/completions`, chat('reserved', 'light'), auth(LIGHT));
    await waitFor(async () => (await results('reserved', 'reserved')) === 1, 5_000,
      { what: 'light on the reserved slot' });
    // Granted while heavy's first two still held their slots (2 s) and the rest of heavy waited.
    assert.equal(await gauge('sluice_queue_granted', 'reserved'), 3);
    assert.equal(await gauge('sluice_queue_depth', 'reserved'), 4);
    assert.equal((await light).status, 200);
    const line = await gw.waitForLog((l) => l.route === 'reserved' && l.consumer === 'light');
    assert.equal(line.queue_ms ?? 0, 0, 'light did not wait');
    for (const res of await Promise.all(heavy)) assert.equal(res.status, 200, res.text);
    assert.equal(await gauge('sluice_queue_granted', 'reserved'), 0);
  });

  it('without a reserve the same tenant waits for the next request to end', T, async () => {
    const { heavy } = await flood('plain', 4, async () => true);
    const light = await postJson(`${gw.url}/v1/chat/completions`, chat('plain', 'light'), auth(LIGHT));
    assert.equal(light.status, 200, light.text);
    const line = await gw.waitForLog((l) => l.route === 'plain' && l.consumer === 'light');
    // Heavy's two requests hold both slots for 2 s; light went first once one of them ended.
    assert.ok(line.queue_ms >= 500, `queue_ms ${line.queue_ms}`);
    assert.equal(await results('plain', 'reserved') ?? 0, 0);
    for (const res of await Promise.all(heavy)) assert.equal(res.status, 200, res.text);
  });
});
