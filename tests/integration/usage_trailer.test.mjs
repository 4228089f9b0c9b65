// In-band usage for streams: a client that sends `x-sluice-usage: trailer` gets a final
// `event: sluice.usage` event (usage, attempts, backend) just before [DONE]; others do not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig } from '../lib/gateway.mjs';
import { streamSSE } from '../lib/http.mjs';

const T = { timeout: 20_000 };
let fake, gw;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(
    baseConfig({
      fakeBaseUrl: fake.baseUrl,
      extraProviders: [
        { name: 'fake-anthropic', type: 'anthropic', base_url: fake.url, read_timeout: '2s', forward_headers: ['x-fake-*'] },
      ],
      extraModels: [{ name: 'claude', provider: 'fake-anthropic' }],
    }),
  );
}, T);

after(async () => {
  await gw?.stop();
  await fake?.close();
}, T);

const body = (model) => ({ model, stream: true, messages: [{ role: 'user', content: 'hello' }] });

describe('usage trailer', () => {
  for (const model of ['gpt-4o-mini', 'sim', 'claude']) {
    it(`sends the sluice.usage event before [DONE] when asked (${model})`, T, async () => {
      const res = await streamSSE(`${gw.url}/v1/chat/completions`, body(model), {
        headers: { 'x-sluice-usage': 'trailer', 'x-fake-usage': '11,3' },
      });
      assert.equal(res.status, 200);
      assert.ok(res.done);
      const i = res.events.findIndex((e) => e.json?.backend !== undefined);
      assert.ok(i >= 0, 'trailer event present');
      assert.equal(i, res.events.length - 2, 'right before [DONE]');
      assert.match(res.text, /event: sluice\.usage\ndata: \{/);
      const trailer = res.events[i].json;
      assert.equal(trailer.attempts, 1);
      assert.equal(trailer.request_id, res.headers.get('x-sluice-request-id'));
      if (model === 'sim') {
        assert.equal(trailer.backend, 'sim');
        assert.equal(trailer.usage.output_tokens, 5);
      } else if (model === 'claude') {  // a translated stream
        assert.equal(trailer.backend, 'fake-anthropic');
        assert.deepEqual([trailer.usage.input_tokens, trailer.usage.output_tokens], [11, 3]);
      } else {
        assert.equal(trailer.backend, 'fake');
        assert.deepEqual([trailer.usage.input_tokens, trailer.usage.output_tokens], [11, 3]);
        assert.equal(trailer.usage.estimated, false);
        // The usage chunk the gateway asked for on its own behalf is still not shown.
        assert.equal(res.events.filter((e) => Array.isArray(e.json?.choices) && e.json.choices.length === 0).length, 0);
      }
    });
  }

  it('sends nothing extra without the header', T, async () => {
    const res = await streamSSE(`${gw.url}/v1/chat/completions`, body('gpt-4o-mini'));
    assert.ok(res.done);
    assert.equal(res.events.filter((e) => e.json?.backend !== undefined).length, 0);
    assert.ok(!res.text.includes('sluice.usage'));
  });
});
