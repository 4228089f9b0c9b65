// examples/fair-queue.yaml as shipped: two sim replicas taking two requests each, VTC queueing,
// consumers heavy and light. Heavy floods the pool; light's requests must be served promptly, not
// behind heavy's backlog, while heavy's wait in the queue — and the queue shows in the metrics.
// The same flood against `policy: fcfs` makes light wait behind the backlog (so the test can fail).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway, closeAll, testsDir, waitFor } from '../lib/gateway.mjs';
import { metricValue } from '../lib/http.mjs';

const T = { timeout: 60_000 };
const KEYS = { KEY_HEAVY: 'heavy-key-0123456789', KEY_LIGHT: 'light-key-0123456789' };
const HEAVY_REQUESTS = 60;
const LIGHT_REQUESTS = 3;
const example = fs.readFileSync(path.resolve(testsDir, '../examples/fair-queue.yaml'), 'utf8');

const gateways = [];
after(() => closeAll(...gateways), T);

async function start(policy) {
  const text = example.replace('policy: vtc', `policy: ${policy}`);
  assert.ok(text.includes(`policy: ${policy}`));
  const gw = await startGateway(text, {
    args: ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '2'],
    env: KEYS,
  });
  gateways.push(gw);
  return gw;
}

function client(gw, key) {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });
}

async function chat(openai, i) {
  const stream = await openai.chat.completions.create({
    model: 'pool',
    stream: true,
    messages: [{ role: 'user', content: `request ${i}: how high is the water at the sluice?` }],
  });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

// Heavy sends its whole flood at once; once some of it waits in the queue, light sends its
// requests one after another. Returns how many heavy requests had finished when each light one did.
async function flood(gw) {
  const heavy = client(gw, KEYS.KEY_HEAVY);
  const light = client(gw, KEYS.KEY_LIGHT);
  let heavyDone = 0;
  const heavyAll = Promise.all(
    Array.from({ length: HEAVY_REQUESTS }, (_, i) => chat(heavy, i).then((t) => { heavyDone++; return t; })),
  );
  await waitFor(async () => (await metricValue(gw.adminUrl, 'sluice_queue_depth', { model: 'pool' })) >= 20,
    10_000, { what: 'heavy requests waiting in the queue' });
  const heavyDoneAtLight = [];
  for (let i = 0; i < LIGHT_REQUESTS; i++) {
    const text = await chat(light, i);
    assert.ok(text.length > 0);
    heavyDoneAtLight.push(heavyDone);
  }
  const texts = await heavyAll;
  assert.equal(texts.length, HEAVY_REQUESTS);
  for (const t of texts) assert.ok(t.length > 0, 'every heavy request is served in the end');
  return heavyDoneAtLight;
}

function queueTimes(gw, consumer) {
  return gw.accessLog().filter((l) => l.consumer === consumer && l.route === 'pool').map((l) => l.queue_ms ?? 0);
}

describe('examples/fair-queue.yaml', () => {
  it('serves the light tenant promptly while the heavy one floods, with the queue in the metrics', T, async () => {
    const gw = await start('vtc');
    const heavyDoneAtLight = await flood(gw);
    // Light did not wait for heavy's backlog: most of heavy's flood was still unfinished when
    // light's last request was done.
    assert.ok(heavyDoneAtLight.at(-1) <= HEAVY_REQUESTS / 2,
      `heavy requests finished before light's: ${heavyDoneAtLight}`);
    await waitFor(() => queueTimes(gw, 'heavy').length === HEAVY_REQUESTS && queueTimes(gw, 'light').length === LIGHT_REQUESTS);
    const heavyWaits = queueTimes(gw, 'heavy').sort((a, b) => a - b);
    const lightWaits = queueTimes(gw, 'light');
    const heavyMedian = heavyWaits[Math.floor(heavyWaits.length / 2)];
    for (const w of lightWaits) assert.ok(w < heavyMedian, `light waited ${lightWaits} ms, heavy's median ${heavyMedian} ms`);

    const dispatched = await metricValue(gw.adminUrl, 'sluice_queue_requests_total', { model: 'pool', result: 'dispatched' });
    const direct = await metricValue(gw.adminUrl, 'sluice_queue_requests_total', { model: 'pool', result: 'direct' });
    assert.equal(dispatched + direct, HEAVY_REQUESTS + LIGHT_REQUESTS);
    assert.ok(dispatched >= 20, `requests that waited: ${dispatched}`);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_queue_wait_seconds_count', { model: 'pool' }), dispatched);
    // Everything drained: nothing waits, no grant is left behind.
    assert.equal(await metricValue(gw.adminUrl, 'sluice_queue_depth', { model: 'pool' }), 0);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_queue_granted', { model: 'pool' }), 0);
  });

  it('with policy fcfs the same flood makes the light tenant wait behind it', T, async () => {
    const gw = await start('fcfs');
    const heavyDoneAtLight = await flood(gw);
    assert.ok(heavyDoneAtLight[0] >= 20, `heavy requests finished before light's first: ${heavyDoneAtLight}`);
  });
});
