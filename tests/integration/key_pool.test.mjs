// Provider key pools: a key the provider refuses (401/403) is set aside and the request goes on
// with another key at once; a rate-limited key (429) rests; keys come back after their time; a
// reload brings new keys; no key ever appears in answers, logs, metrics or the admin API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll, waitFor } from '../lib/gateway.mjs';
import { postJson, getJson, metricValue } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const BAD = 'sk-bad-0123456789';
const GOOD = 'sk-good-0123456789';
const BUSY = 'sk-busy-0123456789';
const BAD2 = 'sk-bad2-0123456789';
const body = { model: 'pooled', messages: [{ role: 'user', content: 'hi' }] };

let fake;
let gw;

function config(keys, { deadTime = '10m' } = {}) {
  return baseConfig({
    wildcard: false,
    extraProviders: [
      { name: 'pool', type: 'openai', base_url: fake.baseUrl, read_timeout: '2s', key_dead_time: deadTime, api_keys: keys },
    ],
    // Two attempts: with two refused keys, the answer is the second key's own 401.
    extraModels: [{ name: 'pooled', provider: 'pool', retry: { attempts: 2 } }],
  });
}

const keysSeen = (since) =>
  fake.requests.slice(since).map((r) => String(r.headers.authorization).replace('Bearer ', ''));
const providerKeys = async () =>
  (await getJson(`${gw.adminUrl}/admin/providers`)).json.providers.find((p) => p.name === 'pool').keys;

// Reloads and waits until the admin plane shows the new key ids (workers switch right after).
async function reloadKeys(keys, opts) {
  await gw.reload(config(keys, opts));
  const ids = keys.map((k) => k.id).join(',');
  await waitFor(async () => (await providerKeys()).map((k) => k.id).join(',') === ids, 10_000, {
    what: `keys ${ids} loaded`,
  });
}

before(async () => {
  fake = await startFakeProvider();
  fake.setKeyRules({ reject: [BAD, BAD2], ratelimit: [BUSY] });
  gw = await startGateway(
    config([
      { id: 'bad', key: BAD, weight: 10 },
      { id: 'good', key: GOOD, weight: 1 },
    ]),
  );
}, T);

after(() => closeAll(gw, fake), T);

describe('key pool', () => {
  it('a refused key is set aside and the request succeeds with another key', T, async () => {
    const since = fake.requests.length;
    for (let i = 0; i < 20; i++) {
      const res = await postJson(`${gw.url}/v1/chat/completions`, body);
      assert.equal(res.status, 200, res.text);
    }
    const seen = keysSeen(since);
    assert.ok(seen.filter((k) => k === BAD).length <= 1, 'the bad key is tried at most once');
    assert.ok(seen.filter((k) => k === GOOD).length >= 20);
    const keys = await providerKeys();
    assert.deepEqual(keys.map((k) => [k.id, k.state]), [['bad', 'dead'], ['good', 'up']]);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_provider_key_up', { provider: 'pool', key: 'bad' }), 0);
    assert.equal(await metricValue(gw.adminUrl, 'sluice_provider_key_up', { provider: 'pool', key: 'good' }), 1);
  });

  it('a key answered 429 rests; the others carry the traffic', T, async () => {
    await reloadKeys([
      { id: 'busy', key: BUSY, weight: 10 },
      { id: 'good', key: GOOD, weight: 1 },
    ]);
    const since = fake.requests.length;
    for (let i = 0; i < 10; i++) {
      const res = await postJson(`${gw.url}/v1/chat/completions`, body);
      assert.equal(res.status, 200, res.text);
    }
    assert.ok(keysSeen(since).filter((k) => k === BUSY).length <= 1);
    const busy = (await providerKeys()).find((k) => k.id === 'busy');
    assert.equal(busy.state, 'resting');
    assert.ok(busy.back_in_s > 20 && busy.back_in_s <= 30, `rests for retry-after: ${busy.back_in_s}`);
  });

  it('every key refused: 502 provider_auth_failed, without the keys in the messages', T, async () => {
    await reloadKeys([{ id: 'bad1', key: BAD }, { id: 'bad2', key: BAD2 }], { deadTime: '1s' });
    // Until every worker has switched, a request may still carry the previous config's good key.
    const res = await waitFor(async () => {
      const r = await postJson(`${gw.url}/v1/chat/completions`, body);
      return r.status !== 200 && r;
    }, 10_000, { what: 'the reloaded key set in use' });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'provider_auth_failed');
    assert.ok(!res.text.includes(BAD) && !res.text.includes(BAD2), 'refused keys are redacted');
    assert.match(res.json.error.message, /\[redacted\]/);
    const again = await postJson(`${gw.url}/v1/chat/completions`, body);
    assert.equal(again.status, 502);
    assert.match(again.json.error.message, /every API key of provider 'pool' was refused/);
  });

  it('a lone key is never set aside', T, async () => {
    await reloadKeys([{ id: 'lone', key: BAD }]);
    await waitFor(async () => (await postJson(`${gw.url}/v1/chat/completions`, body)).json?.error?.message?.includes('[redacted]'), 10_000, { what: 'the lone key in use' });
    const again = await postJson(`${gw.url}/v1/chat/completions`, body);
    assert.match(again.json.error.message, /answered 401/, 'the upstream is asked again');
    assert.equal((await providerKeys())[0].state, 'up');
  });

  it('a dead key is used again after its dead time', T, async () => {
    await reloadKeys([{ id: 'bad1', key: BAD }, { id: 'bad2', key: BAD2 }], { deadTime: '1s' });
    await waitFor(async () => (await postJson(`${gw.url}/v1/chat/completions`, body)).status === 502, 10_000, { what: 'keys refused' });
    assert.equal((await providerKeys())[0].state, 'dead');
    fake.setKeyRules({ reject: [], ratelimit: [] });  // the operator fixed the key upstream
    await waitFor(async () => (await providerKeys())[0].state === 'up', 5000, { what: 'key back up' });
    const res = await postJson(`${gw.url}/v1/chat/completions`, body);
    assert.equal(res.status, 200);
  });

  it('no key appears in the access log, metrics or admin API', T, async () => {
    const texts = [
      JSON.stringify(gw.accessLog()),
      (await getJson(`${gw.adminUrl}/metrics`)).text,
      (await getJson(`${gw.adminUrl}/admin/providers`)).text,
      gw.stderr(),
    ];
    for (const t of texts) for (const key of [BAD, BAD2, GOOD, BUSY]) assert.ok(!t.includes(key), `${key} leaked`);
    assert.ok(gw.accessLog().some((l) => l.key_id === 'good'), 'the log names keys by id');
  });
});
