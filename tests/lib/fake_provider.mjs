// A fake OpenAI-compatible upstream for black-box tests. Behaviour is scripted per request by
// `x-fake-*` request headers (the gateway forwards them when the provider is configured with
// `forward_headers: ["x-fake-*"]`), so one fake serves every test case of a file.
//
// Header contract (all optional):
//   x-fake-status: N           answer N with an OpenAI error body (type server_error, code null)
//   x-fake-retry-after: S      add `retry-after: S` to the response
//   x-fake-ratelimit: "R,T,RESET"  add x-ratelimit-remaining-requests: R,
//                              x-ratelimit-remaining-tokens: T and x-ratelimit-reset-{requests,tokens}: RESET
//   x-fake-chunks: N           content chunks in a stream (default 3): delta.content "tok0 ", "tok1 ", ...
//   x-fake-delay-ms: N         wait N ms before sending the response headers
//   x-fake-interim: N          send N interim responses first (103 Early Hints, then 100 Continue,
//                              alternating), each in its own write
//   x-fake-chunk-delay-ms: N   wait N ms between consecutive SSE events
//   x-fake-stall-after: N      stream: send nothing more after N content chunks (socket stays open)
//   x-fake-reset-after: N      stream: destroy the socket after N content chunks;
//                              non-stream or N=0: destroy the socket before any response byte
//   x-fake-usage: "P,C"        usage numbers (default "7,<chunks>" for streams, "7,3" otherwise)
//   x-fake-no-usage: 1         never send usage (no `usage` field, no usage chunk)
//   x-fake-split: 1            write every SSE event in two socket writes, split mid-event, ~5 ms apart
//   x-fake-body: TEXT          send TEXT as the 200 body with content-type application/json
//   x-fake-raw-sse: TEXT       send TEXT (with literal "\n" turned into newlines) as a 200
//                              text/event-stream body
//   x-fake-tag: ID             no behaviour; lets a test find its request in `requests`
//   x-fake-tool-call: NAME     answer with a call of tool NAME, arguments {"city":"Paris"} (streamed
//                              in two fragments), finish reason tool_calls / tool_use
//   x-fake-cache: "R,W"        Anthropic usage: cache_read / cache_creation input tokens
//
// Dialects: POST /v1/chat/completions, /v1/completions, /v1/embeddings (OpenAI); POST
// /v1/messages (Anthropic: needs an anthropic-version header, answers errors in Anthropic shape);
// POST …/models/<model>:generateContent and :streamGenerateContent?alt=sse (Gemini, under any
// prefix such as /v1beta or a Vertex project path; errors in Google's shape); POST
// /model/<id>/converse(-stream) (Bedrock, event-stream frames); POST /api/chat (Ollama, NDJSON
// streams); POST /api/v1/services/aigc/text-generation/generation (DashScope native).
//
// Every request is recorded (see `startFakeProvider`), including the send time of each SSE event,
// so tests can assert what the gateway sent upstream and when the fake emitted each event.
import http from 'node:http';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (!ms || ms <= 0) return resolve();
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function intHeader(headers, name, fallback) {
  const v = headers[name];
  if (v === undefined) return fallback;
  const n = Number.parseInt(String(v), 10);
  return Number.isFinite(n) ? n : fallback;
}

function cacheUsage(headers) {
  const v = headers['x-fake-cache'];
  if (typeof v !== 'string' || !v.includes(',')) return [0, 0];
  return v.split(',').map((x) => Number.parseInt(x.trim(), 10) || 0);
}

function parseUsage(headers, defaultCompletion) {
  const v = headers['x-fake-usage'];
  let prompt = 7;
  let completion = defaultCompletion;
  if (typeof v === 'string' && v.includes(',')) {
    const [p, c] = v.split(',').map((s) => Number.parseInt(s.trim(), 10));
    if (Number.isFinite(p)) prompt = p;
    if (Number.isFinite(c)) completion = c;
  }
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

// A small deterministic vector for an embedding input.
function fakeVector(text, dims = 4) {
  let h = 2166136261;
  for (const ch of String(text)) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 16777619) >>> 0;
  }
  const out = [];
  for (let i = 0; i < dims; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    out.push(Math.round(((h / 0xffffffff) * 2 - 1) * 1e4) / 1e4);
  }
  return out;
}

function embeddingInputs(input) {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) {
    if (input.length === 0) return [];
    if (input.every((x) => typeof x === 'number')) return [input.join(',')];
    return input.map((x) => (Array.isArray(x) ? x.join(',') : String(x)));
  }
  return [];
}

function toBase64Floats(vec) {
  const f = new Float32Array(vec);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

function sendJson(res, status, obj, extraHeaders = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...extraHeaders,
  });
  res.end(body);
}

function errorBody(message, type = 'server_error', code = null) {
  return { error: { message, type, param: null, code } };
}

function anthropicErrorBody(status, message) {
  const type =
    { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error',
      404: 'not_found_error', 429: 'rate_limit_error', 529: 'overloaded_error' }[status] ??
    'api_error';
  return { type: 'error', error: { type, message } };
}

const TOOL_ARGS = ['{"city":', '"Paris"}'];

function googleErrorBody(status, message) {
  const name =
    { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
      429: 'RESOURCE_EXHAUSTED', 503: 'UNAVAILABLE' }[status] ?? 'INTERNAL';
  return { error: { code: status, message, status: name } };
}

// One AWS event-stream message (application/vnd.amazon.eventstream) with string headers.
export function eventStreamFrame(headers, payload) {
  const parts = [];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const h = Buffer.alloc(1 + n.length + 1 + 2);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length);  // string
    h.writeUInt16BE(v.length, 2 + n.length);
    parts.push(h, v);
  }
  const hdr = Buffer.concat(parts);
  const body = Buffer.from(payload);
  const total = 12 + hdr.length + body.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(hdr.length, 4);
  prelude.writeUInt32BE(zlib.crc32(prelude.subarray(0, 8)), 8);
  const msg = Buffer.concat([prelude, hdr, body, Buffer.alloc(4)]);
  msg.writeUInt32BE(zlib.crc32(msg.subarray(0, total - 4)), total - 4);
  return msg;
}

const BEDROCK_PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const SIGV4_AUTH = /^AWS4-HMAC-SHA256 Credential=[A-Z0-9]+\/\d{8}\/[a-z0-9-]+\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/;

const GEMINI_PATH = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

/**
 * Starts the fake upstream on 127.0.0.1 with an ephemeral port.
 * @returns {Promise<{url: string, baseUrl: string, port: number, requests: object[],
 *   find: (tag: string) => object|undefined, waitForRequest: Function, reset: () => void,
 *   close: () => Promise<void>}>}
 *   `url` is the origin (http://127.0.0.1:PORT); `baseUrl` is url + "/v1" (what a provider's
 *   base_url should be). Each entry of `requests`: {seq, method, url, path, headers, body (parsed
 *   JSON or null), rawBody, receivedAt, events: [{kind, index, t, data}], finishedAt, outcome}.
 *   Times are performance.now() of this process.
 */
export async function startFakeProvider({ port: fixedPort = 0, record = true } = {}) {
  const requests = [];
  const sockets = new Set();
  let seq = 0;
  let modelsStatus = 200;  // what GET /v1/models answers (health-check tests flip it)
  // Credentials this fake refuses (401) or rate-limits (429, retry-after 30), whatever the dialect
  // carries them in (Authorization: Bearer, x-api-key, api-key, x-goog-api-key).
  let keyRules = { reject: [], ratelimit: [] };
  // Vertex AI: POST /token verifies JWT-bearer assertions with this public key and issues tokens;
  // Gemini calls under /v1/projects/ must carry one of them.
  let vertexPublicKey = null;
  const issuedTokens = new Set();

  const server = http.createServer({ noDelay: true, keepAlive: true }, (req, res) => {
    handle(req, res).catch((err) => {
      // A bug in the fake must be visible, not a silent hang.
      process.stderr.write(`fake_provider: handler error: ${err?.stack || err}\n`);
      if (!res.headersSent) sendJson(res, 500, errorBody(`fake bug: ${err}`));
      else res.destroy();
    });
  });
  // Longer than any test file, so the gateway's pooled connections are never closed under it.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 120_000;
  server.requestTimeout = 0;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function readBody(req) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req, res) {
    const rawBody = await readBody(req);
    let body = null;
    try {
      body = rawBody.length ? JSON.parse(rawBody) : null;
    } catch {
      body = null;
    }
    const url = new URL(req.url, 'http://fake');
    const rec = {
      seq: ++seq,
      method: req.method,
      url: req.url,
      path: url.pathname,
      headers: { ...req.headers },
      body,
      rawBody,
      receivedAt: performance.now(),
      events: [],
      finishedAt: null,
      outcome: 'pending',
    };
    if (record) requests.push(rec);  // long runs (bench/soak.mjs) keep no history

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        abort.abort();
        if (rec.outcome === 'pending') rec.outcome = 'client_closed';
      }
      rec.finishedAt ??= performance.now();
    });
    res.on('finish', () => {
      if (rec.outcome === 'pending') rec.outcome = 'ok';
      rec.finishedAt = performance.now();
    });

    const h = req.headers;
    const extra = {};
    if (h['x-fake-retry-after'] !== undefined) extra['retry-after'] = String(h['x-fake-retry-after']);
    if (h['x-fake-ratelimit'] !== undefined) {
      const [requests, tokens, reset] = String(h['x-fake-ratelimit']).split(',');
      extra['x-ratelimit-remaining-requests'] = requests;
      extra['x-ratelimit-remaining-tokens'] = tokens;
      extra['x-ratelimit-reset-requests'] = reset;
      extra['x-ratelimit-reset-tokens'] = reset;
    }

    await sleep(intHeader(h, 'x-fake-delay-ms', 0), abort.signal);
    if (abort.signal.aborted) return;
    for (let i = 0, n = intHeader(h, 'x-fake-interim', 0); i < n; ++i) {
      if (i % 2 === 0) res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      else res.writeContinue();
      await sleep(2, abort.signal);
    }

    const streaming =
      (body && typeof body === 'object' && body.stream === true) ||
      url.pathname.endsWith(':streamGenerateContent') ||
      url.pathname.endsWith('/converse-stream') ||
      (url.pathname === '/api/v1/services/aigc/text-generation/generation' && h['x-dashscope-sse'] === 'enable');
    const resetAfter = intHeader(h, 'x-fake-reset-after', null);
    if (resetAfter !== null && (!streaming || resetAfter <= 0)) {
      rec.outcome = 'reset';
      req.socket.destroy();
      return;
    }

    const anthropic = url.pathname === '/v1/messages';
    const ollama = url.pathname === '/api/chat';
    const dashscope = url.pathname === '/api/v1/services/aigc/text-generation/generation';
    const credential =
      String(h.authorization ?? '').replace(/^Bearer /, '') || h['x-api-key'] || h['api-key'] || h['x-goog-api-key'];
    if (credential && keyRules.reject.includes(credential)) {
      rec.outcome = 'status_401';
      return sendJson(res, 401, errorBody(`Incorrect API key provided: ${credential}`, 'invalid_request_error', 'invalid_api_key'));
    }
    if (credential && keyRules.ratelimit.includes(credential)) {
      rec.outcome = 'status_429';
      return sendJson(res, 429, errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'), { 'retry-after': '30' });
    }
    const gemini = req.method === 'POST' ? GEMINI_PATH.exec(url.pathname) : null;
    const bedrock = req.method === 'POST' ? BEDROCK_PATH.exec(url.pathname) : null;
    if (h['x-fake-status'] !== undefined) {
      const status = intHeader(h, 'x-fake-status', 500);
      rec.outcome = `status_${status}`;
      const err = anthropic
        ? anthropicErrorBody(status, 'fake failure')
        : gemini
          ? googleErrorBody(status, 'fake failure')
          : bedrock || ollama
            ? { message: 'fake failure', error: 'fake failure' }
            : dashscope
              ? { code: status === 429 ? 'Throttling.RateQuota' : 'InternalError', message: 'fake failure', request_id: 'r' }
              : errorBody('fake failure');
      return sendJson(res, status, err, extra);
    }
    if (h['x-fake-body'] !== undefined) {
      const text = String(h['x-fake-body']);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...extra,
      });
      return res.end(text);
    }
    if (h['x-fake-raw-sse'] !== undefined) {
      const text = String(h['x-fake-raw-sse']).replace(/\\r/g, '\r').replace(/\\n/g, '\n');
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        ...extra,
      });
      return res.end(text);
    }

    if (req.method === 'POST' && url.pathname === '/token') return tokenAnswer(res, rawBody);
    if (gemini && url.pathname.startsWith('/v1/projects/')) {
      const token = String(h.authorization ?? '').replace(/^Bearer /, '');
      if (!issuedTokens.has(token))
        return sendJson(res, 401, googleErrorBody(401, 'fake: request had invalid authentication credentials'));
    }
    if (ollama && req.method === 'POST') return ollamaAnswer(req, res, rec, body, extra, resetAfter, abort.signal);
    if (dashscope && req.method === 'POST') return dashscopeAnswer(req, res, rec, body, streaming, extra, resetAfter, abort.signal);
    if (bedrock) return bedrockAnswer(req, res, rec, body, decodeURIComponent(bedrock[1]), bedrock[2], extra, resetAfter, abort.signal);
    const predict = req.method === 'POST' ? /\/models\/([^/:]+):predict$/.exec(url.pathname) : null;
    if (predict) {  // Vertex AI text embeddings
      const token = String(h.authorization ?? '').replace(/^Bearer /, '');
      if (!issuedTokens.has(token)) return sendJson(res, 401, googleErrorBody(401, 'fake: invalid credentials'));
      const dims = body?.parameters?.outputDimensionality ?? 4;
      const predictions = (body?.instances ?? []).map((i) => ({
        embeddings: { values: fakeVector(i.content ?? '', dims), statistics: { token_count: 3, truncated: false } },
      }));
      return sendJson(res, 200, { predictions }, extra);
    }
    const invoke = req.method === 'POST' ? /^\/model\/([^/]+)\/invoke$/.exec(url.pathname) : null;
    if (invoke) {  // Bedrock InvokeModel for embedding models
      if (!SIGV4_AUTH.test(String(h.authorization ?? '')))
        return sendJson(res, 403, { message: 'fake: missing or malformed SigV4 signature' });
      const id = decodeURIComponent(invoke[1]);
      if (id.includes('titan-embed'))
        return sendJson(res, 200, { embedding: fakeVector(body.inputText, body.dimensions ?? 4), inputTextTokenCount: 5 }, extra);
      if (id.includes('cohere.embed'))
        return sendJson(res, 200, { id: 'e', embeddings: body.texts.map((t) => fakeVector(t, 4)), texts: body.texts }, extra);
      return sendJson(res, 400, { message: `fake: ${id} is not an embedding model` });
    }
    const embed = req.method === 'POST' ? /\/models\/([^/:]+):batchEmbedContents$/.exec(url.pathname) : null;
    if (embed) {
      if (!Array.isArray(body?.requests)) return sendJson(res, 400, googleErrorBody(400, 'fake: requests is required'));
      const embeddings = body.requests.map((r) => ({
        values: fakeVector(r.content?.parts?.[0]?.text ?? '', r.outputDimensionality ?? 4),
      }));
      return sendJson(res, 200, { embeddings }, extra);
    }
    if (gemini) return geminiAnswer(req, res, rec, body, decodeURIComponent(gemini[1]), gemini[2], extra, resetAfter, abort.signal);

    // Azure OpenAI: /openai/deployments/<deployment>/<operation>?api-version=..., key in api-key.
    let routePath = url.pathname;
    const azure = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
    if (azure) {
      if (!url.searchParams.get('api-version') || !h['api-key'])
        return sendJson(res, 401, errorBody('fake: azure needs api-version and api-key', 'invalid_request_error'));
      routePath = `/v1/${azure[2]}`;
      if (body && typeof body === 'object') body.model ??= decodeURIComponent(azure[1]);
    }

    const route = `${req.method} ${routePath}`;
    switch (route) {
      case 'POST /v1/messages/count_tokens': {
        if (!h['anthropic-version'])
          return sendJson(res, 400, anthropicErrorBody(400, 'anthropic-version header is required'));
        if (body?.max_tokens !== undefined)
          return sendJson(res, 400, anthropicErrorBody(400, 'max_tokens: Extra inputs are not permitted'));
        // A recognisable count: 1000 + characters of the JSON messages.
        return sendJson(res, 200, { input_tokens: 1000 + JSON.stringify(body?.messages ?? []).length });
      }
      case 'POST /v1/messages': {
        if (!h['anthropic-version'])
          return sendJson(res, 400, anthropicErrorBody(400, 'anthropic-version header is required'));
        if (!body || typeof body !== 'object' || typeof body.max_tokens !== 'number')
          return sendJson(res, 400, anthropicErrorBody(400, 'fake: max_tokens: Field required'));
        if (streaming) return anthropicStream(req, res, rec, body, extra, resetAfter, abort.signal);
        const u = parseUsage(h, 3);
        const [read, write] = cacheUsage(h);
        const tool = h['x-fake-tool-call'];
        const content = tool
          ? [{ type: 'tool_use', id: `toolu_fake_${rec.seq}`, name: String(tool), input: { city: 'Paris' } }]
          : [{ type: 'text', text: 'fake answer' }];
        return sendJson(
          res,
          200,
          {
            id: `msg_fake_${rec.seq}`,
            type: 'message',
            role: 'assistant',
            model: body.model,
            content,
            stop_reason: tool ? 'tool_use' : 'end_turn',
            stop_sequence: null,
            usage: {
              input_tokens: u.prompt_tokens,
              output_tokens: u.completion_tokens,
              cache_creation_input_tokens: write,
              cache_read_input_tokens: read,
            },
          },
          extra,
        );
      }
      case 'POST /v1/chat/completions':
      case 'POST /v1/completions': {
        const chat = routePath === '/v1/chat/completions';
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
          return sendJson(res, 400, errorBody('fake: body is not a JSON object', 'invalid_request_error'));
        }
        if (streaming) return stream(req, res, rec, body, chat, extra, resetAfter, abort.signal);
        const usage = parseUsage(h, 3);
        const out = chat
          ? {
              id: `chatcmpl-fake-${rec.seq}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: body.model,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: 'fake answer', refusal: null },
                  logprobs: null,
                  finish_reason: 'stop',
                },
              ],
              usage,
            }
          : {
              id: `cmpl-fake-${rec.seq}`,
              object: 'text_completion',
              created: Math.floor(Date.now() / 1000),
              model: body.model,
              choices: [{ index: 0, text: 'fake answer', logprobs: null, finish_reason: 'stop' }],
              usage,
            };
        if (h['x-fake-no-usage'] !== undefined) delete out.usage;
        if (chat && h['x-fake-tool-call']) {
          out.choices[0].message = {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: `call_fake_${rec.seq}`,
                type: 'function',
                function: { name: String(h['x-fake-tool-call']), arguments: TOOL_ARGS.join('') },
              },
            ],
          };
          out.choices[0].finish_reason = 'tool_calls';
        }
        return sendJson(res, 200, out, extra);
      }
      case 'POST /v1/embeddings': {
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
          return sendJson(res, 400, errorBody('fake: body is not a JSON object', 'invalid_request_error'));
        }
        const base64 = body.encoding_format === 'base64';
        const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 ? body.dimensions : 4;
        const data = embeddingInputs(body.input).map((text, index) => {
          const vec = fakeVector(text, dims);
          return { object: 'embedding', index, embedding: base64 ? toBase64Floats(vec) : vec };
        });
        const u = parseUsage(h, 0);
        const out = {
          object: 'list',
          data,
          model: body.model,
          usage: { prompt_tokens: u.prompt_tokens, total_tokens: u.prompt_tokens },
        };
        if (h['x-fake-no-usage'] !== undefined) delete out.usage;
        return sendJson(res, 200, out, extra);
      }
      case 'GET /v1/models':
        if (modelsStatus !== 200) return sendJson(res, modelsStatus, errorBody('fake: models unavailable'));
        return sendJson(
          res,
          200,
          {
            object: 'list',
            data: [
              { id: 'fake-model', object: 'model', created: 1700000000, owned_by: 'fake' },
              { id: 'fake-embedding', object: 'model', created: 1700000000, owned_by: 'fake' },
            ],
          },
          extra,
        );
      default:
        return sendJson(
          res,
          404,
          errorBody(`fake: no route for ${route}`, 'invalid_request_error', 'unknown_url'),
        );
    }
  }

  // Sends `events` as SSE ({kind, index, name?, data}); "content" events count for the stall and
  // reset scripts.
  async function writeEvents(req, res, rec, events, extra, resetAfter, signal) {
    const h = req.headers;
    const chunkDelay = intHeader(h, 'x-fake-chunk-delay-ms', 0);
    const stallAfter = intHeader(h, 'x-fake-stall-after', null);
    const split = h['x-fake-split'] !== undefined && h['x-fake-split'] !== '0';
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...extra,
    });
    res.flushHeaders();

    const write = (s) =>
      new Promise((resolve) => {
        if (signal.aborted || res.destroyed) return resolve(false);
        res.write(s, () => resolve(true));
      });

    let contentSent = 0;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      if (i > 0) await sleep(chunkDelay, signal);
      if (signal.aborted) return;
      const payload = typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
      const text = ev.frame ?? `${ev.name ? `event: ${ev.name}\n` : ''}data: ${payload}\n\n`;
      rec.events.push({ kind: ev.kind, index: ev.index, t: performance.now(), data: ev.data });
      if (split) {
        const mid = Math.floor(text.length / 2);
        await write(text.slice(0, mid));
        await sleep(5, signal);
        await write(text.slice(mid));
      } else {
        await write(text);
      }
      if (ev.kind === 'content') {
        contentSent++;
        if (resetAfter !== null && contentSent >= resetAfter) {
          // The write callback above fired, so every byte is in the kernel: a plain close delivers
          // them before the FIN, and the chunked body is left unterminated.
          rec.outcome = 'reset';
          res.socket?.destroy();
          return;
        }
        if (stallAfter !== null && contentSent >= stallAfter) {
          rec.outcome = 'stalled';
          await sleep(600_000, signal);  // until the gateway gives up and closes the connection
          return;
        }
      }
    }
    res.end();
  }

  // An Anthropic Messages stream: message_start, a text block of `x-fake-chunks` deltas (and a
  // tool_use block when scripted), message_delta with the stop reason and usage, message_stop.
  async function anthropicStream(req, res, rec, body, extra, resetAfter, signal) {
    const h = req.headers;
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const u = parseUsage(h, chunks);
    const [read, write] = cacheUsage(h);
    const tool = h['x-fake-tool-call'];
    const ev = (name, data, kind = name, index) => ({ kind, name, index, data: { type: name, ...data } });
    const events = [
      ev('message_start', {
        message: {
          id: `msg_fake_${rec.seq}`, type: 'message', role: 'assistant', model: body.model,
          content: [], stop_reason: null, stop_sequence: null,
          usage: { input_tokens: u.prompt_tokens, output_tokens: 1,
                   cache_creation_input_tokens: write, cache_read_input_tokens: read },
        },
      }),
      ev('ping', {}),
    ];
    let block = 0;
    if (chunks > 0) {
      events.push(ev('content_block_start', { index: block, content_block: { type: 'text', text: '' } }));
      for (let i = 0; i < chunks; i++)
        events.push(ev('content_block_delta', { index: block, delta: { type: 'text_delta', text: `tok${i} ` } }, 'content', i));
      events.push(ev('content_block_stop', { index: block++ }));
    }
    if (tool) {
      events.push(ev('content_block_start', {
        index: block,
        content_block: { type: 'tool_use', id: `toolu_fake_${rec.seq}`, name: String(tool), input: {} },
      }, 'content', chunks));
      for (const part of TOOL_ARGS)
        events.push(ev('content_block_delta', { index: block, delta: { type: 'input_json_delta', partial_json: part } }, 'content', chunks));
      events.push(ev('content_block_stop', { index: block++ }));
    }
    if (h['x-fake-no-usage'] === undefined)
      events.push(ev('message_delta', {
        delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: u.completion_tokens },
      }, 'finish'));
    events.push(ev('message_stop', {}, 'done'));
    return writeEvents(req, res, rec, events, extra, resetAfter, signal);
  }

  // Gemini generateContent (one GenerateContentResponse) or streamGenerateContent?alt=sse (one per
  // text piece; the last carries finishReason and usageMetadata).
  async function geminiAnswer(req, res, rec, body, model, method, extra, resetAfter, signal) {
    const h = req.headers;
    if (!body || !Array.isArray(body.contents))
      return sendJson(res, 400, googleErrorBody(400, 'fake: contents is required'));
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const u = parseUsage(h, method === 'generateContent' ? 3 : chunks);
    const tool = h['x-fake-tool-call'];
    const usageMetadata = {
      promptTokenCount: u.prompt_tokens,
      candidatesTokenCount: u.completion_tokens,
      totalTokenCount: u.prompt_tokens + u.completion_tokens,
    };
    const response = (parts, finishReason, usage) => ({
      candidates: [{ content: { role: 'model', parts }, ...(finishReason && { finishReason }), index: 0 }],
      ...(usage && { usageMetadata: usage }),
      modelVersion: model,
      responseId: `fake-${rec.seq}`,
    });
    const call = tool ? [{ functionCall: { name: String(tool), args: { city: 'Paris' } } }] : [];
    if (method === 'generateContent') {
      const parts = tool ? call : [{ text: 'fake answer' }];
      return sendJson(res, 200, response(parts, 'STOP', h['x-fake-no-usage'] === undefined && usageMetadata), extra);
    }
    const events = [];
    for (let i = 0; i < chunks; i++) events.push({ kind: 'content', index: i, data: response([{ text: `tok${i} ` }]) });
    if (tool) events.push({ kind: 'content', index: chunks, data: response(call) });
    events.push({ kind: 'finish', data: response([], 'STOP', h['x-fake-no-usage'] === undefined && usageMetadata) });
    return writeEvents(req, res, rec, events, extra, resetAfter, signal);
  }

  // OAuth2 JWT-bearer grant (RFC 7523), as Google's token endpoint answers it.
  function tokenAnswer(res, rawBody) {
    const form = new URLSearchParams(rawBody);
    const deny = (why) => sendJson(res, 400, { error: 'invalid_grant', error_description: why });
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return deny('grant_type');
    const parts = String(form.get('assertion') ?? '').split('.');
    if (parts.length !== 3 || !vertexPublicKey) return deny('malformed assertion');
    const ok = crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), vertexPublicKey,
      Buffer.from(parts[2], 'base64url'));
    if (!ok) return deny('Invalid JWT Signature.');
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    const now = Math.floor(Date.now() / 1000);
    if (claims.scope !== 'https://www.googleapis.com/auth/cloud-platform' || !(claims.exp > now))
      return deny('bad claims');
    const token = `ya29.fake-${issuedTokens.size + 1}`;
    issuedTokens.add(token);
    return sendJson(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  // Ollama POST /api/chat: one JSON object, or NDJSON lines when "stream" is not false (Ollama's
  // default is to stream).
  async function ollamaAnswer(req, res, rec, body, extra, resetAfter, signal) {
    const h = req.headers;
    if (!body || !Array.isArray(body.messages)) return sendJson(res, 400, { error: 'fake: messages is required' });
    const streamIt = body.stream !== false;
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const u = parseUsage(h, streamIt ? chunks : 3);
    const tool = h['x-fake-tool-call'];
    const created_at = new Date().toISOString();
    const calls = tool ? [{ function: { name: String(tool), arguments: { city: 'Paris' } } }] : undefined;
    const final = (message) => ({
      model: body.model, created_at, message, done: true, done_reason: 'stop',
      ...(h['x-fake-no-usage'] === undefined && { prompt_eval_count: u.prompt_tokens, eval_count: u.completion_tokens }),
    });
    if (!streamIt)
      return sendJson(res, 200, final({ role: 'assistant', content: tool ? '' : 'fake answer', ...(calls && { tool_calls: calls }) }), extra);
    const line = (kind, data, index) => ({ kind, index, data, frame: `${JSON.stringify(data)}\n` });
    const events = [];
    for (let i = 0; i < chunks; i++)
      events.push(line('content', { model: body.model, created_at, message: { role: 'assistant', content: `tok${i} ` }, done: false }, i));
    if (calls) events.push(line('content', { model: body.model, created_at, message: { role: 'assistant', content: '', tool_calls: calls }, done: false }, chunks));
    events.push(line('finish', final({ role: 'assistant', content: '' })));
    return writeEvents(req, res, rec, events, { 'content-type': 'application/x-ndjson', ...extra }, resetAfter, signal);
  }

  // DashScope native text generation: JSON, or SSE `event:result` events with incremental output
  // when the request carries X-DashScope-SSE: enable.
  async function dashscopeAnswer(req, res, rec, body, streamIt, extra, resetAfter, signal) {
    const h = req.headers;
    if (!body?.input || !Array.isArray(body.input.messages))
      return sendJson(res, 400, { code: 'InvalidParameter', message: 'fake: input.messages is required', request_id: 'r' });
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const u = parseUsage(h, streamIt ? chunks : 3);
    const usage = { input_tokens: u.prompt_tokens, output_tokens: u.completion_tokens, total_tokens: u.total_tokens };
    const tool = h['x-fake-tool-call'];
    const toolCalls = tool
      ? [{ index: 0, id: `call_fake_${rec.seq}`, type: 'function', function: { name: String(tool), arguments: TOOL_ARGS.join('') } }]
      : undefined;
    const answer = (message, finish) => ({
      output: { choices: [{ message: { role: 'assistant', ...message }, finish_reason: finish }] },
      usage,
      request_id: `req-fake-${rec.seq}`,
    });
    if (!streamIt)
      return sendJson(res, 200, answer(tool ? { content: '', tool_calls: toolCalls } : { content: 'fake answer' }, tool ? 'tool_calls' : 'stop'), extra);
    let id = 0;
    const ev = (kind, data, index) => ({
      kind, index, data,
      frame: `id:${++id}\nevent:result\n:HTTP_STATUS/200\ndata:${JSON.stringify(data)}\n\n`,
    });
    const events = [];
    for (let i = 0; i < chunks; i++) events.push(ev('content', answer({ content: `tok${i} ` }, 'null'), i));
    if (toolCalls) events.push(ev('content', answer({ content: '', tool_calls: toolCalls }, 'null'), chunks));
    events.push(ev('finish', answer({ content: '' }, tool ? 'tool_calls' : 'stop')));
    return writeEvents(req, res, rec, events, extra, resetAfter, signal);
  }

  // Bedrock Converse (JSON) or ConverseStream (AWS event-stream frames). Requests must carry a
  // SigV4 authorization header of the right shape (the signature itself is checked by the
  // gateway's unit tests against AWS's published vectors).
  async function bedrockAnswer(req, res, rec, body, model, method, extra, resetAfter, signal) {
    const h = req.headers;
    if (!SIGV4_AUTH.test(String(h.authorization ?? '')) || !h['x-amz-date'])
      return sendJson(res, 403, { message: 'fake: missing or malformed SigV4 signature' }, { 'x-amzn-errortype': 'AccessDeniedException' });
    if (!body || !Array.isArray(body.messages))
      return sendJson(res, 400, { message: 'fake: messages is required' }, { 'x-amzn-errortype': 'ValidationException' });
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const u = parseUsage(h, method === 'converse' ? 3 : chunks);
    const usage = { inputTokens: u.prompt_tokens, outputTokens: u.completion_tokens, totalTokens: u.total_tokens };
    const tool = h['x-fake-tool-call'];
    const toolUseId = `tooluse_fake_${rec.seq}`;
    if (method === 'converse') {
      const content = tool
        ? [{ toolUse: { toolUseId, name: String(tool), input: { city: 'Paris' } } }]
        : [{ text: 'fake answer' }];
      return sendJson(res, 200, {
        output: { message: { role: 'assistant', content } },
        stopReason: tool ? 'tool_use' : 'end_turn',
        usage,
        metrics: { latencyMs: 1 },
      }, extra);
    }
    const ev = (type, data, kind = type, index) => ({
      kind, index, data,
      frame: eventStreamFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(data)),
    });
    const events = [ev('messageStart', { role: 'assistant' })];
    for (let i = 0; i < chunks; i++)
      events.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { text: `tok${i} ` } }, 'content', i));
    if (chunks > 0) events.push(ev('contentBlockStop', { contentBlockIndex: 0 }));
    if (tool) {
      const index = chunks > 0 ? 1 : 0;
      events.push(ev('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId, name: String(tool) } } }, 'content', chunks));
      for (const part of TOOL_ARGS)
        events.push(ev('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: part } } }, 'content', chunks));
      events.push(ev('contentBlockStop', { contentBlockIndex: index }));
    }
    events.push(ev('messageStop', { stopReason: tool ? 'tool_use' : 'end_turn' }, 'finish'));
    if (h['x-fake-no-usage'] === undefined) events.push(ev('metadata', { usage, metrics: { latencyMs: 1 } }, 'usage'));
    return writeEvents(req, res, rec, events, { 'content-type': 'application/vnd.amazon.eventstream', ...extra }, resetAfter, signal);
  }

  async function stream(req, res, rec, body, chat, extra, resetAfter, signal) {
    const h = req.headers;
    const chunks = Math.max(0, intHeader(h, 'x-fake-chunks', 3));
    const noUsage = h['x-fake-no-usage'] !== undefined;
    const includeUsage = body.stream_options?.include_usage === true;
    const usage = parseUsage(h, chunks);
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-fake-${rec.seq}`;
    const created = Math.floor(Date.now() / 1000);

    // Real OpenAI puts "usage": null on every chunk when include_usage is on.
    const withUsageNull = (o) => (includeUsage ? { ...o, usage: null } : o);
    const chatChunk = (delta, finish) =>
      withUsageNull({
        id,
        object: 'chat.completion.chunk',
        created,
        model: body.model,
        system_fingerprint: 'fp_fake',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
    const textChunk = (text, finish) =>
      withUsageNull({
        id,
        object: 'text_completion',
        created,
        model: body.model,
        choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
      });

    const events = [];
    if (chat) events.push({ kind: 'role', data: chatChunk({ role: 'assistant', content: '' }, null) });
    for (let i = 0; i < chunks; i++) {
      events.push({
        kind: 'content',
        index: i,
        data: chat ? chatChunk({ content: `tok${i} ` }, null) : textChunk(`tok${i} `, null),
      });
    }
    const tool = chat ? h['x-fake-tool-call'] : undefined;
    if (tool) {
      events.push({
        kind: 'content',
        index: chunks,
        data: chatChunk(
          { tool_calls: [{ index: 0, id: `call_fake_${rec.seq}`, type: 'function',
                           function: { name: String(tool), arguments: '' } }] },
          null,
        ),
      });
      for (const part of TOOL_ARGS)
        events.push({
          kind: 'content',
          index: chunks,
          data: chatChunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null),
        });
    }
    const finishReason = tool ? 'tool_calls' : 'stop';
    events.push({ kind: 'finish', data: chat ? chatChunk({}, finishReason) : textChunk('', 'stop') });
    if (includeUsage && !noUsage) {
      events.push({
        kind: 'usage',
        data: {
          id,
          object: chat ? 'chat.completion.chunk' : 'text_completion',
          created,
          model: body.model,
          choices: [],
          usage,
        },
      });
    }
    events.push({ kind: 'done', data: '[DONE]' });

    return writeEvents(req, res, rec, events, extra, resetAfter, signal);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(fixedPort, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    baseUrl: `${origin}/v1`,
    port,
    requests,
    /** The recorded request whose x-fake-tag header equals `tag` (the last one if retried). */
    find(tag) {
      for (let i = requests.length - 1; i >= 0; i--)
        if (requests[i].headers['x-fake-tag'] === tag) return requests[i];
      return undefined;
    },
    /** Makes GET /v1/models answer `status` from now on (200 restores it). */
    setModelsStatus(status) {
      modelsStatus = status;
    },
    /** Credentials to refuse with 401 or answer with 429 from now on: {reject: [], ratelimit: []}. */
    setKeyRules({ reject = [], ratelimit = [] } = {}) {
      keyRules = { reject, ratelimit };
    },
    /** The service account's public key (PEM) that POST /token verifies assertions with. */
    setVertexPublicKey(pem) {
      vertexPublicKey = pem;
    },
    /** All recorded requests carrying this x-fake-tag. */
    findAll(tag) {
      return requests.filter((r) => r.headers['x-fake-tag'] === tag);
    },
    /** Resolves with the first recorded request matching `pred`, polling every 5 ms. */
    async waitForRequest(pred, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const r = requests.find(pred);
        if (r) return r;
        if (performance.now() > deadline) throw new Error('fake_provider: waitForRequest timed out');
        await sleep(5);
      }
    },
    reset() {
      requests.length = 0;
    },
    async close() {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
        for (const s of sockets) s.destroy();
      });
    },
  };
}
