import { describe, expect, it } from 'vitest';
import { eventToKeys, owningSessionName } from '@ambient-operator/watcher';

const sessionsIn = (ns: string) => (ns === 'team-a' ? ['team-a/s1', 'team-a/s2'] : []);

describe('eventToKeys', () => {
  it('maps a session to its own key', () => {
    expect(eventToKeys('AgenticSession', { name: 's1', namespace: 'team-a' }, sessionsIn)).toEqual([
      'team-a/s1',
    ]);
  });

  it('maps runner pods and jobs to the owning session: label, controller owner, or <name>-runner Job', () => {
    expect(
      eventToKeys(
        'Pod',
        { name: 'x-runner-abcde', namespace: 'team-a', labels: { 'agentic-session': 's1' } },
        sessionsIn,
      ),
    ).toEqual(['team-a/s1']);
    expect(
      eventToKeys(
        'Job',
        {
          name: 's2-runner',
          namespace: 'team-a',
          ownerReferences: [{ kind: 'AgenticSession', name: 's2', controller: true }],
        },
        sessionsIn,
      ),
    ).toEqual(['team-a/s2']);
    expect(
      owningSessionName({
        name: 'p',
        ownerReferences: [{ kind: 'Job', name: 's3-runner', controller: true }],
      }),
    ).toBe('s3');
    // Not a controller owner, no label: not ours.
    expect(
      eventToKeys(
        'Pod',
        { name: 'p', namespace: 'team-a', ownerReferences: [{ kind: 'AgenticSession', name: 's1' }] },
        sessionsIn,
      ),
    ).toEqual([]);
  });

  it('maps ProjectSettings and managed Namespaces to the ps key plus every session of the namespace', () => {
    expect(
      eventToKeys('ProjectSettings', { name: 'projectsettings', namespace: 'team-a' }, sessionsIn),
    ).toEqual(['ps:team-a', 'team-a/s1', 'team-a/s2']);
    expect(eventToKeys('Namespace', { name: 'team-b' }, sessionsIn)).toEqual(['ps:team-b']);
  });
});
