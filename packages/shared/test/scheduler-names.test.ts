import { describe, expect, it } from 'vitest';
import {
  AGENT_TASK_NAME_MAX_LENGTH,
  taskJobName,
  validateAgentTaskName,
  workflowTaskName,
} from '@ambient-operator/shared';

describe('names derived from AgentTask and Workflow names', () => {
  it('a step task is <workflow>-<N> while that fits', () => {
    expect(workflowTaskName('release', 0)).toBe('release-0');
    expect(workflowTaskName('a'.repeat(56), 9)).toBe(`${'a'.repeat(56)}-9`);
    expect(taskJobName('release-0')).toBe('release-0-task');
  });

  it('a long workflow name is cut and hashed: deterministic, distinct per workflow, valid', () => {
    const long = `${'x'.repeat(60)}.y`;
    const name = workflowTaskName(long, 12);
    expect(name).toBe(workflowTaskName(long, 12));
    expect(name).not.toBe(workflowTaskName(`${'x'.repeat(60)}.z`, 12));
    expect(name.length).toBeLessThanOrEqual(AGENT_TASK_NAME_MAX_LENGTH);
    expect(name).toMatch(/^x+-[0-9a-f]{8}-12$/);
    expect(validateAgentTaskName(name)).toEqual([]);
  });

  it('a task name whose Job name would not be a label value is a problem naming the Job', () => {
    expect(validateAgentTaskName('a'.repeat(58))).toEqual([]);
    expect(validateAgentTaskName('a'.repeat(59)).map((p) => p.kind)).toEqual(['Job']);
    expect(validateAgentTaskName('a'.repeat(70)).map((p) => p.kind)).toEqual(['AgentTask', 'Job']);
  });
});
