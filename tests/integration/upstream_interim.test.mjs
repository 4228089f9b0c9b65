// Interim (1xx) answers from an upstream, such as 103 Early Hints or an unasked 100 Continue, come
// before the final answer: the gateway skips them and relays the final one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake_provider.mjs';
import { startGateway, baseConfig, closeAll } from '../lib/gateway.mjs';
import { postJson, streamSSE } from '../lib/http.mjs';

const T = { timeout: 20_000 };
const chat = (extra = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra });

let fake;
let gw;
let chatUrl;

before(async () => {
  fake = await startFakeProvider();
  gw = await startGateway(baseConfig({ fakeBaseUrl: fake.baseUrl }));
  chatUrl = `${gw.url}/v1/chat/completions`;
}, T);

after(() => closeAll(gw, fake), T);

describe('interim upstream answers', () => {
  it('skips 103 and 100 before a JSON answer', T, async () => {
    const res = await postJson(chatUrl, chat(), { headers: { 'x-fake-interim': '3' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, 'chat.completion');
    assert.equal(res.json.usage.prompt_tokens, 7);
  });

  it('skips them before a stream, which is relayed whole', T, async () => {
    const res = await streamSSE(chatUrl, chat({ stream: true }), {
      headers: { 'x-fake-interim': '2', 'x-fake-chunks': '4' },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.done);
    assert.equal(res.events.filter((e) => e.json?.choices?.[0]?.delta?.content).length, 4);
  });
});
