// Soak run (issue 3): steady open-loop load through Sluice while the primary backend flaps between
// healthy, failing (503), down (connection refused), slow (no first token in time) and cutting
// streams mid-way; a secondary stays healthy. Reports what happened to every request and the
// gateway's memory at start and end. Not a test: run it by hand, record the report in RESULTS.md.
//   node bench/soak.mjs [--seconds 120] [--rate 100] [--phase-seconds 5] [--phases healthy,slow,...]
// Needs build/release/sluice (make build). Uses the test suite's fake provider (tests/lib).
import fs from 'node:fs';
import { startFakeProvider } from '../tests/lib/fake_provider.mjs';
import { startGateway } from '../tests/lib/gateway.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const seconds = arg('seconds', 120);
const rate = arg('rate', 100);
const phaseSeconds = arg('phase-seconds', 5);
const clientTimeoutMs = 15_000;  // a request still open after this counts as hung

const primaryPort = 20000 + Math.floor(Math.random() * 20000);
let primary = await startFakeProvider({ port: primaryPort, record: false });
const secondary = await startFakeProvider({ record: false });
const gw = await startGateway({
  listen: '127.0.0.1:0', admin: '127.0.0.1:0', workers: 2, access_log: process.env.SOAK_LOG || 'off',
  providers: [
    { name: 'primary', type: 'openai', base_url: primary.baseUrl, forward_headers: ['x-fake-*'],
      connect_timeout: '500ms', ttft_timeout: '500ms', read_timeout: '2s',
      outlier: { consecutive_failures: 3, base_ejection: '1s', max_ejection: '8s' } },
    { name: 'secondary', type: 'openai', base_url: secondary.baseUrl, read_timeout: '2s' },
  ],
  models: [{ name: 'failover', targets: [{ provider: 'primary', priority: 0 }, { provider: 'secondary', priority: 1 }],
             retry: { attempts: 3, base_backoff: '20ms', max_backoff: '500ms', budget: 0.5 } }],
});
const rssKiB = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${gw.proc.pid}/status`, 'utf8'))[1]);

// Phases of the primary, in turn. Faults are injected by headers only the primary forwards,
// except "down", where the primary's server is closed and reopened on the same port.
const phasesArg = process.argv.indexOf('--phases');
const phases = phasesArg > 0 ? process.argv[phasesArg + 1].split(',')
  : ['healthy', 'errors', 'healthy', 'down', 'healthy', 'slow', 'healthy', 'cut'];
let phase = 'healthy';
const faultHeaders = {
  healthy: {},
  errors: { 'x-fake-status': '503' },
  down: {},
  slow: { 'x-fake-delay-ms': '1500' },
  cut: { 'x-fake-reset-after': '2', 'x-fake-chunk-delay-ms': '2' },
};

const report = { seconds, rate, sent: 0, ok: 0, ok_by_backend: {}, http_errors: {}, stream_errors: {},
                 client_errors: {}, hung: 0, phases_seen: 0 };
const bump = (o, k) => { o[k] = (o[k] || 0) + 1; };

async function one(i) {
  const stream = i % 2 === 0;
  const body = { model: 'failover', stream, messages: [{ role: 'user', content: `soak ${i}` }] };
  report.sent++;
  try {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(clientTimeoutMs),
      headers: { 'content-type': 'application/json', ...faultHeaders[phase] },
    });
    const text = await res.text();
    if (res.status !== 200) {
      let code = 'unparsed';
      try { code = JSON.parse(text).error.code; } catch { /* keep */ }
      return bump(report.http_errors, `${res.status} ${code}`);
    }
    if (stream) {
      const err = /data: (\{"error".*)/.exec(text);
      if (err) return bump(report.stream_errors, JSON.parse(err[1]).error.code);
      if (!text.includes('data: [DONE]')) return bump(report.stream_errors, 'no [DONE]');
    }
    report.ok++;
    bump(report.ok_by_backend, res.headers.get('x-sluice-backend'));
  } catch (e) {
    if (e.name === 'TimeoutError') report.hung++;
    else bump(report.client_errors, e.name);
  }
}

report.rss_start_kib = rssKiB();
const inflight = new Set();
const start = performance.now();
let next = start, i = 0, phaseIndex = 0, nextPhaseAt = start + phaseSeconds * 1000;
while (performance.now() - start < seconds * 1000) {
  const now = performance.now();
  if (now >= nextPhaseAt) {
    const old = phase;
    phaseIndex = (phaseIndex + 1) % phases.length;
    phase = phases[phaseIndex];
    report.phases_seen++;
    nextPhaseAt += phaseSeconds * 1000;
    if (phase === 'down') await primary.close();
    if (old === 'down') primary = await startFakeProvider({ port: primaryPort, record: false });
  }
  while (next <= performance.now()) {  // open loop: requests leave on schedule, whatever is pending
    const p = one(i++).finally(() => inflight.delete(p));
    inflight.add(p);
    next += 1000 / rate;
  }
  await new Promise((r) => setTimeout(r, 2));
}
await Promise.all(inflight);
report.rss_end_kib = rssKiB();
const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
report.ejections = metrics.split('\n').filter((l) => l.startsWith('sluice_ejections_total')).join('; ');
report.fallbacks = metrics.split('\n').filter((l) => l.startsWith('sluice_fallbacks_total')).join('; ');
report.gateway_exit_code = await gw.stop();
await primary.close();
await secondary.close();
console.log(JSON.stringify(report, null, 2));
