import { describe, expect, test } from 'vitest';
import { withAbortSignal } from '@ambient-operator/shared';
import { createRecentReads } from '../src/recent-reads.js';

/** A read that counts its calls and answers what `answer` holds when it is called. */
function counted<T>(answer: () => T) {
  const read = { calls: 0, fn: () => (read.calls++, Promise.resolve(answer())) };
  return read;
}

describe('recent reads', () => {
  test('an answer is reused until it is ttlMs old, then read again', async () => {
    let now = 0;
    const recent = createRecentReads({ now: () => now, ttlMs: 5000 });
    let value = 'a';
    const read = counted(() => value);
    expect(await recent.get('k', read.fn)).toBe('a');
    value = 'b';
    now = 4999;
    expect(await recent.get('k', read.fn)).toBe('a');
    now = 5000;
    expect(await recent.get('k', read.fn)).toBe('b');
    expect(read.calls).toBe(2);
  });

  test('an answer `keep` refuses is read again next time', async () => {
    const recent = createRecentReads({ now: () => 0 });
    let value: string | null = null;
    const read = counted(() => value);
    const keep = (v: string | null) => v !== null;
    expect(await recent.get('k', read.fn, keep)).toBeNull();
    value = 'there';
    expect(await recent.get('k', read.fn, keep)).toBe('there');
    expect(await recent.get('k', read.fn, keep)).toBe('there');
    expect(read.calls).toBe(2);
  });

  test('concurrent misses share one read', async () => {
    const recent = createRecentReads({ now: () => 0 });
    const read = counted(() => 'x');
    const answers = await Promise.all([recent.get('k', read.fn), recent.get('k', read.fn)]);
    expect(answers).toEqual(['x', 'x']);
    expect(read.calls).toBe(1);
  });

  test('what the process wrote is the next answer, and a read in flight does not overwrite it', async () => {
    const recent = createRecentReads({ now: () => 0 });
    let release!: (v: string) => void;
    const slow = recent.get('k', () => new Promise<string>((r) => (release = r)));
    recent.set('k', 'written');
    release('read before the write');
    expect(await slow).toBe('read before the write');
    const read = counted(() => 'live');
    expect(await recent.get('k', read.fn)).toBe('written');
    recent.forget('k');
    expect(await recent.get('k', read.fn)).toBe('live');
    expect(read.calls).toBe(1);
  });

  test('a read shared with a reconcile that is cancelled is read again by the others, not failed with its abort', async () => {
    const recent = createRecentReads({ now: () => 0 });
    const first = new AbortController();
    let fail!: (err: Error) => void;
    const cancelled = withAbortSignal(first.signal, () =>
      recent.get('k', () => new Promise<string>((_, reject) => (fail = reject))),
    );
    const read = counted(() => 'live');
    const joined = withAbortSignal(new AbortController().signal, () => recent.get('k', read.fn));
    first.abort();
    fail(new Error('aborted'));
    await expect(cancelled).rejects.toThrow('aborted');
    expect(await joined).toBe('live');
    expect(read.calls).toBe(1);
  });

  test('a shared read that fails for another reason fails every reconcile that joined it, read once', async () => {
    const recent = createRecentReads({ now: () => 0 });
    let fail!: (err: Error) => void;
    const read = counted(() => 'unused');
    const started = withAbortSignal(new AbortController().signal, () =>
      recent.get('k', () => new Promise<string>((_, reject) => (fail = reject))),
    );
    const joined = withAbortSignal(new AbortController().signal, () => recent.get('k', read.fn));
    fail(new Error('HTTP 500'));
    await expect(started).rejects.toThrow('HTTP 500');
    await expect(joined).rejects.toThrow('HTTP 500');
    expect(read.calls).toBe(0);
  });

  test('a failed read is not kept', async () => {
    const recent = createRecentReads({ now: () => 0 });
    await expect(recent.get('k', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await recent.get('k', () => Promise.resolve('ok'))).toBe('ok');
  });

  test('at most maxEntries answers are kept, the oldest dropped first', async () => {
    const recent = createRecentReads({ now: () => 0, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) await recent.get(k, () => Promise.resolve(k));
    const read = counted(() => 'again');
    expect(await recent.get('a', read.fn)).toBe('again');
    expect(await recent.get('c', read.fn)).toBe('c');
    expect(read.calls).toBe(1);
  });

  describe("with the process's watches (watched-inputs.ts)", () => {
    /** Watches that hold `held` by key, in step for the keys of `covered` only. */
    const watches = (held: Map<string, unknown>, covered: (key: string) => boolean) => ({
      answer: (key: string) => (covered(key) ? (held.get(key) ?? null) : undefined),
    });

    test('a key a watch in step covers is answered by it, an absence too; any other is read live', async () => {
      const held = new Map<string, unknown>([['secrets:a/x', { data: 'watched' }]]);
      const recent = createRecentReads({
        now: () => 0,
        watched: watches(held, (k) => k.startsWith('secrets:')),
      });
      const read = counted(() => 'live');
      expect(await recent.get('secrets:a/x', read.fn)).toEqual({ data: 'watched' });
      expect(await recent.get('secrets:b/x', read.fn)).toBeNull();
      expect(read.calls).toBe(0);
      expect(await recent.get('configmaps:a/y', read.fn)).toBe('live');
      expect(read.calls).toBe(1);
    });

    test('what this process wrote a moment ago is answered before a watch that has not shown it yet', async () => {
      const held = new Map<string, unknown>();
      const recent = createRecentReads({ now: () => 0, watched: watches(held, () => true) });
      recent.set('networkpolicies:a/p', { created: true });
      expect(await recent.get('networkpolicies:a/p', () => Promise.resolve('live'))).toEqual({
        created: true,
      });
      // The watch's event for it drops the held answer (start-worker.ts wires onChange to forget).
      held.set('networkpolicies:a/p', { changed: 'by someone' });
      recent.forget('networkpolicies:a/p');
      expect(await recent.get('networkpolicies:a/p', () => Promise.resolve('live'))).toEqual({
        changed: 'by someone',
      });
    });

    test('current: a watched answer only when trusted, else live — never an earlier read kept', async () => {
      const held = new Map<string, unknown>([['secrets:a/present', { here: true }]]);
      const recent = createRecentReads({
        now: () => 0,
        watched: watches(held, (k) => k.startsWith('secrets:')),
      });
      const present = (v: unknown) => v !== null;
      const read = counted(() => 'live');
      expect(await recent.current('secrets:a/present', read.fn, present)).toEqual({ here: true });
      // Absent in the watch: confirmed live (it may have just been created).
      expect(await recent.current('secrets:a/missing', read.fn, present)).toBe('live');
      // A watch not in step for the key, and an answer kept from an earlier read: live all the same.
      await recent.get('configmaps:a/c', () => Promise.resolve('kept'));
      expect(await recent.current('configmaps:a/c', read.fn, present)).toBe('live');
      expect(read.calls).toBe(2);
    });
  });
});
