// The CronJob's environment: the four upstream variables, plus our optional ones with upstream defaults.
import { describe, expect, it } from 'vitest';
import { parseSessionTriggerEnv } from '@ambient-operator/worker';

const base = {
  SESSION_TEMPLATE: '{"displayName":"Nightly","initialPrompt":"go"}',
  PROJECT_NAMESPACE: 'team-a',
  SCHEDULED_SESSION_NAME: 'nightly',
};

describe('parseSessionTriggerEnv', () => {
  it('reads the template and defaults to no reuse and the in-cluster backend in ambient-code', () => {
    expect(parseSessionTriggerEnv(base)).toEqual({
      template: { displayName: 'Nightly', initialPrompt: 'go' },
      namespace: 'team-a',
      scheduledSessionName: 'nightly',
      reuseLastSession: false,
      backendUrl: 'http://backend-service.ambient-code.svc.cluster.local:8080',
      tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      logLevel: 'info',
    });
  });

  it('REUSE_LAST_SESSION is true in any case with spaces; BACKEND_NAMESPACE and BACKEND_API_URL move the backend', () => {
    expect(parseSessionTriggerEnv({ ...base, REUSE_LAST_SESSION: ' TRUE ' }).reuseLastSession).toBe(true);
    expect(parseSessionTriggerEnv({ ...base, REUSE_LAST_SESSION: 'yes' }).reuseLastSession).toBe(false);
    expect(parseSessionTriggerEnv({ ...base, BACKEND_NAMESPACE: 'platform' }).backendUrl).toBe(
      'http://backend-service.platform.svc.cluster.local:8080',
    );
    expect(parseSessionTriggerEnv({ ...base, BACKEND_API_URL: 'http://127.0.0.1:9999/' }).backendUrl).toBe(
      'http://127.0.0.1:9999',
    );
  });

  it('missing variables are fatal, each named', () => {
    expect(() => parseSessionTriggerEnv({})).toThrow(
      /SESSION_TEMPLATE must be set[\s\S]*PROJECT_NAMESPACE must be set[\s\S]*SCHEDULED_SESSION_NAME must be set/,
    );
    expect(() => parseSessionTriggerEnv({ ...base, PROJECT_NAMESPACE: ' ' })).toThrow(
      /PROJECT_NAMESPACE must be set/,
    );
  });

  it('a template that is not a JSON object, or whose displayName is not a string, is fatal with the reason', () => {
    expect(() => parseSessionTriggerEnv({ ...base, SESSION_TEMPLATE: '{' })).toThrow(
      /SESSION_TEMPLATE is not JSON/,
    );
    expect(() => parseSessionTriggerEnv({ ...base, SESSION_TEMPLATE: '[]' })).toThrow(/SESSION_TEMPLATE/);
    expect(() => parseSessionTriggerEnv({ ...base, SESSION_TEMPLATE: '{"displayName":3}' })).toThrow(
      /SESSION_TEMPLATE\.displayName/,
    );
  });

  it('names that could not label a run are refused up front', () => {
    expect(() => parseSessionTriggerEnv({ ...base, SCHEDULED_SESSION_NAME: 'a b' })).toThrow(/label value/);
    expect(() => parseSessionTriggerEnv({ ...base, PROJECT_NAMESPACE: 'Team_A' })).toThrow(/DNS-1123/);
  });
});
