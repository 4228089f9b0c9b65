// The usage ledger and money budgets: every request's usage and cost lands in SQLite, is queryable
// per consumer / model / day on the admin API, survives a restart; a cost budget refuses requests
// once spent.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway, closeAll, tempDir } from '../lib/gateway.mjs';
import { getJson } from '../lib/http.mjs';

const T = { timeout: 30_000 };
const KEY_A = 'sk-ledger-a-0123456789';
const KEY_B = 'sk-ledger-b-0123456789';
const messages = [{ role: 'user', content: 'hello there' }];

let gw;
let config;

before(async () => {
  config = {
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    workers: 2,
    consumers: [
      { name: 'alice', team: 'red', keys: [KEY_A] },
      { name: 'bob', team: 'blue', keys: [KEY_B] },
    ],
    // $1 per million input tokens, $2 per million output: a sim answer of 8 tokens costs $0.000016
    // plus its prompt.
    pricing: { sim: { input_per_mtok: 1, output_per_mtok: 2 } },
    // Bob may spend a thousandth of a dollar a day.
    rate_limits: [{ name: 'bob-budget', by: ['consumer'], models: ['sim'], window: '24h', cost_usd: 0.001 }],
    ledger: { path: path.join(tempDir(), 'usage.db') },
    providers: [{ name: 'sim', type: 'sim', sim: { tokens: 8 } }],
    models: [{ name: 'sim', provider: 'sim' }],
  };
  gw = await startGateway(config);
}, T);

after(() => closeAll(gw), T);

const client = (key) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

describe('usage ledger', () => {
  it('records usage and cost per consumer, queryable on the admin API', T, async () => {
    for (let i = 0; i < 3; i++) await client(KEY_A).chat.completions.create({ model: 'sim', messages, max_tokens: 20 });
    await client(KEY_B).chat.completions.create({ model: 'sim', messages, max_tokens: 20 });
    const line = await gw.waitForLog((l) => l.consumer === 'alice');
    assert.ok(line.cost_usd > 0, 'the access log carries the cost');
    const res = await getJson(`${gw.adminUrl}/admin/usage?group_by=consumer`);
    assert.equal(res.status, 200);
    const alice = res.json.rows.find((r) => r.consumer === 'alice');
    assert.equal(alice.requests, 3);
    assert.equal(alice.output_tokens, 24);
    const expected = (alice.input_tokens * 1 + alice.output_tokens * 2) / 1e6;
    assert.ok(Math.abs(alice.cost_usd - expected) < 1e-9, `cost ${alice.cost_usd} vs ${expected}`);
    const byModel = await getJson(`${gw.adminUrl}/admin/usage?group_by=model&consumer=bob`);
    assert.deepEqual(byModel.json.rows.map((r) => [r.model, r.requests]), [['sim', 1]]);
  });

  it('bad queries are 400', T, async () => {
    assert.equal((await getJson(`${gw.adminUrl}/admin/usage?group_by=planet`)).status, 400);
    assert.equal((await getJson(`${gw.adminUrl}/admin/usage?from=yesterday`)).status, 400);
  });

  it('a money budget refuses requests once spent', T, async () => {
    let refused;
    for (let i = 0; i < 200 && !refused; i++) {
      try {
        await client(KEY_B).chat.completions.create({ model: 'sim', messages, max_tokens: 20 });
      } catch (err) {
        refused = err;
      }
    }
    assert.ok(refused, 'the budget ran out');
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'policy_budget_exceeded');
    assert.match(refused.message, /bob-budget.*cost_usd/);
    const bob = (await getJson(`${gw.adminUrl}/admin/usage?group_by=consumer&consumer=bob`)).json.rows[0];
    assert.ok(bob.cost_usd <= 0.001 + 1e-9, `spent ${bob.cost_usd}`);
    // Alice is not on that budget.
    await client(KEY_A).chat.completions.create({ model: 'sim', messages, max_tokens: 20 });
  });

  it('survives a restart', T, async () => {
    const before = (await getJson(`${gw.adminUrl}/admin/usage?group_by=consumer,model,day`)).json.rows;
    await gw.stop();
    gw = await startGateway(config);
    const after = (await getJson(`${gw.adminUrl}/admin/usage?group_by=consumer,model,day`)).json.rows;
    assert.deepEqual(after, before);
    assert.ok(after.length >= 2);
  });
});
