import type { V1EnvVar } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { describe, expect, test } from 'vitest';
import {
  appendMissingEnv,
  buildInitEnv,
  buildRunnerCredentialsSecret,
  buildRunnerEnv,
  buildStateSyncEnv,
  canonicalJson,
  decodeSecretData,
  formatTemperature,
  replaceOrAppendEnv,
  type RunnerBuildInput,
} from '../../src/children/index.js';
import {
  S3_ACCESS_KEY,
  S3_SECRET_KEY,
  VERTEX_ON,
  sampleConfig,
  sampleFacts,
  sampleInput,
  sampleSession,
} from '../fixtures/children-inputs.js';

const names = (env: readonly Wire<V1EnvVar>[]): string[] => env.map((e) => e.name);
const valueOf = (env: readonly Wire<V1EnvVar>[], name: string): string | undefined =>
  env.find((e) => e.name === name)?.value;
const entryOf = (env: readonly Wire<V1EnvVar>[], name: string): Wire<V1EnvVar> | undefined =>
  env.find((e) => e.name === name);

/** An input that switches on every optional group of the runner env. */
function fullInput(): RunnerBuildInput {
  const base = sampleSession();
  return sampleInput({
    session: {
      ...base,
      metadata: { ...base.metadata, annotations: { 'vteam.ambient-code/parent-session-id': 'parent-1' } },
    },
    config: sampleConfig({
      runner: { ...sampleConfig().runner, mcpConfigFile: '/config/mcp.json' },
    }),
    facts: sampleFacts({
      copiedSecrets: { vertex: false, langfuse: true, mlflow: true },
      projectMcpServers: { disabled: ['github'] },
      vertexModelId: 'claude-sonnet-4-6@20260101',
      isResume: true,
    }),
  });
}

describe('runner container env', () => {
  test('groups (1)…(10) in upstream order; map-sourced vars sorted by name', () => {
    expect(names(buildRunnerEnv(fullInput()))).toEqual([
      // (1)
      'DEBUG',
      'AGENTIC_SESSION_NAME',
      'AGENTIC_SESSION_NAMESPACE',
      'SESSION_ID',
      'PROJECT_NAME',
      'WORKSPACE_PATH',
      'ARTIFACTS_DIR',
      'AGUI_PORT',
      // (2)
      'AGUI_TOKEN',
      // (3)
      'GOOGLE_MCP_CREDENTIALS_DIR',
      'GOOGLE_OAUTH_CLIENT_ID',
      'GOOGLE_OAUTH_CLIENT_SECRET',
      'GOOGLE_OAUTH_REDIRECT_URI',
      // (4)
      'MCP_CONFIG_FILE',
      'CUSTOM_MCP_SERVERS',
      'PROJECT_MCP_SERVERS',
      'USER_ID',
      'USER_NAME',
      // (5)
      'INITIAL_PROMPT',
      'LLM_MODEL',
      'LLM_TEMPERATURE',
      'LLM_MAX_TOKENS',
      'USE_AGUI',
      'TIMEOUT',
      'BACKEND_API_URL',
      'LLM_MODEL_VERTEX_ID',
      // (6)
      'LANGFUSE_ENABLED',
      'LANGFUSE_HOST',
      'LANGFUSE_PUBLIC_KEY',
      'LANGFUSE_SECRET_KEY',
      'MLFLOW_TRACING_ENABLED',
      'MLFLOW_TRACKING_URI',
      'MLFLOW_TRACKING_AUTH',
      'MLFLOW_EXPERIMENT_NAME',
      'MLFLOW_WORKSPACE',
      'OBSERVABILITY_BACKENDS',
      // (7)
      'USE_VERTEX',
      'CLAUDE_CODE_USE_VERTEX',
      // (8)
      'PARENT_SESSION_ID',
      'IS_RESUME',
      'REPOS_JSON',
      'ACTIVE_WORKFLOW_GIT_URL',
      'ACTIVE_WORKFLOW_BRANCH',
      'ACTIVE_WORKFLOW_PATH',
      // (9) registry env of claude-agent-sdk, sorted
      'RUNNER_STATE_DIR',
      'RUNNER_TYPE',
      // (10) spec env, sorted
      'FEATURE_X',
      'LOG_LEVEL',
    ]);
  });

  test('values of the fixed groups', () => {
    const env = buildRunnerEnv(fullInput());
    expect(valueOf(env, 'AGUI_PORT')).toBe('8001');
    expect(valueOf(env, 'PROJECT_NAME')).toBe('team-a');
    expect(valueOf(env, 'SESSION_ID')).toBe('fix-login-bug');
    expect(valueOf(env, 'BACKEND_API_URL')).toBe(
      'http://backend-service.ambient-code.svc.cluster.local:8080/api',
    );
    expect(valueOf(env, 'GOOGLE_OAUTH_REDIRECT_URI')).toBe('https://ambient.example.com/oauth2callback');
    expect(valueOf(env, 'USER_ID')).toBe('u-1234');
    expect(valueOf(env, 'USER_NAME')).toBe('Ada Lovelace');
    expect(valueOf(env, 'LLM_MAX_TOKENS')).toBe('8000');
    expect(valueOf(env, 'TIMEOUT')).toBe('900');
    expect(valueOf(env, 'CUSTOM_MCP_SERVERS')).toBe(
      '{"custom":{"jira":{"type":"http","url":"https://jira.example/mcp"}},"disabled":["webfetch"]}',
    );
    expect(valueOf(env, 'PROJECT_MCP_SERVERS')).toBe('{"disabled":["github"]}');
    expect(valueOf(env, 'REPOS_JSON')).toBe(
      '[{"autoPush":false,"branch":"main","url":"https://github.com/acme/web.git"},' +
        '{"autoPush":true,"branch":"release-1.4","url":"https://github.com/acme/api.git"}]',
    );
    expect(entryOf(env, 'AGUI_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'ambient-runner-token-fix-login-bug',
      key: 'agui-token',
    });
    expect(entryOf(env, 'MLFLOW_TRACKING_AUTH')?.valueFrom?.secretKeyRef).toEqual({
      name: 'ambient-admin-mlflow-observability-secret',
      key: 'MLFLOW_TRACKING_AUTH',
      optional: true,
    });
  });

  test('optional groups are absent when their inputs are', () => {
    const base = sampleSession();
    const env = buildRunnerEnv(
      sampleInput({
        session: {
          ...base,
          spec: {
            ...base.spec,
            mcpServers: undefined,
            userContext: undefined,
            repos: [],
            activeWorkflow: {},
          },
        },
        config: sampleConfig({ runner: { ...sampleConfig().runner, backendPublicUrl: '' } }),
      }),
    );
    for (const name of [
      'GOOGLE_OAUTH_REDIRECT_URI',
      'MCP_CONFIG_FILE',
      'CUSTOM_MCP_SERVERS',
      'PROJECT_MCP_SERVERS',
      'USER_ID',
      'USER_NAME',
      'LLM_MODEL_VERTEX_ID',
      'LANGFUSE_ENABLED',
      'MLFLOW_TRACING_ENABLED',
      'PARENT_SESSION_ID',
      'IS_RESUME',
      'REPOS_JSON',
      'ACTIVE_WORKFLOW_GIT_URL',
    ]) {
      expect(names(env)).not.toContain(name);
    }
  });

  test('LLM_TEMPERATURE has two decimals, integral numbers included (fix §10.14)', () => {
    expect(formatTemperature(1)).toBe('1.00');
    expect(formatTemperature(0)).toBe('0.00');
    expect(formatTemperature(0.7)).toBe('0.70');
    expect(valueOf(buildRunnerEnv(sampleInput()), 'LLM_TEMPERATURE')).toBe('1.00');
  });

  test('absent llmSettings and timeout get the CRD defaults', () => {
    const base = sampleSession();
    const env = buildRunnerEnv(
      sampleInput({
        session: { ...base, spec: { ...base.spec, llmSettings: undefined, timeout: undefined } },
      }),
    );
    expect([
      valueOf(env, 'LLM_MODEL'),
      valueOf(env, 'LLM_TEMPERATURE'),
      valueOf(env, 'LLM_MAX_TOKENS'),
    ]).toEqual(['claude-sonnet-4-6', '0.70', '4000']);
    expect(valueOf(env, 'TIMEOUT')).toBe('300');
  });

  test('Vertex on: the Vertex group with 1s; off: both flags 0', () => {
    const on = buildRunnerEnv(sampleInput({ config: sampleConfig({ vertex: VERTEX_ON }) }));
    const group = on.slice(on.findIndex((e) => e.name === 'USE_VERTEX')).slice(0, 7);
    expect(group).toEqual([
      { name: 'USE_VERTEX', value: '1' },
      { name: 'CLAUDE_CODE_USE_VERTEX', value: '1' },
      { name: 'CLOUD_ML_REGION', value: 'us-east5' },
      { name: 'ANTHROPIC_VERTEX_PROJECT_ID', value: 'acme-vertex' },
      { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/app/vertex/ambient-code-key.json' },
      { name: 'GCE_METADATA_HOST', value: 'metadata.invalid' },
      { name: 'GCE_METADATA_TIMEOUT', value: '1' },
    ]);
    const off = buildRunnerEnv(sampleInput());
    expect([valueOf(off, 'USE_VERTEX'), valueOf(off, 'CLAUDE_CODE_USE_VERTEX')]).toEqual(['0', '0']);
    expect(names(off)).not.toContain('CLOUD_ML_REGION');
  });

  test('IS_RESUME only when resuming and the prompt is not forced', () => {
    const resumed = (annotations: Record<string, string>): boolean => {
      const base = sampleSession();
      const env = buildRunnerEnv(
        sampleInput({
          session: { ...base, metadata: { ...base.metadata, annotations } },
          facts: sampleFacts({ isResume: true }),
        }),
      );
      return valueOf(env, 'IS_RESUME') === 'true';
    };
    expect(resumed({})).toBe(true);
    expect(resumed({ 'ambient-code.io/force-execute-prompt': 'true' })).toBe(false);
    expect(names(buildRunnerEnv(sampleInput({ facts: sampleFacts({ isResume: false }) })))).not.toContain(
      'IS_RESUME',
    );
  });

  test('PARENT_SESSION_ID from the annotation, else from the spec env', () => {
    const base = sampleSession();
    const fromEnv = buildRunnerEnv(
      sampleInput({
        session: { ...base, spec: { ...base.spec, environmentVariables: { PARENT_SESSION_ID: 'p-env' } } },
      }),
    );
    const occurrences = fromEnv.filter((e) => e.name === 'PARENT_SESSION_ID');
    expect(occurrences).toEqual([{ name: 'PARENT_SESSION_ID', value: 'p-env' }]);
    expect(valueOf(buildRunnerEnv(fullInput()), 'PARENT_SESSION_ID')).toBe('parent-1');
  });
});

describe('precedence: registry env and spec env in the runner', () => {
  function withEnv(
    specEnv: Record<string, string>,
    registryEnv: Record<string, string> = {},
  ): Wire<V1EnvVar>[] {
    const base = sampleSession();
    const input = sampleInput({
      session: { ...base, spec: { ...base.spec, environmentVariables: specEnv } },
    });
    return buildRunnerEnv({ ...input, runtime: { ...input.runtime, env: registryEnv } });
  }

  test('registry env never overrides, and only appends new names', () => {
    const env = withEnv({}, { DEBUG: 'false', EXTRA: 'x' });
    expect(valueOf(env, 'DEBUG')).toBe('true');
    expect(env.filter((e) => e.name === 'DEBUG')).toHaveLength(1);
    expect(names(env).at(-1)).toBe('EXTRA');
  });

  test('spec env replaces plain values in place and overrides registry env', () => {
    const env = withEnv({ LLM_MODEL: 'claude-opus-4-6', EXTRA: 'from-spec' }, { EXTRA: 'from-registry' });
    expect(valueOf(env, 'LLM_MODEL')).toBe('claude-opus-4-6');
    expect(names(env).indexOf('LLM_MODEL')).toBe(names(withEnv({})).indexOf('LLM_MODEL'));
    expect(env.filter((e) => e.name === 'EXTRA')).toEqual([{ name: 'EXTRA', value: 'from-spec' }]);
  });

  test('spec env cannot replace secret references nor the Vertex flags', () => {
    const env = withEnv({
      AGUI_TOKEN: 'guess',
      USE_VERTEX: '1',
      CLAUDE_CODE_USE_VERTEX: '1',
      LANGFUSE_HOST: 'x',
    });
    expect(entryOf(env, 'AGUI_TOKEN')?.valueFrom?.secretKeyRef?.key).toBe('agui-token');
    expect(entryOf(env, 'AGUI_TOKEN')?.value).toBeUndefined();
    expect([valueOf(env, 'USE_VERTEX'), valueOf(env, 'CLAUDE_CODE_USE_VERTEX')]).toEqual(['0', '0']);
  });

  test('GOOGLE_OAUTH_CLIENT_SECRET stays overridable, as when upstream passed it as a plain value', () => {
    expect(entryOf(withEnv({ GOOGLE_OAUTH_CLIENT_SECRET: 'mine' }), 'GOOGLE_OAUTH_CLIENT_SECRET')).toEqual({
      name: 'GOOGLE_OAUTH_CLIENT_SECRET',
      value: 'mine',
    });
  });

  test('the order does not depend on the insertion order of the spec map', () => {
    const a = withEnv({ ZED: '1', ALPHA: '2', MIDDLE: '3' });
    const b = withEnv({ MIDDLE: '3', ZED: '1', ALPHA: '2' });
    expect(a).toEqual(b);
    expect(names(a).slice(-3)).toEqual(['ALPHA', 'MIDDLE', 'ZED']);
  });
});

describe('replaceOrAppendEnv (upstream replaceOrAppendEnvVars tests)', () => {
  const base: Wire<V1EnvVar>[] = [
    { name: 'PLAIN', value: 'old' },
    { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    { name: 'USE_VERTEX', value: '0' },
    { name: 'CLAUDE_CODE_USE_VERTEX', value: '0' },
  ];

  test('keeps valueFrom entries, replaces plain values, appends new names, protects the Vertex flags', () => {
    const result = replaceOrAppendEnv(base, [
      { name: 'PLAIN', value: 'new' },
      { name: 'FROM_SECRET', value: 'override' },
      { name: 'NEW', value: 'added' },
      { name: 'USE_VERTEX', value: '1' },
      { name: 'CLAUDE_CODE_USE_VERTEX', value: '1' },
    ]);
    expect(result).toEqual([
      { name: 'PLAIN', value: 'new' },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      { name: 'USE_VERTEX', value: '0' },
      { name: 'CLAUDE_CODE_USE_VERTEX', value: '0' },
      { name: 'NEW', value: 'added' },
    ]);
  });

  test('does not mutate its inputs', () => {
    const snapshot = structuredClone(base);
    replaceOrAppendEnv(base, [{ name: 'PLAIN', value: 'new' }]);
    expect(base).toEqual(snapshot);
  });

  test('appendMissingEnv adds only names not present, first one wins', () => {
    expect(
      appendMissingEnv(
        [{ name: 'A', value: '1' }],
        [
          { name: 'A', value: '2' },
          { name: 'B', value: '3' },
          { name: 'B', value: '4' },
        ],
      ),
    ).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
    ]);
  });
});

describe('init-hydrate and state-sync env', () => {
  test('init-hydrate: fixed vars in order, then spec env only where free, no registry env', () => {
    const base = sampleSession();
    const input = sampleInput({
      session: {
        ...base,
        spec: { ...base.spec, environmentVariables: { S3_BUCKET: 'mine', ZZ: '1', AA: '2' } },
      },
    });
    const env = buildInitEnv(input);
    expect(names(env)).toEqual([
      'SESSION_NAME',
      'NAMESPACE',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'BACKEND_API_URL',
      'PROJECT_NAME',
      'REPOS_JSON',
      'ACTIVE_WORKFLOW_GIT_URL',
      'ACTIVE_WORKFLOW_BRANCH',
      'ACTIVE_WORKFLOW_PATH',
      'BOT_TOKEN',
      'AA',
      'ZZ',
    ]);
    expect(valueOf(env, 'S3_BUCKET')).toBe('ambient-sessions');
    expect(entryOf(env, 'BOT_TOKEN')?.valueFrom?.secretKeyRef).toEqual({
      name: 'ambient-runner-token-fix-login-bug',
      key: 'k8s-token',
    });
  });

  test('state-sync: fixed vars, then registry env, then spec env, never overriding', () => {
    const base = sampleSession();
    const input = sampleInput({
      session: {
        ...base,
        spec: {
          ...base.spec,
          environmentVariables: { SYNC_INTERVAL: '1', RUNNER_STATE_DIR: '.mine', B: 'b' },
        },
      },
    });
    const env = buildStateSyncEnv(input);
    expect(names(env)).toEqual([
      'SESSION_NAME',
      'NAMESPACE',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'SYNC_INTERVAL',
      'MAX_SYNC_SIZE',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'RUNNER_STATE_DIR',
      'RUNNER_TYPE',
      'B',
    ]);
    expect(valueOf(env, 'SYNC_INTERVAL')).toBe('60');
    expect(valueOf(env, 'MAX_SYNC_SIZE')).toBe('1073741824');
    expect(valueOf(env, 'RUNNER_STATE_DIR')).toBe('.claude');
  });
});

describe('secrets hygiene (fix §10.13)', () => {
  test('S3 keys and the OAuth client secret are secretKeyRefs into ambient-runner-creds-<n>', () => {
    const input = sampleInput();
    for (const env of [buildInitEnv(input), buildStateSyncEnv(input), buildRunnerEnv(input)]) {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'GOOGLE_OAUTH_CLIENT_SECRET']) {
        const entry = entryOf(env, name);
        if (!entry) continue;
        expect(entry.value).toBeUndefined();
        expect(entry.valueFrom?.secretKeyRef).toEqual({
          name: 'ambient-runner-creds-fix-login-bug',
          key: name,
        });
      }
      const text = JSON.stringify(env);
      for (const secret of [S3_ACCESS_KEY, S3_SECRET_KEY, 'GOCSPX-oauth-secret-value']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  test('the credentials Secret holds the values the env refers to', () => {
    const input = sampleInput();
    const secret = buildRunnerCredentialsSecret({
      session: input.session,
      s3: input.facts.s3,
      googleOAuthClientSecret: input.config.runner.googleOAuthClientSecret,
    });
    expect(secret.metadata?.name).toBe('ambient-runner-creds-fix-login-bug');
    expect(secret.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        name: 'fix-login-bug',
        uid: '6f1c2d7e-0b7a-4c55-9a43-2f7f1c0e9b11',
        controller: true,
      },
    ]);
    expect(decodeSecretData(secret.data)).toEqual({
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
      GOOGLE_OAUTH_CLIENT_SECRET: 'GOCSPX-oauth-secret-value',
    });
  });

  test('unconfigured S3 stores empty values, as upstream passed empty strings', () => {
    const input = sampleInput();
    const secret = buildRunnerCredentialsSecret({
      session: input.session,
      s3: { configured: false, endpoint: '', bucket: '', accessKey: '', secretKey: '', reason: 'x' },
      googleOAuthClientSecret: '',
    });
    expect(Object.values(decodeSecretData(secret.data))).toEqual(['', '', '']);
  });
});

test('canonicalJson sorts keys at every level and keeps array order', () => {
  expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
    '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
  );
});
