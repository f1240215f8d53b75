import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '@ambient-operator/shared';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const SECRET = 's3cr3t-value-that-must-never-appear';

function logEverySecretShape(log: ReturnType<typeof createLogger>): void {
  log.info({ token: SECRET }, 'top-level token');
  log.info({ user: { token: SECRET, password: SECRET } }, 'nested');
  log.info(
    {
      secret: {
        metadata: { name: 'ambient-runner-token-s1' },
        data: { 'k8s-token': SECRET, 'agui-token': SECRET },
      },
    },
    'secret object',
  );
  log.info({ body: { kind: 'Secret', stringData: { ANTHROPIC_API_KEY: SECRET } } }, 'stringData');
  log.info({ tokens: { 'k8s-token': SECRET, 'agui-token': SECRET } }, 'token keys');
  log.info(
    { req: { headers: { authorization: `Bearer ${SECRET}`, Authorization: `Bearer ${SECRET}` } } },
    'headers',
  );
  log.info({ headers: { authorization: `Bearer ${SECRET}` } }, 'top-level headers');
  log.info(
    {
      pod: {
        spec: {
          containers: [
            {
              name: 'ambient-code-runner',
              env: [
                { name: 'GOOGLE_OAUTH_CLIENT_SECRET', value: SECRET },
                { name: 'AWS_SECRET_ACCESS_KEY', value: SECRET },
                { name: 'ANTHROPIC_API_KEY', value: SECRET },
                { name: 'BOT_PASSWORD', value: SECRET },
                { name: 'GITHUB_TOKEN', value: SECRET },
                { name: 'SESSION_NAME', value: 'visible-session' },
              ],
            },
          ],
        },
      },
    },
    'pod env',
  );
  log.info({ env: [{ name: 'AGUI_TOKEN', value: SECRET }] }, 'env list');
  log.info(
    {
      list: {
        items: [{ kind: 'Secret', data: { any: SECRET } }],
        deeper: { a: { b: { c: { token: SECRET } } } },
      },
    },
    'deep',
  );
}

describe('createLogger', () => {
  test('writes JSON lines with name and level', () => {
    const out = capture();
    const log = createLogger({ name: 'worker', level: 'debug', destination: out.stream });
    log.debug({ key: 'demo/s1' }, 'reconciled');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 20, name: 'worker', key: 'demo/s1', msg: 'reconciled' });
  });

  test('respects the level', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.text()).not.toContain('hidden');
    expect(out.text()).toContain('shown');
  });

  test('a secret never reaches the JSON output', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    logEverySecretShape(log);
    const text = out.text();
    expect(text.trim().split('\n')).toHaveLength(10);
    expect(text).not.toContain(SECRET);
    expect(text).toContain('[Redacted]');
    // Non-secret data around the secrets survives.
    expect(text).toContain('ambient-runner-token-s1');
    expect(text).toContain('visible-session');
  });

  test('a secret never reaches the pretty output either', () => {
    const out = capture();
    const log = createLogger({ pretty: true, destination: out.stream });
    logEverySecretShape(log);
    const text = out.text();
    expect(text).toContain('pod env');
    expect(text).not.toContain(SECRET);
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow(); // human-readable, not JSON
  });

  test('redaction does not modify the logged objects', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    const env = [{ name: 'API_KEY', value: SECRET }];
    const secret = { data: { token: SECRET } };
    log.info({ env, secret }, 'x');
    expect(env[0]!.value).toBe(SECRET);
    expect(secret.data.token).toBe(SECRET);
  });

  test('a top-level data field stays readable (queue job data); bindings are redacted too', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream }).child({ auth: { token: SECRET } });
    log.info({ data: { key: 'demo/s1' } }, 'job');
    expect(out.text()).toContain('demo/s1');
    expect(out.text()).not.toContain(SECRET);
  });

  test('child loggers keep redaction; errors are serialized with type and message', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream }).child({ key: 'demo/s1', reconcileId: 'r1' });
    log.error({ err: new Error('boom'), user: { token: SECRET } }, 'failed');
    const line = JSON.parse(out.text().trim()) as { err: { type: string; message: string }; key: string };
    expect(line.key).toBe('demo/s1');
    expect(line.err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(out.text()).not.toContain(SECRET);
  });
});
