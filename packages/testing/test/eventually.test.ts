import { expect, test } from 'vitest';
import { eventually } from '@ambient-operator/testing';

test('eventually resolves with the first value that satisfies the predicate', async () => {
  let n = 0;
  await expect(
    eventually(
      async () => ++n,
      (v) => v >= 3,
      'three',
    ),
  ).resolves.toBe(3);
});

test('eventually fails with what it last saw when the deadline passes', async () => {
  await expect(
    eventually(
      async () => 'still pending',
      (v) => v === 'done',
      'done',
      100,
    ),
  ).rejects.toThrow(/timed out waiting for done; last seen: "still pending"/);
});
