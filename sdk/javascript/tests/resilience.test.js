// Timeouts, refused connections, retries and odd answers, against scripted servers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT, LoopGrid, LoopGridAPIError, LoopGridError } from '../src/index.js';
import { DECISION, freePort, json, scriptedServer } from './support.js';

const client = (baseUrl, { maxRetries = 3, timeout = 5000 } = {}) => new LoopGrid({ baseUrl, serviceName: 's', timeout,
  maxRetries, retryDelay: 10, maxRetryDelay: 50 });
const record = (g) => g.recordDecision({ decisionType: 't', input: {}, model: { provider: 'openai', name: 'gpt-4' }, output: {} });

async function withServer(script, body) {
  const server = await scriptedServer(script);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('resilience', () => {
  it('times out on a server that hangs, without retrying', () => withServer(() => 'hang', async (s) => {
    const started = Date.now();
    await assert.rejects(client(s.url, { timeout: 500 }).getDecision('dec_1'), (e) => {
      assert.ok(e instanceof LoopGridError && !(e instanceof LoopGridAPIError));
      assert.match(e.message, /timed out after 500ms/);
      return true;
    });
    assert.ok(Date.now() - started < 3000);
    assert.equal(s.requests.length, 1);
  }));

  it('reports a refused connection as LoopGridError', async () => {
    const port = await freePort();
    await assert.rejects(client(`http://127.0.0.1:${port}`, { maxRetries: 2 }).health(), (e) => {
      assert.ok(e instanceof LoopGridError && !(e instanceof LoopGridAPIError));
      assert.ok(e.message.startsWith(`Cannot connect to LoopGrid at http://127.0.0.1:${port}`), e.message);
      return true;
    });
  });

  it('retries 503 and 429 on record with the same Idempotency-Key', async () => {
    const answers = [json(503, { detail: 'busy', code: 'conflict_retry_exhausted' }, { 'Retry-After': '0' }),
      json(429, { message: 'Too Many Requests' }), json(201, DECISION)];
    await withServer(() => answers.shift(), async (s) => {
      assert.equal((await record(client(s.url))).decision_id, 'dec_1');
      assert.equal(s.requests.length, 3);
      assert.equal(new Set(s.requests.map((r) => r.headers['idempotency-key'])).size, 1);
      assert.equal(JSON.parse(s.requests[0].body).service_name, 's');
    });
  });

  it('retries a dropped connection on record with the same key', async () => {
    const answers = ['drop', 'drop', json(201, DECISION)];
    await withServer(() => answers.shift(), async (s) => {
      assert.equal((await record(client(s.url))).decision_id, 'dec_1');
      assert.equal(s.requests.length, 3);
      assert.equal(new Set(s.requests.map((r) => r.headers['idempotency-key'])).size, 1);
    });
  });

  it('gives each record call its own key', () => withServer(() => json(201, DECISION), async (s) => {
    const g = client(s.url);
    await record(g);
    await record(g);
    assert.equal(new Set(s.requests.map((r) => r.headers['idempotency-key'])).size, 2);
  }));

  it('does not resend a flag when the connection drops after sending', () => withServer(() => 'drop', async (s) => {
    await assert.rejects(client(s.url).markIncorrect('dec_1', 'r'), LoopGridError);
    assert.equal(s.requests.length, 1);
  }));

  it('retries a flag the server refused', async () => {
    const answers = [json(503, { detail: 'busy' }, { 'Retry-After': '0' }), json(200, { ...DECISION, status: 'incorrect' })];
    await withServer(() => answers.shift(), async (s) => {
      assert.equal((await client(s.url).markIncorrect('dec_1')).status, 'incorrect');
      assert.equal(s.requests.length, 2);
    });
  });

  it('raises the last error when retries run out', () => withServer(
    () => json(503, { detail: 'The chain head kept moving', code: 'conflict_retry_exhausted' }, { 'Retry-After': '0' }),
    async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 2 }).health(),
        (e) => e.statusCode === 503 && e.code === 'conflict_retry_exhausted');
      assert.equal(s.requests.length, 3);
    },
  ));

  it('keeps the text of errors that are not JSON', () => withServer(
    () => [502, { 'Content-Type': 'text/html' }, '<html>Bad Gateway</html>'],
    async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 0 }).health(),
        (e) => e.statusCode === 502 && e.detail === '<html>Bad Gateway</html>' && e.code === null);
    },
  ));

  it('rejects a success that is not JSON', () => withServer(() => [200, { 'Content-Type': 'text/plain' }, 'hello'],
    async (s) => {
      await assert.rejects(client(s.url).health(), (e) => e instanceof LoopGridError && /not a JSON object/.test(e.message));
    }));

  it('surfaces 401 and 403 as LoopGridAPIError with status, code and detail, without retrying', async () => {
    await withServer(
      () => json(401, { detail: 'Invalid API key: unknown key', code: 'unauthorized' }, { 'WWW-Authenticate': 'Bearer realm="loopgrid"' }),
      async (s) => {
        await assert.rejects(new LoopGrid({ baseUrl: s.url, apiKey: 'lg_wrong', maxRetries: 3 }).verifyIntegrity(), (e) => {
          assert.ok(e instanceof LoopGridAPIError);
          assert.equal(e.statusCode, 401);
          assert.equal(e.code, 'unauthorized');
          assert.equal(e.detail, 'Invalid API key: unknown key');
          return true;
        });
        assert.equal(s.requests.length, 1);
        assert.equal(s.requests[0].headers.authorization, 'Bearer lg_wrong');
      },
    );
    await withServer(
      () => json(403, { detail: 'API key role writer may not verify integrity, build compliance reports or export; '
        + 'roles that may: auditor, admin', code: 'forbidden' }),
      async (s) => {
        await assert.rejects(client(s.url).verifyIntegrity(),
          (e) => e.statusCode === 403 && e.code === 'forbidden' && e.detail.startsWith('API key role writer may not verify'));
        assert.equal(s.requests.length, 1);
      },
    );
    // API Gateway's own 401 has a message and no code
    await withServer(() => json(401, { message: 'Unauthorized' }), async (s) => {
      await assert.rejects(client(s.url).health(),
        (e) => e.statusCode === 401 && e.code === null && e.detail === 'Unauthorized');
    });
  });

  it('retries 429, then surfaces it with status, code and detail', () => withServer(
    () => json(429, { detail: 'Too many requests for tenant acme', code: 'throttled' }, { 'Retry-After': '0' }),
    async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 2 }).health(),
        (e) => e.statusCode === 429 && e.code === 'throttled' && e.detail === 'Too many requests for tenant acme');
      assert.equal(s.requests.length, 3);
    },
  ));

  it('sends the API key as Bearer and encodes queries', () => withServer(
    () => json(200, { integrity: { valid: true, total: 0, broken_at: null, message: 'ok' }, service_filter: 'a b&c' }),
    async (s) => {
      await new LoopGrid({ baseUrl: s.url, apiKey: 'k-123' }).verifyIntegrity('a b&c');
      assert.equal(s.requests[0].headers.authorization, 'Bearer k-123');
      assert.equal(s.requests[0].url, '/v1/integrity/verify?service_name=a%20b%26c');
      assert.match(s.requests[0].headers['user-agent'], /^loopgrid-js\//);
    },
  ));

  it('follows a stored export to its link, without the API key', () => withServer(
    (r) => (r.url.startsWith('/v1/export/decisions')
      ? [303, { Location: '/stored/x.csv?sig=1' }, '{"download_url": "/stored/x.csv?sig=1"}']
      : [200, { 'Content-Type': 'text/csv' }, 'decision_id,created_at\ndec_1,2026\n']),
    async (s) => {
      const g = new LoopGrid({ baseUrl: s.url, apiKey: 'lg_secret', maxRetries: 0 });
      assert.equal(await g.exportDecisionsCsv({ serviceName: 'svc', status: 'corrected' }), 'decision_id,created_at\ndec_1,2026\n');
      assert.equal(s.requests.length, 2);
      const [first, second] = s.requests;
      assert.equal(first.url, '/v1/export/decisions?service_name=svc&status=corrected&format=csv');
      assert.equal(first.headers.authorization, 'Bearer lg_secret');
      assert.equal(first.headers.accept, 'text/csv');
      assert.equal(first.headers['x-loopgrid-client'], CLIENT);
      assert.equal(second.url, '/stored/x.csv?sig=1');
      assert.equal(second.headers.authorization, undefined);
    },
  ));

  it('reports a stored export that cannot be downloaded as an API error', () => withServer(
    (r) => (r.url.startsWith('/v1/')
      ? [303, { Location: '/stored/gone.jsonl' }, '{}']
      : [403, { 'Content-Type': 'application/xml' }, '<Error>expired</Error>']),
    async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 0 }).exportGroundTruth(),
        (e) => e instanceof LoopGridAPIError && e.statusCode === 403 && /expired/.test(e.detail));
    },
  ));

  it('reports a ground-truth line that is not JSON', () => withServer(
    () => [200, { 'Content-Type': 'application/x-ndjson' }, '{"a": 1}\nnot json\n'],
    async (s) => {
      await assert.rejects(client(s.url, { maxRetries: 0 }).exportGroundTruth('svc'),
        (e) => e instanceof LoopGridError && /line 2/.test(e.message));
    },
  ));

  it('revokes a key with a DELETE', () => withServer(
    () => json(200, { key_id: 'key_AAAAAAAAAAAAAAAA', revoked: true }),
    async (s) => {
      assert.equal((await client(s.url).revokeApiKey('key_AAAAAAAAAAAAAAAA')).revoked, true);
      assert.equal(s.requests[0].method, 'DELETE');
      assert.equal(s.requests[0].url, '/v1/admin/keys/key_AAAAAAAAAAAAAAAA');
    },
  ));
});
