// A real redis-server for the tests: on loopback, no persistence, on a port below the ephemeral
// range (closedPort) so that a restart can take the same port back.
import { spawn } from 'node:child_process';
import { closedPort } from './http.mjs';
import { waitFor } from './gateway.mjs';

/** Starts redis-server; resolves {port, url, kill(signal), start()} once it accepts connections. */
export async function startRedis() {
  const port = await closedPort();
  const server = { port, url: `redis://127.0.0.1:${port}`, proc: null, output: '' };
  server.start = async () => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
      '--appendonly', 'no', '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.proc = proc;
    let ready = false;
    const onData = (d) => {
      server.output += d;
      if (server.output.includes('Ready to accept connections')) ready = true;
    };
    proc.stdout.setEncoding('utf8').on('data', onData);
    proc.stderr.setEncoding('utf8').on('data', onData);
    const exited = new Promise((resolve) => proc.on('close', resolve));
    server.exited = exited;
    process.on('exit', () => proc.kill('SIGKILL'));
    await waitFor(() => ready || proc.exitCode !== null, 10_000, { what: 'redis-server to start' });
    if (!ready) throw new Error(`redis-server did not start:\n${server.output}`);
  };
  /** Kills the server (SIGKILL: no goodbye to clients) and waits until it is gone. */
  server.kill = async (signal = 'SIGKILL') => {
    if (!server.proc || server.proc.exitCode !== null || server.proc.signalCode !== null) return;
    server.proc.kill(signal);
    await server.exited;
  };
  server.close = () => server.kill('SIGTERM');
  await server.start();
  return server;
}
