// The access log written to a file, and reopened on SIGUSR1 after the file was rotated away.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startGateway, baseConfig, tempDir, waitFor } from '../lib/gateway.mjs';
import { postJson } from '../lib/http.mjs';

const T = { timeout: 20_000 };
let gw;
after(async () => gw?.stop(), T);

const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const chat = () => postJson(`${gw.url}/v1/chat/completions`, { model: 'sim', messages: [{ role: 'user', content: 'x' }] });

describe('access log file', () => {
  it('writes one JSON line per request and reopens the file on SIGUSR1', T, async () => {
    const dir = tempDir('sluice-log-');
    const file = path.join(dir, 'access.log');
    gw = await startGateway(baseConfig({ accessLog: file }));
    const first = (await chat()).headers.get('x-sluice-request-id');
    await waitFor(() => lines(file).some((l) => l.request_id === first), 5000, { what: 'first line in the file' });

    fs.renameSync(file, `${file}.1`);  // what logrotate does
    gw.proc.kill('SIGUSR1');
    await waitFor(() => fs.existsSync(file), 5000, { what: 'the log file reopened under its name' });
    const second = (await chat()).headers.get('x-sluice-request-id');
    await waitFor(() => lines(file).some((l) => l.request_id === second), 5000, { what: 'second line in the new file' });
    assert.ok(lines(`${file}.1`).some((l) => l.request_id === first));
    assert.ok(!lines(`${file}.1`).some((l) => l.request_id === second), 'nothing new goes to the rotated file');
  });
});
