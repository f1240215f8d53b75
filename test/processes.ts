// Helpers for system tests that drive real processes and real clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Resolves with the first stdout/stderr line matching `pattern`; rejects when the process exits first. */
export function waitForOutput(proc: ChildProcess, pattern: RegExp, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const readers = [proc.stdout, proc.stderr]
      .filter((s) => s !== null)
      .map((input) => createInterface({ input }));
    const seen: string[] = [];
    const timer = setTimeout(
      () => done(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${seen.join('\n')}`)),
      timeoutMs,
    );
    const onLine = (line: string) => {
      seen.push(line);
      if (seen.length > 200) seen.shift();
      if (pattern.test(line)) done(undefined, line);
    };
    const onExit = (code: number | null) =>
      done(new Error(`exited (${code}) before ${pattern}; output:\n${seen.join('\n')}`));
    function done(err?: Error, line?: string) {
      clearTimeout(timer);
      for (const r of readers) r.off('line', onLine);
      proc.off('exit', onExit);
      if (err) reject(err);
      else resolve(line!);
    }
    for (const r of readers) r.on('line', onLine);
    proc.once('exit', onExit);
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until none of `pids` is alive; returns the ones still alive at the deadline. */
export async function waitForExit(pids: number[], timeoutMs = 20_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (kubectl and friends); `env` adds to this process's environment. */
export function run(
  command: string,
  args: string[],
  input?: string,
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.once('error', reject);
    proc.once('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input ?? '');
  });
}

/** Polls `read` until `predicate` holds (bounded); fails with the last value seen. */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (v: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (predicate(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last).slice(0, 1500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * REST calls to an api-sim with its token: paths under `/sim/` go to its test hooks, the rest to
 * `/api/ambient/v1`. Answers the JSON body (`{}` when empty); any status but 2xx throws with the body.
 */
export function apiSimCaller(
  url: string,
  token: string,
): (method: string, pathAndQuery: string, body?: unknown) => Promise<Record<string, unknown>> {
  return async (method, pathAndQuery, body) => {
    const base = pathAndQuery.startsWith('/sim/') ? url : `${url}/api/ambient/v1`;
    const res = await fetch(`${base}${pathAndQuery}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathAndQuery}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
}
