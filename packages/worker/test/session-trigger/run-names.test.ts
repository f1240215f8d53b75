// Names of scheduled runs, as upstream's trigger_test pins them (contract §9).
import { describe, expect, it } from 'vitest';
import {
  buildScheduledSession,
  displayNameWithRunTime,
  followUpRunInput,
  latestSession,
  sanitizeRunName,
  scheduledRunName,
} from '@ambient-operator/worker';

describe('sanitizeRunName', () => {
  it.each([
    ['DailyReport', 'dailyreport'],
    ['my task!here', 'my-task-here'],
    ['hello!!!world', 'hello-world'],
    ['hello!', 'hello'],
    ['abcdefghijklmnopqrstuvwxyz1234567890abcdefghijklmnop', 'abcdefghijklmnopqrstuvwxyz1234567890abcd'],
    ['', 'run'],
    ['!!!@@@###', 'run'],
    ['MyDailyTask', 'mydailytask'],
    ['daily jira summary', 'daily-jira-summary'],
    ['  hello', 'hello'],
    ['task123', 'task123'],
    ['Café Überblick', 'caf-berblick'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeRunName(input)).toBe(expected);
  });

  it('never ends with "-" after the 40-character cap', () => {
    expect(sanitizeRunName('abcdefghijklmnopqrstuvwxyz1234567890abc!d')).toBe(
      'abcdefghijklmnopqrstuvwxyz1234567890abc',
    );
  });

  it('a UUID schedule name still gives a run whose Service name fits in 63 characters', () => {
    const name = scheduledRunName({
      scheduledSessionName: 'schedule-cb9522da-ce4d-4bc8-8cc8-5647407288f5',
      nowMs: 1_775_052_000_000,
    });
    expect(name).toBe('schedule-cb9522da-ce4d-4bc8-8cc8-5647407-1775052000');
    expect(`session-${name}`.length).toBeLessThanOrEqual(63);
  });
});

describe('a new scheduled run', () => {
  const nowMs = Date.UTC(2026, 2, 5, 9, 3, 7, 456);

  it('is named after its display name and the unix time, labelled with its schedule, spec = template', () => {
    const session = buildScheduledSession({
      namespace: 'team-a',
      scheduledSessionName: 'nightly',
      template: { displayName: 'Nightly Triage', initialPrompt: 'triage', llmSettings: { model: 'm' } },
      nowMs,
    });
    expect(session).toEqual({
      apiVersion: 'vteam.ambient-code/v1alpha1',
      kind: 'AgenticSession',
      metadata: {
        name: `nightly-triage-${Math.floor(nowMs / 1000)}`,
        namespace: 'team-a',
        labels: {
          'ambient-code.io/scheduled-session-name': 'nightly',
          'ambient-code.io/scheduled-run': 'true',
        },
      },
      spec: {
        displayName: 'Nightly Triage (Mar 5, 2026 - 09:03:07)',
        initialPrompt: 'triage',
        llmSettings: { model: 'm' },
      },
    });
  });

  it('without a display name is named after the schedule and gets none', () => {
    const session = buildScheduledSession({
      namespace: 'team-a',
      scheduledSessionName: 'Weekly_Report',
      template: { initialPrompt: 'go' },
      nowMs,
    });
    expect(session.metadata.name).toBe(`weekly-report-${Math.floor(nowMs / 1000)}`);
    expect(session.spec).toEqual({ initialPrompt: 'go' });
  });

  it('display-name times are UTC in Go\'s "Jan 2, 2006 - 15:04:05" layout', () => {
    expect(displayNameWithRunTime('x', Date.UTC(2026, 11, 31, 23, 59, 0))).toBe(
      'x (Dec 31, 2026 - 23:59:00)',
    );
  });
});

describe('reuse', () => {
  it('takes the newest run by creationTimestamp (the first listed on a tie)', () => {
    const run = (name: string, creationTimestamp: string) => ({ metadata: { name, creationTimestamp } });
    expect(
      latestSession([
        run('a', '2026-03-05T09:00:00Z'),
        run('b', '2026-03-05T10:00:00Z'),
        run('c', '2026-03-05T10:00:00Z'),
        run('d', '2026-03-04T10:00:00Z'),
      ])?.metadata.name,
    ).toBe('b');
    expect(latestSession([])).toBeUndefined();
  });

  it('a follow-up prompt is the AG-UI run input upstream sends', () => {
    const nowMs = 1_775_052_000_123;
    expect(followUpRunInput('s1', 'again', nowMs)).toEqual({
      threadId: 's1',
      runId: 'scheduled-1775052000',
      messages: [{ id: 'scheduled-msg-1775052000123000000', role: 'user', content: 'again' }],
    });
  });
});
