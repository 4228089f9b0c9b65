// examples/limits-redis.yaml: two gateway processes drawing on one token budget kept in a real
// redis-server. Under a burst of concurrent streams spread over both, they admit no more than the
// limit allows (tolerance: none — every admission is one atomic script over the shared bucket, so
// the reservations of admitted requests never add up past the limit; what a request then really
// uses can only exceed its reservation by the error of the local prompt-token estimate, zero for
// the sim). The same burst against two in-memory gateways overshoots, which is what the store is
// for. Redis killed mid-run: fail_mode open lets requests through unchecked and says so (metrics,
// access log, stderr), in-flight streams finish, and limits come back when Redis does; fail_mode
// closed refuses with 503 gateway_store_unavailable in both dialects. Cost budgets refuse with
// policy_budget_exceeded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, closeAll, testsDir, waitFor } from '../lib/gateway.mjs';
import { closedPort, metricValue } from '../lib/http.mjs';
import { startRedis } from '../lib/redis.mjs';

const T = { timeout: 60_000 };
const KEY_A = 'sk-team-a-0123456789';
const KEY_B = 'sk-team-b-0123456789';
const LIMIT = 2000;
const MAX_TOKENS = 100;
const messages = [{ role: 'user', content: 'hi' }];
const ARGS = ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '2'];

// As shipped, except: a slower sim (16 tokens in 4 s), so streams hold their reservations for
// seconds whatever the machine's load; and a 31-day window, so a burst cannot straddle a window
// boundary (with 1m it would, about once in sixty runs, and see two budgets).
function exampleText({ memory = false } = {}) {
  let text = fs
    .readFileSync(path.resolve(testsDir, '../examples/limits-redis.yaml'), 'utf8')
    .replace('tokens_per_second: 40', 'tokens_per_second: 4')
    .replace('window: 1m', 'window: 744h');
  assert.ok(text.includes('tokens_per_second: 4}') && text.includes('window: 744h'));
  if (memory) text = text.replace(/^store:\n(  .*\n)+/m, '');
  return text;
}

let redis;
let gateways = [];
const openai = (gw, apiKey) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });

before(async () => {
  redis = await startRedis();
  const env = { KEY_A, KEY_B, REDIS_URL: redis.url };
  gateways = [await startGateway(exampleText(), { env, args: ARGS }), await startGateway(exampleText(), { env, args: ARGS })];
}, T);

after(() => closeAll(...gateways, redis), T);

// `n` concurrent streams for `key`, alternating between `gws`; each either admitted (its
// x-ratelimit-remaining-tokens and the usage it reported) or refused (status and code).
function burst(gws, key, n) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      openai(gws[i % gws.length], key)
        .chat.completions.create({
          model: 'sim', messages, max_tokens: MAX_TOKENS, stream: true, stream_options: { include_usage: true },
        })
        .withResponse()
        .then(async ({ data, response }) => {
          let usage;
          for await (const chunk of data) if (chunk.usage) usage = chunk.usage;
          return { ok: true, gateway: i % gws.length, remaining: Number(response.headers.get('x-ratelimit-remaining-tokens')), usage };
        })
        .catch((err) => ({ ok: false, status: err.status, code: err.code })),
    ),
  );
}

describe('two gateways, one budget in Redis', () => {
  it('a burst of streams over both admits no more than the budget allows', T, async () => {
    const results = await burst(gateways, KEY_A, 40);
    const admitted = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    // Each stream reserves its prompt (at least 1 token) + 100: at most 19 fit in 2,000.
    const fit = Math.floor(LIMIT / (MAX_TOKENS + 1));
    assert.ok(admitted.length >= 1 && admitted.length <= fit, `admitted ${admitted.length}, at most ${fit}`);
    assert.ok(refused.every((r) => r.status === 429 && r.code === 'policy_rate_limited'), JSON.stringify(refused[0]));
    // Atomic admissions: no two saw the same bucket state, wherever they were admitted.
    console.log(`redis burst: admitted ${admitted.length} (${admitted.filter((r) => r.gateway === 0).length} via the first gateway)`);
    const remaining = admitted.map((r) => r.remaining);
    assert.equal(new Set(remaining).size, admitted.length, `remaining ${remaining}`);
    assert.ok(Math.min(...remaining) >= 0);
    // What the admitted streams really used is inside the budget (tolerance 0).
    const used = admitted.reduce((s, r) => s + r.usage.total_tokens, 0);
    assert.ok(used <= LIMIT, `used ${used}`);
  });

  it('the same burst against two in-memory gateways overshoots (why the store exists)', T, async () => {
    const env = { KEY_A, KEY_B };
    const memory = [await startGateway(exampleText({ memory: true }), { env, args: ARGS }),
      await startGateway(exampleText({ memory: true }), { env, args: ARGS })];
    try {
      const results = await burst(memory, KEY_A, 40);
      const admitted = results.filter((r) => r.ok).length;
      console.log(`memory burst: admitted ${admitted}`);
      assert.ok(admitted > Math.floor(LIMIT / (MAX_TOKENS + 1)), `admitted ${admitted}`);
    } finally {
      await closeAll(...memory);
    }
  });
});

describe('Redis goes away and comes back', () => {
  it('fail_mode open: unchecked but visible, in-flight streams finish, limits return with Redis', T, async () => {
    const [g1, g2] = gateways;
    // Two streams admitted through Redis, still running when it dies.
    const client = openai(g1, KEY_B);
    const inFlight = [0, 1].map(() =>
      client.chat.completions.create({ model: 'sim', messages, max_tokens: 50, stream: true }).withResponse());
    const opened = await Promise.all(inFlight);
    for (const { response } of opened) assert.ok(response.headers.get('x-ratelimit-remaining-tokens'));

    await redis.kill('SIGKILL');
    // New requests pass, unchecked (no x-ratelimit headers), on both gateways.
    for (const gw of [g1, g2]) {
      const { data, response } = await openai(gw, KEY_B).chat.completions
        .create({ model: 'sim', messages, max_tokens: 2 }).withResponse();
      assert.equal(response.status, 200);
      assert.equal(data.usage.completion_tokens, 2);
      assert.equal(response.headers.get('x-ratelimit-remaining-tokens'), null);
      const line = await gw.waitForLog((l) => l.request_id === response.headers.get('x-sluice-request-id'));
      assert.equal(line.limits_unchecked, true);
      assert.ok((await metricValue(gw.adminUrl, 'sluice_store_failures_total', { action: 'allowed' })) >= 1);
      await waitFor(async () => (await metricValue(gw.adminUrl, 'sluice_store_connected')) === 0, 5000,
        { what: 'sluice_store_connected to drop to 0' });
      assert.match(gw.stderr(), /Redis at 127\.0\.0\.1:\d+ unavailable .*fail_mode open/);
    }
    // The streams admitted before the outage end normally.
    for (const { data } of opened) {
      let chunks = 0;
      for await (const chunk of data) if (chunk.choices?.[0]?.delta?.content) chunks++;
      assert.equal(chunks, 16);
    }

    await redis.start();  // same port, empty
    for (const gw of [g1, g2]) {
      // Reconnects on the first request after its backoff (at most 2 s).
      const remaining = await waitFor(async () => {
        const { response } = await openai(gw, KEY_B).chat.completions
          .create({ model: 'sim', messages, max_tokens: 2 }).withResponse();
        return response.headers.get('x-ratelimit-remaining-tokens');
      }, 10_000, { intervalMs: 200, what: 'rate limits checked in Redis again' });
      assert.ok(Number(remaining) < LIMIT);
      assert.ok((await metricValue(gw.adminUrl, 'sluice_store_connected')) >= 1);
      assert.equal(gw.proc.exitCode, null);
    }
  });

  it('fail_mode closed: 503 gateway_store_unavailable in both dialects', T, async () => {
    const deadPort = await closedPort();
    const text = exampleText().replace('fail_mode: open', 'fail_mode: closed');
    const gw = await startGateway(text, { env: { KEY_A, KEY_B, REDIS_URL: `redis://127.0.0.1:${deadPort}` }, args: ARGS });
    try {
      await assert.rejects(openai(gw, KEY_A).chat.completions.create({ model: 'sim', messages }), (err) => {
        assert.equal(err.status, 503);
        assert.equal(err.code, 'gateway_store_unavailable');
        assert.equal(err.headers.get('retry-after'), '1');
        return true;
      });
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEY_A, maxRetries: 0 });
      await assert.rejects(anthropic.messages.create({ model: 'sim', max_tokens: 4, messages }), (err) => {
        assert.equal(err.status, 503);
        assert.equal(err.type, 'overloaded_error');
        return true;
      });
      assert.ok((await metricValue(gw.adminUrl, 'sluice_store_failures_total', { action: 'refused' })) >= 2);
      const line = await gw.waitForLog((l) => l.error_code === 'gateway_store_unavailable');
      assert.match(line.error_detail, /cannot connect|Redis unavailable/);
    } finally {
      await closeAll(gw);
    }
  });
});

describe('budgets in money', () => {
  it('a monthly cost budget held in Redis refuses with policy_budget_exceeded', T, async () => {
    // $1 per thousand output tokens: a request with max_tokens 300 reserves about $0.30 of $0.50.
    const text = exampleText()
      .replace(/rate_limits:\n/, 'pricing:\n  sim: {input_per_mtok: 1000, output_per_mtok: 1000}\nrate_limits:\n'
        + '  - name: team-spend\n    by: [team]\n    window: month\n    cost_usd: 0.5\n');
    const gw = await startGateway(text, { env: { KEY_A, KEY_B, REDIS_URL: redis.url }, args: ARGS });
    try {
      const first = await openai(gw, KEY_A).chat.completions
        .create({ model: 'sim', messages, max_tokens: 300, stream: true });
      const it = first[Symbol.asyncIterator]();
      await it.next();  // admitted and holding its reservation
      await assert.rejects(openai(gw, KEY_A).chat.completions.create({ model: 'sim', messages, max_tokens: 300 }), (err) => {
        assert.equal(err.status, 429);
        assert.equal(err.code, 'policy_budget_exceeded');
        // Until the 1st of next month, 00:00 UTC.
        const now = new Date();
        const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
        const retry = Number(err.headers.get('retry-after'));
        assert.ok(Math.abs(retry - (next - now.getTime()) / 1000) < 5, `retry-after ${retry}`);
        assert.match(err.message, /budget 'team-spend'/);
        return true;
      });
      for (let r = await it.next(); !r.done; r = await it.next());
    } finally {
      await closeAll(gw);
    }
  });
});

describe('hard limits', () => {
  it('a stream that outgrows what is left of a hard budget ends with policy_budget_exceeded', T, async () => {
    // 40 output tokens per consumer; a request without max_tokens reserves 4, and the sim answers
    // 16: two answers fit (32), the third is admitted (32 + 4) and cut after the 8 tokens left.
    // (A request with max_tokens is never cut: its reservation already covers all it can use.)
    const text = exampleText().replace(/rate_limits:\n/, 'rate_limits:\n'
      + '  - name: hard-output\n    by: [consumer]\n    window: 744h\n    output_tokens: 40\n'
      + '    default_output_tokens: 4\n    hard: true\n').replace('tokens_per_second: 4}', 'tokens_per_second: 200}');
    // One worker, so each answer's reconciliation goes out on the same Redis connection before the
    // next request's admission (with two, another worker's admission could overtake it).
    const oneWorker = ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '1'];
    const gw = await startGateway(text, { env: { KEY_A, KEY_B, REDIS_URL: redis.url }, args: oneWorker });
    try {
      const client = openai(gw, KEY_A);
      const collect = async (stream) => {
        let text = '';
        for await (const chunk of stream) text += chunk.choices?.[0]?.delta?.content ?? '';
        return text;
      };
      for (let i = 0; i < 2; i++) {
        const stream = await client.chat.completions.create({ model: 'sim', messages, stream: true });
        assert.ok((await collect(stream)).length > 0);
      }
      // Both answers accounted for (their reconciliation is sent just before the log line).
      await waitFor(() => gw.accessLog().filter((l) => l.status === 200).length >= 2);
      const third = await client.chat.completions.create({ model: 'sim', messages, stream: true });
      let received = 0;
      await assert.rejects(
        (async () => { for await (const chunk of third) if (chunk.choices?.[0]?.delta?.content) received++; })(),
        (err) => {
          assert.match(err.message, /budget 'hard-output' spent/);
          return true;
        });
      assert.equal(received, 8);
      const line = await gw.waitForLog((l) => l.error_code === 'policy_budget_exceeded');
      assert.equal(line.output_tokens, 8);
      // Nothing is left: refused outright, in the Anthropic dialect too.
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: KEY_A, maxRetries: 0 });
      await assert.rejects(anthropic.messages.create({ model: 'sim', max_tokens: 5, messages }), (err) => {
        assert.equal(err.status, 429);
        return true;
      });
    } finally {
      await closeAll(gw);
    }
  });
});
