// TLS to upstreams: certificate and host name verification against a configured CA bundle, SNI,
// and the clear error a client gets when verification fails. Certificates are made at run time
// with the openssl CLI into a temp dir.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startGateway, baseConfig, tempDir } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 30_000 };

function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Sluice Test CA',
    '-keyout', 'ca.key', '-out', 'ca.pem');
  const sign = (name, san) => {
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  sign('good', 'DNS:localhost,IP:127.0.0.1');
  sign('wrong', 'DNS:elsewhere.example');
}

// A TLS upstream answering chat completions; records the SNI name each connection sent.
function startTlsUpstream(dir, certName) {
  const snis = [];
  const server = https.createServer({
    key: fs.readFileSync(path.join(dir, `${certName}.key`)),
    cert: fs.readFileSync(path.join(dir, `${certName}.pem`)),
  }, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const model = JSON.parse(body).model;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'tls-1', object: 'chat.completion', created: 0, model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'over tls' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
      }));
    });
  });
  server.on('secureConnection', (socket) => snis.push(socket.servername));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ port: server.address().port, snis, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) })));
}

const chat = (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('TLS upstreams', () => {
  let dir, good, wrong, gw;

  before(async () => {
    dir = tempDir('sluice-tls-');
    makeCertificates(dir);
    good = await startTlsUpstream(dir, 'good');
    wrong = await startTlsUpstream(dir, 'wrong');
    const provider = (name, port, extra) => ({
      name, type: 'openai', base_url: `https://localhost:${port}/v1`, connect_timeout: '2s', read_timeout: '2s', ...extra,
    });
    const config = baseConfig({
      extraProviders: [
        provider('trusted', good.port, { ca_file: path.join(dir, 'ca.pem') }),
        provider('system-cas', good.port, {}),
        provider('wrong-name', wrong.port, { ca_file: path.join(dir, 'ca.pem') }),
        provider('unverified', wrong.port, { tls_verify: false }),
      ],
      extraModels: [
        { name: 'trusted', provider: 'trusted' },
        { name: 'system-cas', provider: 'system-cas' },
        { name: 'wrong-name', provider: 'wrong-name' },
        { name: 'unverified', provider: 'unverified' },
      ],
    });
    gw = await startGateway(config);
  }, T);

  after(async () => {
    await gw?.stop();
    await good?.close();
    await wrong?.close();
  }, T);

  it('verifies the upstream against the configured CA bundle and sends SNI', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('trusted'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.choices[0].message.content, 'over tls');
    assert.ok(good.snis.includes('localhost'), `SNI seen: ${good.snis}`);
  });

  it('refuses an upstream whose CA the system store does not trust', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('system-cas'));
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.error.code, 'provider_connection_failed');
    assert.match(res.json.error.message, /TLS/);
  });

  it('refuses a certificate issued for another host name', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('wrong-name'));
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.error.code, 'provider_connection_failed');
  });

  it('connects when verification is explicitly turned off', T, async () => {
    const res = await postJson(`${gw.url}/v1/chat/completions`, chat('unverified'));
    assert.equal(res.status, 200, res.text);
  });

  it('reuses pooled TLS connections across requests', T, async () => {
    const before = good.snis.length;
    for (let i = 0; i < 5; i++) {
      const res = await postJson(`${gw.url}/v1/chat/completions`, chat('trusted'));
      assert.equal(res.status, 200, res.text);
    }
    // Two workers may each open one connection; five requests must not open five.
    assert.ok(good.snis.length - before <= 2, `new TLS connections: ${good.snis.length - before}`);
  });
});
