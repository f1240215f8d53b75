// The key index's lists: the first list of a resource fills the index as its pages come, later lists prune what they
// no longer hold, and a first list that never completed is pruned like any later one.
import { describe, expect, it } from 'vitest';
import { KeyIndex } from '../src/key-index.js';

describe('KeyIndex lists', () => {
  it('a first list adds its keys as they come; a relist prunes what it does not hold', () => {
    const index = new KeyIndex();
    const first = index.beginSnapshot('AgenticSession', 'team-a');
    first.add('team-a/s1', { kind: 'session', namespace: 'team-a' });
    first.add('team-a/s2');
    expect(index.keysIn('session', 'team-a')).toEqual(['team-a/s1', 'team-a/s2']);
    expect(first.end()).toEqual([]);

    const relist = index.beginSnapshot('AgenticSession', 'team-a');
    relist.add('team-a/s2');
    relist.add('team-a/s3');
    // A relist swaps in at its end: until then the index holds what the last complete list left.
    expect(index.keysIn('session', 'team-a')).toEqual(['team-a/s1', 'team-a/s2']);
    expect(relist.end()).toEqual(['team-a/s1']);
    expect(index.keysIn('session', 'team-a')).toEqual(['team-a/s2', 'team-a/s3']);
    expect(index.count('session')).toBe(2);
  });

  it('a first list that failed part-way is pruned by the list that follows it', () => {
    const index = new KeyIndex();
    const failed = index.beginSnapshot('AgenticSession', 'team-a');
    failed.add('team-a/s1');
    failed.add('team-a/gone');
    const retried = index.beginSnapshot('AgenticSession', 'team-a');
    retried.add('team-a/s1');
    expect(retried.end()).toEqual(['team-a/gone']);
    expect([...index.keys()]).toEqual(['team-a/s1']);
  });

  it('lists of one resource in different scopes, and of different resources, prune only their own keys', () => {
    const index = new KeyIndex();
    for (const ns of ['team-a', 'team-b']) {
      const list = index.beginSnapshot('AgenticSession', ns);
      list.add(`${ns}/s1`);
      list.end();
    }
    const ps = index.beginSnapshot('ProjectSettings', 'team-a');
    ps.add('ps:team-a');
    ps.end();
    const relist = index.beginSnapshot('AgenticSession', 'team-a');
    expect(relist.end()).toEqual(['team-a/s1']);
    expect([...index.keys()].sort()).toEqual(['ps:team-a', 'team-b/s1']);
  });
});
