import { parseTaskOutput, TERMINATION_MESSAGE_MAX_BYTES } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';

describe('a task output is its termination message as a JSON object of strings', () => {
  it('parses an object of strings', () => {
    expect(parseTaskOutput('{"summary":"done","url":"https://x"}')).toEqual({
      ok: true,
      output: { summary: 'done', url: 'https://x' },
    });
    expect(parseTaskOutput('{}')).toEqual({ ok: true, output: {} });
  });

  it.each([
    [undefined, 'NoOutput'],
    ['  \n', 'NoOutput'],
    ['done', 'OutputNotJSON'],
    ['{"a":', 'OutputNotJSON'],
    ['["a"]', 'OutputNotStringMap'],
    ['"a"', 'OutputNotStringMap'],
    ['{"n":1}', 'OutputNotStringMap'],
    ['{"a":{"b":"c"}}', 'OutputNotStringMap'],
  ])('%j → %s', (message, reason) => {
    const result = parseTaskOutput(message);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  it('names the offending key', () => {
    expect(parseTaskOutput('{"ok":"y","count":3}')).toMatchObject({
      message: expect.stringContaining('"count"'),
    });
  });

  it('over 4 KiB is too large, whether whole or cut off by the kubelet', () => {
    const whole = JSON.stringify({ text: 'x'.repeat(TERMINATION_MESSAGE_MAX_BYTES) });
    expect(parseTaskOutput(whole)).toMatchObject({ ok: false, reason: 'OutputTooLarge' });
    const cut = Buffer.from(whole).subarray(0, TERMINATION_MESSAGE_MAX_BYTES).toString('utf8');
    expect(parseTaskOutput(cut)).toMatchObject({ ok: false, reason: 'OutputTooLarge' });
    const fits = JSON.stringify({ text: 'é'.repeat(2000) }); // 4,000+ bytes in UTF-8
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(TERMINATION_MESSAGE_MAX_BYTES);
    expect(parseTaskOutput(fits).ok).toBe(true);
  });
});
