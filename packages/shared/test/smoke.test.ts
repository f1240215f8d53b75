import { expect, test } from 'vitest';
import { placeholder } from '@ambient-operator/shared';

test('the package resolves by its own name', () => {
  expect(placeholder).toBe(1);
});
