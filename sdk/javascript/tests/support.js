// Test support: the local stack to test against, and scripted HTTP servers for what a real one cannot do.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let stack = null;

/**
 * LOOPGRID_URL (set by the Maven build, which starts the stack in-process), else a stack started here from the
 * built jar (`java -jar local/target/loopgrid-local.jar --in-memory --port 0`), or null (tests skip).
 */
export async function stackUrl() {
  if (process.env.LOOPGRID_URL) return process.env.LOOPGRID_URL.replace(/\/+$/, '');
  if (stack) return stack;
  const jar = join(REPO, 'local', 'target', 'loopgrid-local.jar');
  if (!existsSync(jar)) return null;
  stack = new Promise((resolve, reject) => {
    const child = spawn('java', ['-jar', jar, '--in-memory', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    process.on('exit', () => child.kill());
    let out = '';
    child.stdout.on('data', (data) => {
      out += data;
      const m = /API:\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        // serving: let this process exit when its tests are done (the exit handler stops the stack)
        child.unref();
        child.stdout.unref?.();
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the local stack exited (${code}): ${out}`)));
  });
  return stack;
}

/** A port nothing listens on (bound, then released). */
export async function freePort() {
  const server = createNetServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * An HTTP server answering each request with `script({method, url, headers, body})`: [status, headers, body],
 * 'drop' (close without answering) or 'hang' (never answer).
 */
export async function scriptedServer(script) {
  const requests = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(request);
      const action = script(request);
      if (action === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action === 'hang') return;
      const [status, headers, text] = action;
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close', ...headers });
      res.end(text);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const json = (status, body, headers = {}) => [status, headers, JSON.stringify(body)];

export const DECISION = {
  decision_id: 'dec_1', created_at: '2026-11-23T20:12:00.123Z', service_name: 's', decision_type: 't', input: {},
  model: { provider: 'openai', name: 'gpt-4' }, output: {}, status: 'recorded', content_hash: 'c'.repeat(64),
  chain_hash: 'h'.repeat(64),
};
