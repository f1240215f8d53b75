/**
 * The key proof that our zod schemas ARE the CRDs: every document of a corpus is validated by
 * (a) the zod schema (through validateAgenticSession / validateProjectSettings) and
 * (b) ajv compiled from the CRD's own openAPIV3Schema (test/support/crd-ajv.ts),
 * and both must agree on valid/invalid, on the set of offending field paths and, for valid documents,
 * on the result of applying the CRD defaults. Each case also states the expected paths explicitly.
 *
 * Corpus: the upstream example resources (test/fixtures/upstream/*__L*.yaml, byte-for-byte copies)
 * plus hand-written valid and invalid documents covering every enum, minimum, required field, type,
 * nested default, unknown field, bad name and the CEL rule.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatFieldPath, validateAgenticSession, validateProjectSettings } from '@ambient-operator/shared';
import { ajvErrorPaths, compileCrd, readCrd } from './support/crd-ajv.js';

const fixtures = new URL('./fixtures/upstream/', import.meta.url);
const deployCrds = new URL('../../../deploy/crds/', import.meta.url);

const upstreamSessionCrd = readCrd(
  new URL('components__manifests__base__crds__agenticsessions-crd.yaml', fixtures),
);
const upstreamSettingsCrd = readCrd(
  new URL('components__manifests__base__crds__projectsettings-crd.yaml', fixtures),
);
const ourSessionCrd = readCrd(new URL('agenticsessions-crd.yaml', deployCrds));
const ourSettingsCrd = readCrd(new URL('projectsettings-crd.yaml', deployCrds));

const ajvValidators = {
  AgenticSession: { upstream: compileCrd(upstreamSessionCrd), ours: compileCrd(ourSessionCrd) },
  ProjectSettings: { upstream: compileCrd(upstreamSettingsCrd), ours: compileCrd(ourSettingsCrd) },
};
const zodValidators = { AgenticSession: validateAgenticSession, ProjectSettings: validateProjectSettings };

type Kind = keyof typeof zodValidators;
type Verdict = { valid: true; value: unknown } | { valid: false; paths: string[] };

function byZod(kind: Kind, doc: unknown): Verdict {
  const result = zodValidators[kind](doc);
  if (result.ok) return { valid: true, value: result.value };
  return { valid: false, paths: [...new Set(result.issues.map((i) => i.path))].sort() };
}

function byAjv(kind: Kind, crd: 'upstream' | 'ours', doc: unknown): Verdict {
  const validate = ajvValidators[kind][crd];
  const copy: unknown = structuredClone(doc); // useDefaults writes into the document
  if (validate(copy)) return { valid: true, value: copy };
  const paths = ajvErrorPaths(validate.errors ?? [], copy).map((p) => formatFieldPath(p));
  return { valid: false, paths: [...new Set(paths)].sort() };
}

/**
 * Check one document: both validators agree, and the outcome is the expected one.
 * `crd: 'upstream'` documents must also pass/fail identically against our (superset) CRD.
 */
function checkAgreement(
  kind: Kind,
  doc: unknown,
  expected: 'valid' | string[],
  crd: 'upstream' | 'ours',
): unknown {
  const zod = byZod(kind, doc);
  const ajv = byAjv(kind, crd, doc);
  expect(zod).toEqual(ajv);
  if (crd === 'upstream') expect(byAjv(kind, 'ours', doc)).toEqual(ajv);
  if (expected === 'valid') {
    expect(zod.valid ? 'valid' : zod.paths).toBe('valid');
    return zod.valid ? zod.value : undefined;
  }
  expect(zod.valid ? 'valid' : zod.paths).toEqual([...expected].sort());
  return undefined;
}

// --- the upstream examples -------------------------------------------------------------------------

/**
 * The crc-test.sh heredocs are shell templates. We substitute plausible values of the script's
 * variables (a timestamped test session in the script's test project) before validating.
 */
const SHELL_VARS: Record<string, string> = {
  test_session: 'test-session-1763700000',
  PROJECT_NAME: 'vteam-test',
};

const UPSTREAM_EXPECTATIONS: Record<string, Record<string, 'valid' | string[]>> = {
  'components__scripts__local-dev__crc-test.sh__L242-L253.yaml': { AgenticSession: ['spec.prompt'] },
  'components__scripts__local-dev__crc-test.sh__L270-L281.yaml': { AgenticSession: ['spec.prompt'] },
  'docs__internal__adr__0003-multi-repo-support.md__L74-L102.yaml': {
    AgenticSession: [
      'spec.prompt',
      'spec.repos[0].input',
      'spec.repos[0].output',
      'spec.repos[0].url',
      'spec.repos[1].input',
      'spec.repos[1].output',
      'spec.repos[1].url',
      'spec.mainRepoIndex',
      'spec.interactive',
    ],
  },
  'docs__internal__deployment__git-authentication.md__L33-L39.yaml': {
    ProjectSettings: ['apiVersion', 'metadata.name', 'spec.runnerSecret', 'spec.groupAccess'],
  },
  'docs__internal__design__declarative-session-reconciliation.md__L28-L99.yaml': {
    AgenticSession: ['spec.interactive'],
  },
  'docs__internal__design__spec-runtime-synchronization.md__L22-L44.yaml': {
    AgenticSession: ['spec.prompt', 'spec.repos[0]', 'status.conditions[0]'],
  },
  'docs__internal__integrations__gitlab-integration.md__L112-L121.yaml': {
    ProjectSettings: ['apiVersion', 'spec.groupAccess'],
  },
  'docs__internal__integrations__gitlab-integration.md__L142-L151.yaml': {
    AgenticSession: ['apiVersion', 'spec.description', 'spec.outputRepo'],
  },
  'docs__internal__integrations__gitlab-testing-procedures.md__L209-L218.yaml': {
    AgenticSession: ['apiVersion', 'metadata.namespace', 'spec.description', 'spec.outputRepo'],
  },
  'docs__internal__reference__index.md__L44-L59.yaml': {
    AgenticSession: [
      'spec.prompt',
      'spec.repos[0].input',
      'spec.repos[0].output',
      'spec.repos[0].url',
      'spec.interactive',
      'spec.model',
    ],
  },
  // The first document of this block is a Secret (not ours); the ProjectSettings one is valid.
  'docs__internal__reference__index.md__L79-L99.yaml': { ProjectSettings: 'valid' },
};

describe('upstream example resources', () => {
  const files = readdirSync(fixtures).filter((f) => /__L\d+-L\d+\.yaml$/.test(f));

  test('every extracted example is in the corpus', () => {
    expect(files.sort()).toEqual(Object.keys(UPSTREAM_EXPECTATIONS).sort());
  });

  test.each(files)('%s', (file) => {
    const text = readFileSync(new URL(file, fixtures), 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const value = SHELL_VARS[name];
      if (value === undefined) throw new Error(`no substitute for \${${name}}`);
      return value;
    });
    const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind?: string });
    const expectations = UPSTREAM_EXPECTATIONS[file]!;
    const ours = docs.filter(
      (d): d is { kind: Kind } => d.kind === 'AgenticSession' || d.kind === 'ProjectSettings',
    );
    expect(ours.map((d) => d.kind)).toEqual(Object.keys(expectations));
    for (const doc of ours) checkAgreement(doc.kind, doc, expectations[doc.kind]!, 'upstream');
  });

  test('stale examples are rejected naming the offending field', () => {
    const text = readFileSync(
      new URL('docs__internal__deployment__git-authentication.md__L33-L39.yaml', fixtures),
      'utf8',
    );
    const result = validateProjectSettings(parseAllDocuments(text)[0]!.toJS());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toContainEqual({
      path: 'apiVersion',
      message: 'expected "vteam.ambient-code/v1alpha1"',
    });
    expect(result.issues).toContainEqual({
      path: 'metadata.name',
      message: "metadata.name must be 'projectsettings' (singleton per namespace)",
    });
    expect(result.issues).toContainEqual({
      path: 'spec.runnerSecret',
      message: 'unknown field "runnerSecret"',
    });
    expect(result.issues).toContainEqual({ path: 'spec.groupAccess', message: 'required field is missing' });
  });
});

// --- hand-written corpus ---------------------------------------------------------------------------

const AS = { apiVersion: 'vteam.ambient-code/v1alpha1', kind: 'AgenticSession' } as const;
const PS = { apiVersion: 'vteam.ambient-code/v1alpha1', kind: 'ProjectSettings' } as const;
const meta = { name: 'session-1', namespace: 'demo' };
const psMeta = { name: 'projectsettings', namespace: 'demo' };
const T = '2025-11-15T12:00:00Z';

const session = (extra: Record<string, unknown>) => ({ ...AS, metadata: meta, ...extra });
const settings = (extra: Record<string, unknown>) => ({ ...PS, metadata: psMeta, ...extra });
const history = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ from: 'Pending', to: 'Creating', at: T, reason: `r${i}` }));

interface Case {
  name: string;
  kind: Kind;
  doc: unknown;
  expected: 'valid' | string[];
  /** Which CRD ajv uses; 'ours' for documents using our additive status fields. */
  crd?: 'upstream' | 'ours';
  /** For valid documents: the expected result after CRD defaulting (when it differs from the input). */
  defaulted?: unknown;
}

const CASES: Case[] = [
  // valid AgenticSessions and nested defaults
  {
    name: 'minimal session (no spec: nothing to default)',
    kind: 'AgenticSession',
    doc: session({}),
    expected: 'valid',
  },
  {
    name: 'empty spec gets timeout 300',
    kind: 'AgenticSession',
    doc: session({ spec: {} }),
    expected: 'valid',
    defaulted: session({ spec: { timeout: 300 } }),
  },
  {
    name: 'repo defaults: branch main, autoPush false',
    kind: 'AgenticSession',
    doc: session({
      spec: { repos: [{ url: 'https://github.com/o/r' }, { url: 'u2', branch: 'dev', autoPush: true }] },
    }),
    expected: 'valid',
    defaulted: session({
      spec: {
        timeout: 300,
        repos: [
          { url: 'https://github.com/o/r', branch: 'main', autoPush: false },
          { url: 'u2', branch: 'dev', autoPush: true },
        ],
      },
    }),
  },
  {
    name: 'llmSettings defaults apply only when llmSettings is present',
    kind: 'AgenticSession',
    doc: session({ spec: { llmSettings: {}, timeout: 60 } }),
    expected: 'valid',
    defaulted: session({
      spec: { timeout: 60, llmSettings: { model: 'claude-sonnet-4-6', temperature: 0.7, maxTokens: 4000 } },
    }),
  },
  {
    name: 'activeWorkflow branch defaults to main',
    kind: 'AgenticSession',
    doc: session({ spec: { activeWorkflow: { gitUrl: 'https://github.com/o/wf' } } }),
    expected: 'valid',
    defaulted: session({
      spec: { timeout: 300, activeWorkflow: { gitUrl: 'https://github.com/o/wf', branch: 'main' } },
    }),
  },
  {
    name: 'every spec field',
    kind: 'AgenticSession',
    doc: session({
      spec: {
        repos: [{ url: 'https://github.com/o/r', branch: 'main', autoPush: false }],
        initialPrompt: 'Build a web app',
        displayName: 'Demo',
        userContext: { userId: 'u-1', displayName: 'Ada', groups: ['devs'] },
        llmSettings: { model: 'claude-opus', temperature: 1, maxTokens: 8000 },
        timeout: 3600,
        inactivityTimeout: 0,
        stopOnRunFinished: true,
        environmentVariables: { RUNNER_TYPE: 'claude-agent-sdk', 'MY-VAR': '' },
        mcpServers: {
          custom: { jira: { type: 'http', url: 'https://x', headers: { a: 1 }, args: [1, 'b'] } },
          disabled: ['github'],
        },
        activeWorkflow: { gitUrl: 'https://github.com/o/wf', branch: 'v2', path: 'flows/a' },
      },
    }),
    expected: 'valid',
  },
  {
    name: 'empty status gets phase Pending',
    kind: 'AgenticSession',
    doc: session({ status: {} }),
    expected: 'valid',
    defaulted: session({ status: { phase: 'Pending' } }),
  },
  {
    name: 'every upstream status field, offsets and fractions in date-times',
    kind: 'AgenticSession',
    doc: session({
      status: {
        observedGeneration: 3,
        phase: 'Running',
        startTime: '2025-11-15T12:00:00.123456+02:00',
        completionTime: '2025-11-15T13:00:00-05:30',
        lastActivityTime: T,
        stoppedReason: 'inactivity',
        sdkSessionId: 'abc',
        sdkRestartCount: -1, // no minimum in the CRD
        reconciledRepos: [
          {
            url: 'u',
            branch: 'main',
            branches: ['main', 'dev'],
            currentActiveBranch: 'dev',
            defaultBranch: 'main',
            name: 'r',
            status: 'Ready',
            clonedAt: T,
          },
        ],
        reconciledWorkflow: { gitUrl: 'g', branch: 'main', path: 'p', status: 'Active', appliedAt: T },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'Running',
            message: 'ok',
            lastTransitionTime: T,
            observedGeneration: 3,
          },
          { type: 'PodCreated', status: 'Unknown' },
        ],
      },
    }),
    expected: 'valid',
  },
  {
    name: 'full metadata as the API server returns it',
    kind: 'AgenticSession',
    doc: {
      ...AS,
      metadata: {
        name: 'session-3f2504e0.v2',
        namespace: 'demo',
        uid: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
        resourceVersion: '12345',
        generation: 2,
        creationTimestamp: T,
        labels: { app: 'x', 'ambient-code.io/scheduled-run': 'true', empty: '' },
        annotations: {
          'ambient-code.io/desired-phase': 'Running',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
        },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'demo', uid: 'u', controller: true }],
        finalizers: ['example.com/cleanup'],
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            apiVersion: 'v1',
            time: T,
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': {} },
          },
        ],
      },
    },
    expected: 'valid',
  },
  {
    name: 'our additive status fields (valid against our CRD)',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({
      status: {
        phase: 'Running',
        runnerRecreations: 0,
        lastRunnerRecreationTime: T,
        phaseTransitionTime: T,
        phaseHistory: history(20),
      },
    }),
    expected: 'valid',
  },
  {
    name: 'phaseHistory entries need only to and at',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({ status: { phaseHistory: [{ to: 'Pending', at: T }] } }),
    expected: 'valid',
    defaulted: session({ status: { phase: 'Pending', phaseHistory: [{ to: 'Pending', at: T }] } }),
  },

  // enums
  {
    name: 'unknown phase',
    kind: 'AgenticSession',
    doc: session({ status: { phase: 'Paused' } }),
    expected: ['status.phase'],
  },
  {
    name: 'unknown stoppedReason',
    kind: 'AgenticSession',
    doc: session({ status: { stoppedReason: 'crash' } }),
    expected: ['status.stoppedReason'],
  },
  {
    name: 'unknown condition status',
    kind: 'AgenticSession',
    doc: session({ status: { conditions: [{ type: 'Ready', status: 'Maybe' }] } }),
    expected: ['status.conditions[0].status'],
  },
  {
    name: 'unknown reconciledRepos status',
    kind: 'AgenticSession',
    doc: session({ status: { reconciledRepos: [{ url: 'u', status: 'Done' }] } }),
    expected: ['status.reconciledRepos[0].status'],
  },
  {
    name: 'unknown reconciledWorkflow status',
    kind: 'AgenticSession',
    doc: session({ status: { reconciledWorkflow: { status: 'Ready' } } }),
    expected: ['status.reconciledWorkflow.status'],
  },
  // minimums
  {
    name: 'negative inactivityTimeout',
    kind: 'AgenticSession',
    doc: session({ spec: { inactivityTimeout: -1 } }),
    expected: ['spec.inactivityTimeout'],
  },
  {
    name: 'negative runnerRecreations',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({ status: { runnerRecreations: -1 } }),
    expected: ['status.runnerRecreations'],
  },
  // required
  {
    name: 'repo without url',
    kind: 'AgenticSession',
    doc: session({ spec: { repos: [{ branch: 'main' }] } }),
    expected: ['spec.repos[0].url'],
  },
  {
    name: 'condition without type and status',
    kind: 'AgenticSession',
    doc: session({ status: { conditions: [{ reason: 'x' }] } }),
    expected: ['status.conditions[0].type', 'status.conditions[0].status'],
  },
  {
    name: 'phaseHistory entry without to and at',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({ status: { phaseHistory: [{ from: 'Pending' }] } }),
    expected: ['status.phaseHistory[0].to', 'status.phaseHistory[0].at'],
  },
  {
    name: 'phaseHistory longer than 20',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({ status: { phaseHistory: history(21) } }),
    expected: ['status.phaseHistory'],
  },
  {
    name: 'phaseHistory too long and with a bad entry: both reported',
    kind: 'AgenticSession',
    crd: 'ours',
    doc: session({ status: { phaseHistory: [...history(20), { to: 'Running', at: 'now' }] } }),
    expected: ['status.phaseHistory', 'status.phaseHistory[20].at'],
  },
  // types
  {
    name: 'timeout as a string',
    kind: 'AgenticSession',
    doc: session({ spec: { timeout: '300' } }),
    expected: ['spec.timeout'],
  },
  {
    name: 'fractional maxTokens',
    kind: 'AgenticSession',
    doc: session({ spec: { llmSettings: { maxTokens: 1.5 } } }),
    expected: ['spec.llmSettings.maxTokens'],
  },
  {
    name: 'temperature as a word',
    kind: 'AgenticSession',
    doc: session({ spec: { llmSettings: { temperature: 'hot' } } }),
    expected: ['spec.llmSettings.temperature'],
  },
  {
    name: 'repos as an object',
    kind: 'AgenticSession',
    doc: session({ spec: { repos: { url: 'u' } } }),
    expected: ['spec.repos'],
  },
  {
    name: 'autoPush as a word',
    kind: 'AgenticSession',
    doc: session({ spec: { repos: [{ url: 'u', autoPush: 'yes' }] } }),
    expected: ['spec.repos[0].autoPush'],
  },
  {
    name: 'non-string environment variable',
    kind: 'AgenticSession',
    doc: session({ spec: { environmentVariables: { FOO: 1, BAR: 'ok' } } }),
    expected: ['spec.environmentVariables.FOO'],
  },
  {
    name: 'MCP server config must be an object',
    kind: 'AgenticSession',
    doc: session({ spec: { mcpServers: { custom: { jira: ['x'] } } } }),
    expected: ['spec.mcpServers.custom.jira'],
  },
  {
    name: 'non-string disabled MCP server',
    kind: 'AgenticSession',
    doc: session({ spec: { mcpServers: { disabled: [1] } } }),
    expected: ['spec.mcpServers.disabled[0]'],
  },
  {
    name: 'groups as a string',
    kind: 'AgenticSession',
    doc: session({ spec: { userContext: { groups: 'admins' } } }),
    expected: ['spec.userContext.groups'],
  },
  { name: 'spec is null', kind: 'AgenticSession', doc: session({ spec: null }), expected: ['spec'] },
  {
    name: 'observedGeneration as a string',
    kind: 'AgenticSession',
    doc: session({ status: { observedGeneration: '5' } }),
    expected: ['status.observedGeneration'],
  },
  // formats
  {
    name: 'startTime is not a date-time',
    kind: 'AgenticSession',
    doc: session({ status: { startTime: 'yesterday' } }),
    expected: ['status.startTime'],
  },
  {
    name: 'completionTime without a zone',
    kind: 'AgenticSession',
    doc: session({ status: { completionTime: '2025-11-15T12:00:00' } }),
    expected: ['status.completionTime'],
  },
  {
    name: 'impossible date',
    kind: 'AgenticSession',
    doc: session({ status: { lastActivityTime: '2025-02-30T12:00:00Z' } }),
    expected: ['status.lastActivityTime'],
  },
  // unknown fields
  { name: 'unknown top-level field', kind: 'AgenticSession', doc: session({ foo: 1 }), expected: ['foo'] },
  {
    name: 'unknown spec field',
    kind: 'AgenticSession',
    doc: session({ spec: { model: 'x' } }),
    expected: ['spec.model'],
  },
  {
    name: 'unknown status field',
    kind: 'AgenticSession',
    doc: session({ status: { podName: 'x' } }),
    expected: ['status.podName'],
  },
  {
    name: 'unknown nested field',
    kind: 'AgenticSession',
    doc: session({ spec: { llmSettings: { topP: 0.9 } } }),
    expected: ['spec.llmSettings.topP'],
  },
  {
    name: 'additive fields are unknown to the upstream CRD',
    kind: 'AgenticSession',
    doc: session({ status: { mystery: 1 } }),
    expected: ['status.mystery'],
  },
  // names and metadata
  {
    name: 'bad name',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 'My_Session' } },
    expected: ['metadata.name'],
  },
  {
    name: 'name longer than 253',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 'a'.repeat(254) } },
    expected: ['metadata.name'],
  },
  {
    name: 'bad namespace',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 's', namespace: 'Demo' } },
    expected: ['metadata.namespace'],
  },
  {
    name: 'no name',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { namespace: 'demo' } },
    expected: ['metadata.name'],
  },
  {
    name: 'no metadata, apiVersion or kind',
    kind: 'AgenticSession',
    doc: { spec: {} },
    expected: ['apiVersion', 'kind', 'metadata'],
  },
  {
    name: 'unknown metadata field',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 's', label: {} } },
    expected: ['metadata.label'],
  },
  {
    name: 'apiVersion of an unserved version',
    kind: 'AgenticSession',
    doc: session({ apiVersion: 'vteam.ambient-code/v1' }),
    expected: ['apiVersion'],
  },
  { name: 'wrong kind', kind: 'AgenticSession', doc: session({ kind: 'Session' }), expected: ['kind'] },
  {
    name: 'label value too long',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 's', labels: { app: 'a'.repeat(64) } } },
    expected: ['metadata.labels.app'],
  },
  {
    name: 'bad label and annotation keys',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 's', labels: { 'bad key': 'x' }, annotations: { 'Bad_Prefix/x': 'y' } } },
    expected: ['metadata.labels["bad key"]', 'metadata.annotations["Bad_Prefix/x"]'],
  },
  {
    name: 'ownerReference without uid',
    kind: 'AgenticSession',
    doc: { ...AS, metadata: { name: 's', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p' }] } },
    expected: ['metadata.ownerReferences[0].uid'],
  },
  { name: 'not an object', kind: 'AgenticSession', doc: ['x'], expected: ['(root)'] },

  // ProjectSettings
  {
    name: 'minimal settings get inactivityTimeoutSeconds 86400',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [] } }),
    expected: 'valid',
    defaulted: settings({ spec: { groupAccess: [], inactivityTimeoutSeconds: 86400 } }),
  },
  { name: 'settings without spec', kind: 'ProjectSettings', doc: settings({}), expected: 'valid' },
  {
    name: 'every settings field',
    kind: 'ProjectSettings',
    doc: settings({
      spec: {
        groupAccess: [
          { groupName: 'devs', role: 'edit' },
          { groupName: 'ops', role: 'admin' },
          { groupName: 'all', role: 'view' },
        ],
        runnerSecretsName: 'ambient-runner-secrets',
        repositories: [
          { url: 'https://gitlab.com/a/b.git', branch: 'main', provider: 'gitlab' },
          { url: 'u' },
        ],
        inactivityTimeoutSeconds: 0,
        mcpServers: { custom: { x: { command: 'run' } }, disabled: ['y'] },
      },
      status: { groupBindingsCreated: 0, scheduledSessionRBACReady: true, limitRangeReady: false },
    }),
    expected: 'valid',
  },
  {
    name: 'CEL: name must be projectsettings',
    kind: 'ProjectSettings',
    doc: { ...PS, metadata: { name: 'my-project' } },
    expected: ['metadata.name'],
  },
  {
    name: 'CEL and DNS rule on the same name',
    kind: 'ProjectSettings',
    doc: { ...PS, metadata: { name: 'Project_Settings' }, spec: { groupAccess: [] } },
    expected: ['metadata.name'],
  },
  {
    name: 'CEL is reported together with other errors',
    kind: 'ProjectSettings',
    doc: { ...PS, metadata: { name: 'x' }, spec: { groupAccess: [{ groupName: 'g', role: 'owner' }] } },
    expected: ['metadata.name', 'spec.groupAccess[0].role'],
  },
  {
    name: 'spec without groupAccess',
    kind: 'ProjectSettings',
    doc: settings({ spec: {} }),
    expected: ['spec.groupAccess'],
  },
  {
    name: 'unknown role',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [{ groupName: 'g', role: 'owner' }] } }),
    expected: ['spec.groupAccess[0].role'],
  },
  {
    name: 'groupAccess entry without groupName',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [{ role: 'view' }] } }),
    expected: ['spec.groupAccess[0].groupName'],
  },
  {
    name: 'unknown provider and missing url',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [], repositories: [{ provider: 'bitbucket' }] } }),
    expected: ['spec.repositories[0].provider', 'spec.repositories[0].url'],
  },
  {
    name: 'negative inactivityTimeoutSeconds',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [], inactivityTimeoutSeconds: -5 } }),
    expected: ['spec.inactivityTimeoutSeconds'],
  },
  {
    name: 'negative groupBindingsCreated',
    kind: 'ProjectSettings',
    doc: settings({ status: { groupBindingsCreated: -1 } }),
    expected: ['status.groupBindingsCreated'],
  },
  {
    name: 'limitRangeReady as a word',
    kind: 'ProjectSettings',
    doc: settings({ status: { limitRangeReady: 'yes' } }),
    expected: ['status.limitRangeReady'],
  },
  {
    name: 'unknown settings field',
    kind: 'ProjectSettings',
    doc: settings({ spec: { groupAccess: [], runnerSecret: 'x' } }),
    expected: ['spec.runnerSecret'],
  },
  {
    name: 'AgenticSession kind is not ProjectSettings',
    kind: 'ProjectSettings',
    doc: settings({ kind: 'AgenticSession' }),
    expected: ['kind'],
  },
];

describe('hand-written corpus: zod and the CRD agree', () => {
  test('the corpus is large enough to mean something', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(CASES.filter((c) => c.expected === 'valid').length).toBeGreaterThanOrEqual(10);
  });

  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const value = checkAgreement(c.kind, c.doc, c.expected, c.crd ?? 'upstream');
    if (c.expected === 'valid') expect(value).toEqual(c.defaulted ?? c.doc);
  });

  test('documents using our additive fields are rejected by the upstream CRD', () => {
    const doc = session({
      status: { runnerRecreations: 1, phaseTransitionTime: T, lastRunnerRecreationTime: T, phaseHistory: [] },
    });
    expect(byAjv('AgenticSession', 'upstream', doc)).toEqual({
      valid: false,
      paths: [
        'status.lastRunnerRecreationTime',
        'status.phaseHistory',
        'status.phaseTransitionTime',
        'status.runnerRecreations',
      ],
    });
    expect(byAjv('AgenticSession', 'ours', doc).valid).toBe(true);
  });
});

describe('validation results', () => {
  test('issues carry a clear message per field', () => {
    const result = validateAgenticSession(
      session({
        spec: { repos: [{}], timeout: 'x', bogus: 1 },
        status: { phase: 'Paused', startTime: 'now' },
      }),
    );
    expect(result).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: 'spec.repos[0].url', message: 'required field is missing' },
        { path: 'spec.timeout', message: 'expected an integer' },
        { path: 'spec.bogus', message: 'unknown field "bogus"' },
        {
          path: 'status.phase',
          message: 'expected one of Pending, Creating, Running, Stopping, Stopped, Completed, Failed',
        },
        { path: 'status.startTime', message: 'expected an RFC 3339 date-time such as 2025-01-02T15:04:05Z' },
      ]),
    });
  });

  test('a valid document comes back with defaults and typed', () => {
    const result = validateAgenticSession(session({ spec: { llmSettings: { model: 'm' } } }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.spec?.llmSettings).toEqual({ model: 'm', temperature: 0.7, maxTokens: 4000 });
    expect(result.value.spec?.timeout).toBe(300);
  });
});
