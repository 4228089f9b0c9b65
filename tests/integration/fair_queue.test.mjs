// Fair queueing's edges (models[].queue): a request that waits past the queue's timeout, a
// sheddable one, a bad x-sluice-priority, shedding for a higher band when the queue is full, and a
// client that hangs up while queued. Each sim replica takes one request at a time here, and one
// slow stream holds it while the others queue.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, closeAll, waitFor } from '../lib/gateway.mjs';
import { postJson, getJson, metricValue, streamSSE, assertOpenAiError } from '../lib/http.mjs';
import { startFakeProvider } from '../lib/fake_provider.mjs';

const T = { timeout: 30_000 };
const LOW = 'low-key-0123456789abcdef';
const HIGH = 'high-key-0123456789abcdef';
const slow = { tokens: 40, tokens_per_second: 20 };  // a 2 s stream

let gw;

function config(extraModels = []) {
  return {
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 2,
    access_log: 'stdout',
    providers: [
      { name: 'slow-a', type: 'sim', sim: slow },
      { name: 'slow-b', type: 'sim', sim: slow },
    ],
    models: [
      { name: 'short', provider: 'slow-a', queue: { max_concurrency: 1, max_queued: 1, timeout: '400ms' } },
      { name: 'long', provider: 'slow-b', queue: { max_concurrency: 1, timeout: '20s' } },
      ...extraModels,
    ],
    consumers: [
      { name: 'low', keys: [LOW] },
      { name: 'high', keys: [HIGH], priority: 5 },
    ],
  };
}

before(async () => {
  gw = await startGateway(config());
}, T);

after(() => closeAll(gw), T);

const chat = (model, content = 'hello') => ({ model, messages: [{ role: 'user', content }] });
const auth = (key, extra = {}) => ({ headers: { authorization: `Bearer ${key}`, ...extra } });
const queued = (model) => metricValue(gw.adminUrl, 'sluice_queue_depth', { model });
const results = (model, result) => metricValue(gw.adminUrl, 'sluice_queue_requests_total', { model, result });

// Starts a slow stream on `model` and resolves once it holds the model's only slot, with the
// stream's promise wrapped (an async function returning a bare promise would wait for it).
async function holdSlot(model) {
  const stream = streamSSE(`${gw.url}/v1/chat/completions`, { ...chat(model), stream: true }, auth(LOW));
  await waitFor(async () => (await metricValue(gw.adminUrl, 'sluice_queue_granted', { model })) === 1,
    5_000, { what: `a grant on ${model}` });
  return { stream };
}

describe('fair queue edges', () => {
  it('answers 429 policy_queue_timeout with retry-after when the wait outlasts the timeout', T, async () => {
    const { stream: holder } = await holdSlot('short');
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('short'), auth(LOW));
    assert.equal(res.status, 429);
    assertOpenAiError(res.json, 'policy_queue_timeout');
    assert.equal(res.json.error.type, 'rate_limit_error');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    // The Anthropic dialect gets its own error shape.
    const anthropic = await postJson(`${gw.url}/v1/messages`,
      { model: 'short', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': LOW, 'anthropic-version': '2023-06-01' } });
    assert.equal(anthropic.status, 429);
    assert.equal(anthropic.json.type, 'error');
    assert.equal(anthropic.json.error.type, 'rate_limit_error');
    assert.match(anthropic.json.error.message, /saturated/);
    const line = await gw.waitForLog((l) => l.error_code === 'policy_queue_timeout');
    assert.ok(line.queue_ms >= 300, `queue_ms ${line.queue_ms}`);
    const done = await holder;
    assert.ok(done.done, 'the holder was served whole');
  });

  it('refuses a sheddable request at once, and a priority header that is not an integer', T, async () => {
    const { stream: holder } = await holdSlot('short');
    const shed = await postJson(`${gw.url}/v1/chat/completions`, chat('short'), auth(HIGH, { 'x-sluice-priority': '-1' }));
    assert.equal(shed.status, 429);
    assertOpenAiError(shed.json, 'policy_queue_full');
    assert.match(shed.json.error.message, /sheddable/);
    assert.ok(Number(shed.headers.get('retry-after')) >= 1);
    const bad = await postJson(`${gw.url}/v1/chat/completions`, chat('short'), auth(HIGH, { 'x-sluice-priority': 'urgent' }));
    assert.equal(bad.status, 400);
    assertOpenAiError(bad.json, 'caller_invalid_request');
    await holder;
  });

  it('sheds the lower band when the queue is full and a higher one arrives', T, async () => {
    const { stream: holder } = await holdSlot('short');
    const shedBefore = await results('short', 'shed');
    const low = postJson(`${gw.url}/v1/chat/completions`, chat('short'), auth(LOW));
    await waitFor(async () => (await queued('short')) === 1, 5_000, { what: 'the low request queued' });
    const high = postJson(`${gw.url}/v1/chat/completions`, chat('short'), auth(HIGH));
    const lowRes = await low;
    assert.equal(lowRes.status, 429);
    assertOpenAiError(lowRes.json, 'policy_queue_full');
    assert.match(lowRes.json.error.message, /shed/);
    assert.equal(await results('short', 'shed'), shedBefore + 1);
    // The high request kept its place (and times out later, the slot being held 2 s).
    const highRes = await high;
    assertOpenAiError(highRes.json, 'policy_queue_timeout');
    await holder;
  });

  it('takes a client that hangs up out of the queue at once', T, async () => {
    const { stream: holder } = await holdSlot('long');
    const ac = new AbortController();
    const gone = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${LOW}` },
      body: JSON.stringify(chat('long')),
      signal: ac.signal,
    }).catch((e) => e);
    await waitFor(async () => (await queued('long')) === 1, 5_000, { what: 'the request queued' });
    ac.abort();
    await gone;
    // Long before the holder ends (2 s) or the queue's timeout (20 s).
    await waitFor(async () => (await queued('long')) === 0 && (await results('long', 'cancelled')) === 1,
      1_500, { what: 'the request leaving the queue' });
    const line = await gw.waitForLog((l) => l.route === 'long' && l.error_code === 'caller_cancelled');
    assert.equal(line.status, 499);
    assert.ok((await holder).done);
    // Nothing is left holding a grant, whatever way the requests ended.
    for (const model of ['short', 'long'])
      await waitFor(async () => (await metricValue(gw.adminUrl, 'sluice_queue_granted', { model })) === 0,
        5_000, { what: `grants on ${model} released` });
  });

  it('keeps what waits in the queue across a reload that keeps the targets', T, async () => {
    const { stream: holder } = await holdSlot('long');
    const waiting = postJson(`${gw.url}/v1/chat/completions`, chat('long'), auth(LOW));
    await waitFor(async () => (await queued('long')) === 1, 5_000, { what: 'the request queued' });
    await gw.reload(config([{ name: 'added', provider: 'slow-a' }]));
    const models = async () => (await getJson(`${gw.url}/v1/models`, auth(LOW))).json.data.map((m) => m.id);
    await waitFor(async () => (await models()).includes('added'), 10_000, { what: 'the reload' });
    assert.equal(await queued('long'), 1, 'still waiting after the reload');
    const res = await waiting;  // served once the holder, started before the reload, is done
    assert.equal(res.status, 200, res.text);
    assert.ok((await holder).done);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_queue_granted', { model: 'long' }), 0);
  });
});

// A provider quota corrected by the provider's own x-ratelimit headers: once it says no request
// is left, requests wait in the queue (here until the timeout) instead of collecting its 429s,
// and go again once its reset time has passed. And one quota shared by two queued models.
describe('fair queue on a provider quota', () => {
  let fake;
  let quotaGw;
  before(async () => {
    fake = await startFakeProvider();
    quotaGw = await startGateway({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      workers: 2,
      access_log: 'stdout',
      providers: [{
        name: 'fake', type: 'openai', base_url: fake.baseUrl, api_key: 'sk-test-upstream',
        forward_headers: ['x-fake-*'], quota: { requests_per_minute: 100 },
      }, {
        name: 'fake-shared', type: 'openai', base_url: fake.baseUrl, api_key: 'sk-test-upstream',
        quota: { requests_per_minute: 2 },
      }],
      models: [
        { name: 'hosted', provider: 'fake', queue: { timeout: '300ms' } },
        { name: 'hosted-plain', provider: 'fake' },  // no queue, same provider
        // Two more models on a second provider, whose quota they share.
        { name: 'shared-a', provider: 'fake-shared', queue: { timeout: '300ms' } },
        { name: 'shared-b', provider: 'fake-shared', queue: { timeout: '300ms' } },
      ],
    });
  }, T);
  after(() => closeAll(quotaGw, fake), T);

  it('waits while the provider says its requests are spent, and goes again after its reset', T, async () => {
    const url = `${quotaGw.url}/v1/chat/completions`;
    const first = await postJson(url, chat('hosted'), { headers: { 'x-fake-ratelimit': '0,50000,2s' } });
    assert.equal(first.status, 200, first.text);
    // By the local count 99 requests are left; the provider said 0, for 2 s.
    const served = fake.requests.length;
    const refused = await postJson(url, chat('hosted'));
    assert.equal(refused.status, 429);
    assertOpenAiError(refused.json, 'policy_queue_timeout');
    assert.ok(Number(refused.headers.get('retry-after')) >= 2, refused.headers.get('retry-after'));
    assert.equal(fake.requests.length, served, 'nothing was sent to the provider meanwhile');
    await waitFor(async () => (await postJson(url, chat('hosted'))).status === 200, 5_000,
      { what: 'the quota to refill', intervalMs: 200 });
  });

  it('learns what is left from the answers to a model without a queue too', T, async () => {
    const url = `${quotaGw.url}/v1/chat/completions`;
    const plain = await postJson(url, chat('hosted-plain'), { headers: { 'x-fake-ratelimit': '0,50000,2s' } });
    assert.equal(plain.status, 200, plain.text);
    const served = fake.requests.length;
    const refused = await postJson(url, chat('hosted'));
    assertOpenAiError(refused.json, 'policy_queue_timeout');
    assert.equal(fake.requests.length, served, 'nothing was sent to the provider');
  });

  it('counts one provider quota once for every queued model that sends to it', T, async () => {
    const url = `${quotaGw.url}/v1/chat/completions`;
    for (const model of ['shared-a', 'shared-b']) {
      const res = await postJson(url, chat(model));
      assert.equal(res.status, 200, res.text);
    }
    // Two requests per minute in all: each model has sent only one, but the provider's are spent.
    const served = fake.requests.length;
    const refused = await postJson(url, chat('shared-a'));
    assert.equal(refused.status, 429, refused.text);
    assertOpenAiError(refused.json, 'policy_queue_timeout');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.equal(fake.requests.length, served, 'nothing was sent to the provider');
  });
});
