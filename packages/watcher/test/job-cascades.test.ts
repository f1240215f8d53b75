import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJobCascades } from '../src/job-cascades.js';

// A deleted runner Job's keys wait for its pod: the pod's DELETED tells the session its runner is gone.
describe('job cascades', () => {
  let enqueued: string[][];
  const cascades = () => createJobCascades((keys) => enqueued.push(keys), 2000);
  beforeEach(() => {
    enqueued = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a Job whose pod's deletion mark follows enqueues nothing for either (the pod's DELETED will)", () => {
    const c = cascades();
    c.jobDeleted('job-1', ['ns/s1']);
    expect(c.podDeletionOfDeletedJob('job-1')).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(enqueued).toEqual([]);
  });

  it('a Job whose pod shows no deletion mark in time (none, or a slow collector) enqueues its keys after the wait', () => {
    const c = cascades();
    c.jobDeleted('job-1', ['ns/s1']);
    vi.advanceTimersByTime(1999);
    expect(enqueued).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(enqueued).toEqual([['ns/s1']]);
    // A late deletion mark of its pod still waits for the pod's DELETED.
    expect(c.podDeletionOfDeletedJob('job-1')).toBe(true);
  });

  it("a pod of a Job not deleted, or of none, is not the cascade's", () => {
    const c = cascades();
    c.jobDeleted('job-1', ['ns/s1']);
    expect(c.podDeletionOfDeletedJob('job-2')).toBe(false);
    expect(c.podDeletionOfDeletedJob(undefined)).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(enqueued).toEqual([['ns/s1']]);
  });

  it('a Job without a uid, and what still waits at shutdown, are enqueued at once', () => {
    const c = cascades();
    c.jobDeleted(undefined, ['ns/s1']);
    c.jobDeleted('job-2', ['ns/s2']);
    c.flush();
    expect(enqueued).toEqual([['ns/s1'], ['ns/s2']]);
    vi.advanceTimersByTime(5000);
    expect(enqueued).toHaveLength(2);
  });

  it('forgets a deleted Job after a minute', () => {
    const c = cascades();
    c.jobDeleted('job-1', ['ns/s1']);
    vi.advanceTimersByTime(61_000);
    expect(c.podDeletionOfDeletedJob('job-1')).toBe(false);
  });
});
