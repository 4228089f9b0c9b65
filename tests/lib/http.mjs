// Small HTTP helpers for tests: JSON requests over fetch, an SSE reader that timestamps each event,
// and a raw HTTP/1.1 client over node:net for requests fetch cannot (or should not) send.
import fs from 'node:fs';
import net from 'node:net';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';

const DEFAULT_TIMEOUT_MS = 10_000;

/** fetch with a bounded timeout; returns {status, headers, text, json}. */
export async function request(url, { method = 'GET', headers = {}, body, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(init.headers).some((k) => k.toLowerCase() === 'content-type')) {
      init.headers['content-type'] = 'application/json';
    }
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = text.length ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const postJson = (url, body, opts = {}) => request(url, { ...opts, method: 'POST', body });
export const getJson = (url, opts = {}) => request(url, { ...opts, method: 'GET' });

/**
 * POSTs `body` and reads the response as SSE, timestamping each event on arrival
 * (performance.now()). Resolves {status, headers, contentType, events, done, endedCleanly,
 * readError, text}; each event is {data, json, t}. `done` is true when a `data: [DONE]` arrived.
 * A non-SSE response (e.g. a JSON error) is returned with events = [] and `text`/`json` set.
 * `onEvent(ev)` is called as each event arrives.
 */
export async function streamSSE(url, body, { headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS, onEvent } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const contentType = res.headers.get('content-type') || '';
  const out = {
    status: res.status,
    headers: res.headers,
    contentType,
    events: [],
    done: false,
    endedCleanly: false,
    readError: null,
    text: '',
    json: undefined,
  };
  if (!contentType.startsWith('text/event-stream')) {
    out.text = await res.text();
    try {
      out.json = JSON.parse(out.text);
    } catch {
      /* not JSON */
    }
    return out;
  }
  const decoder = new TextDecoder();
  let buf = '';
  const flushEvents = (t) => {
    // Events are separated by a blank line; accept \n\n, \r\n\r\n and \r\r.
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(buf);
      if (!m) break;
      const block = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      const dataLines = [];
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (line.startsWith('data:')) dataLines.push(line.slice(5).replace(/^ /, ''));
      }
      if (!dataLines.length) continue; // comments, bare event:/id: lines
      const data = dataLines.join('\n');
      let json;
      try {
        json = data === '[DONE]' ? undefined : JSON.parse(data);
      } catch {
        json = undefined;
      }
      const ev = { data, json, t };
      out.events.push(ev);
      if (data === '[DONE]') out.done = true;
      onEvent?.(ev);
    }
  };
  try {
    for await (const chunk of res.body) {
      const t = performance.now();
      const s = decoder.decode(chunk, { stream: true });
      out.text += s;
      buf += s;
      flushEvents(t);
    }
    out.endedCleanly = true;
  } catch (err) {
    out.readError = err;
  }
  return out;
}

/** Content deltas of chat.completion.chunk events, in order. */
export function contentDeltas(events) {
  return events
    .filter((e) => e.json?.choices?.[0]?.delta && typeof e.json.choices[0].delta.content === 'string')
    .map((e) => e.json.choices[0].delta.content)
    .filter((c) => c.length > 0);
}

/** Asserts an OpenAI-shaped error body with the given code (or one of a list) and returns `error`. */
export function assertOpenAiError(json, code, { param } = {}) {
  assert.ok(json && typeof json === 'object', `expected a JSON error body, got ${JSON.stringify(json)}`);
  const e = json.error;
  assert.ok(e && typeof e === 'object', `expected {"error":{...}}, got ${JSON.stringify(json)}`);
  assert.equal(typeof e.message, 'string', 'error.message is a string');
  assert.ok(e.message.length > 0, 'error.message is not empty');
  assert.equal(typeof e.type, 'string', 'error.type is a string');
  assert.ok('param' in e, 'error.param is present (null when no field is at fault)');
  assert.ok(e.param === null || typeof e.param === 'string', 'error.param is null or a string');
  assert.ok('code' in e, 'error.code is present');
  if (Array.isArray(code)) assert.ok(code.includes(e.code), `error.code ${e.code} is one of ${code} (body: ${JSON.stringify(json)})`);
  else assert.equal(e.code, code, `error.code (body: ${JSON.stringify(json)})`);
  if (param !== undefined) assert.equal(e.param, param, `error.param (body: ${JSON.stringify(json)})`);
  return e;
}

function tryParseResponse(buf) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new Error(`raw: bad status line ${JSON.stringify(statusLine)}`);
  const headers = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(headEnd + 4);
  let body = null;
  let complete = false;
  if ((headers['transfer-encoding'] || '').toLowerCase().includes('chunked')) {
    const parts = [];
    let off = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', off);
      if (lineEnd < 0) break;
      const size = Number.parseInt(rest.subarray(off, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) throw new Error('raw: bad chunk size');
      if (size === 0) {
        complete = rest.indexOf('\r\n\r\n', lineEnd) >= 0 || rest.length >= lineEnd + 4;
        break;
      }
      if (rest.length < lineEnd + 2 + size + 2) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      off = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    complete = rest.length >= len;
    body = rest.subarray(0, len);
  } else {
    body = rest; // until close
  }
  return { status: Number(m[2]), headers, body, complete };
}

/**
 * Sends raw bytes to 127.0.0.1:port and parses one HTTP/1.1 response. Resolves as soon as the
 * response is complete, or when the server closes (a response followed by a reset is still
 * returned: a server may answer an oversized request before reading all of it). Resolves
 * {status, headers, text, json} or {closedWithoutResponse: true} if the server closed first.
 */
export function rawExchange(port, bytes, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const chunks = [];
    let settled = false;
    const settle = (fn) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      fn();
    };
    // Called on close/end/error and whenever a complete response may have arrived.
    const finish = (err) => {
      if (settled) return;
      let parsed;
      try {
        parsed = tryParseResponse(Buffer.concat(chunks));
      } catch (e) {
        return settle(() => reject(e));
      }
      if (parsed) {
        // A response head arrived: return it even if a reset followed (an early answer to an
        // oversized request); `complete` tells whether the whole body came.
        const text = parsed.body.toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        return settle(() =>
          resolve({ status: parsed.status, headers: parsed.headers, text, json, complete: parsed.complete }),
        );
      }
      if (err === undefined || err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        const raw = Buffer.concat(chunks).toString('latin1');
        return settle(() => resolve({ closedWithoutResponse: true, raw }));
      }
      settle(() => reject(err));
    };
    const timer = setTimeout(() => {
      const got = JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 500));
      settle(() => reject(new Error(`raw: no complete response within ${timeoutMs} ms; got ${got}`)));
    }, timeoutMs);
    sock.on('data', (d) => {
      chunks.push(d);
      let complete;
      try {
        complete = tryParseResponse(Buffer.concat(chunks))?.complete;
      } catch {
        complete = true; // malformed: finish() reports it
      }
      if (complete) finish();
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    // EPIPE/ECONNRESET while writing: the server answered early and closed; read what came back.
    sock.on('error', (e) => finish(e));
    sock.on('connect', () => {
      sock.write(bytes);
    });
  });
}

/**
 * Builds and sends one HTTP/1.1 request with `Connection: close`. `body` is a string or Buffer;
 * `chunked: true` sends it with Transfer-Encoding: chunked (64 KiB chunks) instead of
 * Content-Length.
 */
export function rawRequest(port, { method = 'GET', path = '/', headers = {}, body, chunked = false }, opts) {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  let payload = Buffer.alloc(0);
  if (body !== undefined && body !== null) {
    const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    if (chunked) {
      lines.push('Transfer-Encoding: chunked');
      const parts = [];
      for (let off = 0; off < b.length; off += 65536) {
        const piece = b.subarray(off, off + 65536);
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      payload = Buffer.concat(parts);
    } else {
      lines.push(`Content-Length: ${b.length}`);
      payload = b;
    }
  } else if (method === 'POST' || method === 'PUT') {
    lines.push('Content-Length: 0');
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return rawExchange(port, Buffer.concat([head, payload]), opts);
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
/**
 * A loopback port nothing listens on, for "connection refused" tests. It is taken below the
 * kernel's ephemeral range, so no later bind(0) of this run (a fake provider, the gateway) can
 * be handed the same port.
 */
export async function closedPort() {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    /* not Linux: keep the usual default */
  }
  for (;;) {
    const port = low - 1 - Math.floor(Math.random() * Math.min(8000, low - 2000));
    const srv = net.createServer();
    const free = await new Promise((resolve) => {
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((r) => srv.close(r));
      return port;
    }
  }
}

/** Parses Prometheus text exposition into [{name, labels, value}] (comments skipped). */
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2]) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;
      let lm;
      let consumed = 0;
      while ((lm = re.exec(m[2]))) {
        labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed = re.lastIndex;
      }
      if (consumed !== m[2].length) throw new Error(`bad label set in ${JSON.stringify(line)}`);
    }
    const v = m[3];
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'NaN' ? NaN : Number(v);
    if (Number.isNaN(value) && v !== 'NaN') throw new Error(`bad sample value in ${JSON.stringify(line)}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** Sum of the samples of metric `name` whose labels include `labels`, from a fresh scrape. */
export async function metricValue(adminUrl, name, labels = {}) {
  const text = (await getJson(`${adminUrl}/metrics`)).text;
  return parsePrometheus(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}
