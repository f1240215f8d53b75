import { describe, expect, test } from 'vitest';
import { ConfigError, classifyError, loadConfig } from '@ambient-operator/shared';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults match upstream when nothing is set', () => {
    const config = loadConfig([], {});
    expect(config.controller).toEqual({
      maxConcurrentReconciles: 10,
      leaderElect: false,
      maxRunnerRecreations: 3,
      resyncIntervalSeconds: 600,
      watchStallTimeoutSeconds: 90,
      reconcileTimeoutSeconds: 60,
      defaultInactivityTimeoutSeconds: 86400,
    });
    expect(config.http).toEqual({
      metricsBindAddress: { host: undefined, port: 8080 },
      healthProbeBindAddress: { host: undefined, port: 8081 },
    });
    expect(config.namespaces).toEqual({ operator: 'default', backend: 'default' });
    expect(config.queue).toEqual({
      redis: { mode: 'standalone', url: 'redis://127.0.0.1:6379' },
      name: 'sessions',
      prefix: 'ambient',
      reconcileRateLimitPerSecond: 300,
    });
    expect(config.logging).toEqual({ level: 'info', devMode: false });
    expect(config.runner).toEqual({
      image: 'quay.io/ambient_code/vteam_claude_runner:latest',
      stateSyncImage: 'quay.io/ambient_code/vteam_state_sync:latest',
      imagePullPolicy: 'Always',
      podFsGroup: undefined,
      securityProfile: 'auto',
      runAsUser: 1001,
      runAsGroup: undefined,
      stateSyncSidecar: 'auto',
      backendPublicUrl: '',
      mcpConfigFile: undefined,
      agentRegistryPath: '/config/registry/agent-registry.json',
      modelsManifestPath: '/config/models/models.json',
      googleOAuthClientId: '',
      googleOAuthClientSecret: '',
    });
    expect(config.s3).toEqual({ endpoint: 'https://s3.amazonaws.com', bucket: 'ambient-sessions' });
    expect(config.vertex).toEqual({ enabled: false, deprecatedVariable: undefined });
    expect(config.observability).toEqual({
      langfuseEnabled: false,
      mlflowTracingEnabled: false,
      version: undefined,
      deploymentEnv: undefined,
    });
  });

  test('accepts the three Go flag spellings and boolean forms', () => {
    expect(loadConfig(['--max-concurrent-reconciles=4'], {}).controller.maxConcurrentReconciles).toBe(4);
    expect(loadConfig(['--max-concurrent-reconciles', '5'], {}).controller.maxConcurrentReconciles).toBe(5);
    expect(loadConfig(['-max-concurrent-reconciles=6'], {}).controller.maxConcurrentReconciles).toBe(6);
    expect(loadConfig(['--leader-elect'], {}).controller.leaderElect).toBe(true);
    expect(loadConfig(['--leader-elect=true'], {}).controller.leaderElect).toBe(true);
    expect(loadConfig(['--leader-elect=false'], {}).controller.leaderElect).toBe(false);
    // The deployment's own args (contract §7.3).
    const deployed = loadConfig(
      ['--max-concurrent-reconciles=10', '--health-probe-bind-address=:8081', '--leader-elect=false'],
      {},
    );
    expect(deployed.controller.leaderElect).toBe(false);
  });

  test('parses bind addresses into host and port; "0" disables', () => {
    const c = loadConfig(
      ['--metrics-bind-address=127.0.0.1:9090', '--health-probe-bind-address', '[::1]:0'],
      {},
    );
    expect(c.http.metricsBindAddress).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(c.http.healthProbeBindAddress).toEqual({ host: '::1', port: 0 });
    expect(loadConfig(['--metrics-bind-address=0'], {}).http.metricsBindAddress).toBeNull();
    expect(configError(() => loadConfig(['--metrics-bind-address=8080'], {})).message).toBe(
      '--metrics-bind-address=8080: expected [host]:port (e.g. ":8080", "127.0.0.1:8080", "[::1]:8080") or "0" to disable',
    );
    expect(configError(() => loadConfig(['--metrics-bind-address=:70000'], {})).message).toMatch(
      /^--metrics-bind-address=:70000: expected \[host\]:port/,
    );
  });

  test('MAX_CONCURRENT_RECONCILES overrides the flag only when positive, as upstream', () => {
    expect(
      loadConfig(['--max-concurrent-reconciles=4'], { MAX_CONCURRENT_RECONCILES: '7' }).controller,
    ).toMatchObject({ maxConcurrentReconciles: 7 });
    expect(
      loadConfig(['--max-concurrent-reconciles=4'], { MAX_CONCURRENT_RECONCILES: '0' }).controller,
    ).toMatchObject({ maxConcurrentReconciles: 4 });
    expect(configError(() => loadConfig([], { MAX_CONCURRENT_RECONCILES: 'many' })).message).toBe(
      'MAX_CONCURRENT_RECONCILES=many: expected a whole number',
    );
  });

  test('UserDeployment settings default to the store "default", apps.local and NetworkPolicies on', () => {
    expect(loadConfig([], {}).userDeployments).toEqual({
      clusterSecretStore: 'default',
      deploymentDomain: 'apps.local',
      disableNetworkPolicies: false,
    });
    expect(() => loadConfig([], { DEPLOYMENT_DOMAIN: 'Apps_Example' })).toThrow(
      /DEPLOYMENT_DOMAIN=Apps_Example: expected a DNS domain/,
    );
  });

  test('reads every documented environment variable', () => {
    const c = loadConfig([], {
      NAMESPACE: 'ambient-code',
      BACKEND_NAMESPACE: 'backend',
      DEV_MODE: 'true',
      LOG_LEVEL: 'debug',
      REDIS_URL: 'rediss://redis.example:6380/2',
      QUEUE_NAME: 'q1',
      QUEUE_PREFIX: 'pfx',
      RECONCILE_RATE_LIMIT: '0',
      MAX_RUNNER_RECREATIONS: '0',
      RESYNC_INTERVAL_SECONDS: '30',
      WATCH_STALL_TIMEOUT_SECONDS: '20',
      DEFAULT_INACTIVITY_TIMEOUT: '0',
      AMBIENT_CODE_RUNNER_IMAGE: 'runner:dev',
      STATE_SYNC_IMAGE: 'sync:dev',
      IMAGE_PULL_POLICY: 'IfNotPresent',
      POD_FSGROUP: '0',
      BACKEND_PUBLIC_URL: 'https://ambient.example',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'b',
      LANGFUSE_ENABLED: '1',
      MLFLOW_TRACING_ENABLED: 'false',
      GOOGLE_OAUTH_CLIENT_ID: 'cid',
      GOOGLE_OAUTH_CLIENT_SECRET: 'csecret',
      MCP_CONFIG_FILE: '/config/mcp.json',
      AGENT_REGISTRY_PATH: '/r.json',
      MODELS_MANIFEST_PATH: '/m.json',
      VERSION: 'v1.2.3',
      DEPLOYMENT_ENV: 'prod',
      CLUSTER_SECRET_STORE: 'vault',
      DEPLOYMENT_DOMAIN: 'apps.example.com',
      DISABLE_NETWORK_POLICIES: 'true',
      KUBECONFIG: '/tmp/kc',
      HOME: '/home/op',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      RECONCILE_TIMEOUT_SECONDS: '15',
    });
    expect(c.namespaces).toEqual({ operator: 'ambient-code', backend: 'backend' });
    expect(c.logging).toEqual({ level: 'debug', devMode: true });
    expect(c.queue).toEqual({
      redis: { mode: 'standalone', url: 'rediss://redis.example:6380/2' },
      name: 'q1',
      prefix: 'pfx',
      reconcileRateLimitPerSecond: 0,
    });
    expect(c.controller.maxRunnerRecreations).toBe(0);
    expect(c.controller.resyncIntervalSeconds).toBe(30);
    expect(c.controller.watchStallTimeoutSeconds).toBe(20);
    expect(c.controller.reconcileTimeoutSeconds).toBe(15);
    expect(c.controller.defaultInactivityTimeoutSeconds).toBe(0);
    expect(c.runner).toMatchObject({
      image: 'runner:dev',
      stateSyncImage: 'sync:dev',
      imagePullPolicy: 'IfNotPresent',
      podFsGroup: 0,
      backendPublicUrl: 'https://ambient.example',
      mcpConfigFile: '/config/mcp.json',
      agentRegistryPath: '/r.json',
      modelsManifestPath: '/m.json',
      googleOAuthClientId: 'cid',
      googleOAuthClientSecret: 'csecret',
    });
    expect(c.s3).toEqual({ endpoint: 'http://minio:9000', bucket: 'b' });
    expect(c.observability).toEqual({
      langfuseEnabled: true,
      mlflowTracingEnabled: false,
      version: 'v1.2.3',
      deploymentEnv: 'prod',
    });
    expect(c.userDeployments).toEqual({
      clusterSecretStore: 'vault',
      deploymentDomain: 'apps.example.com',
      disableNetworkPolicies: true,
    });
    expect(c.kube.env).toEqual({
      KUBECONFIG: '/tmp/kc',
      HOME: '/home/op',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      KUBERNETES_SERVICE_PORT: '443',
    });
  });

  test('runner pod security and the state-sync form: auto by default, explicit when set, refused when bad', () => {
    expect(loadConfig([], {}).runner).toMatchObject({
      securityProfile: 'auto',
      runAsUser: 1001,
      runAsGroup: undefined,
      stateSyncSidecar: 'auto',
    });
    expect(
      loadConfig([], {
        RUNNER_SECURITY_PROFILE: 'fixed-user',
        RUNNER_RUN_AS_USER: '2000',
        RUNNER_RUN_AS_GROUP: '0',
        STATE_SYNC_SIDECAR: 'container',
      }).runner,
    ).toMatchObject({
      securityProfile: 'fixed-user',
      runAsUser: 2000,
      runAsGroup: 0,
      stateSyncSidecar: 'container',
    });
    expect(
      configError(() =>
        loadConfig([], {
          RUNNER_SECURITY_PROFILE: 'openshift',
          RUNNER_RUN_AS_USER: '0',
          STATE_SYNC_SIDECAR: 'yes',
        }),
      ).problems,
    ).toEqual([
      'RUNNER_SECURITY_PROFILE=openshift: expected one of auto, fixed-user, cluster-assigned',
      'RUNNER_RUN_AS_USER=0: expected a whole number ≥ 1',
      'STATE_SYNC_SIDECAR=yes: expected one of auto, native, container',
    ]);
  });

  test('an empty variable counts as unset', () => {
    expect(loadConfig([], { NAMESPACE: '', MAX_RUNNER_RECREATIONS: '' }).namespaces.operator).toBe('default');
  });

  test('Vertex mode requires its three settings, and notices the legacy variable', () => {
    const vertexEnv = {
      ANTHROPIC_VERTEX_PROJECT_ID: 'proj',
      CLOUD_ML_REGION: 'global',
      GOOGLE_APPLICATION_CREDENTIALS: '/app/vertex/key.json',
    };
    expect(loadConfig([], { USE_VERTEX: 'yes', ...vertexEnv }).vertex).toEqual({
      enabled: true,
      deprecatedVariable: undefined,
      projectId: 'proj',
      region: 'global',
      credentialsPath: '/app/vertex/key.json',
    });
    expect(loadConfig([], { CLAUDE_CODE_USE_VERTEX: '1', ...vertexEnv }).vertex).toMatchObject({
      enabled: true,
      deprecatedVariable: 'CLAUDE_CODE_USE_VERTEX',
    });
    expect(loadConfig([], { USE_VERTEX: '0', CLAUDE_CODE_USE_VERTEX: '1' }).vertex.enabled).toBe(false);
    expect(
      configError(() => loadConfig([], { USE_VERTEX: 'true', CLOUD_ML_REGION: 'global' })).problems,
    ).toEqual([
      'ANTHROPIC_VERTEX_PROJECT_ID is not set: required when USE_VERTEX is on',
      'GOOGLE_APPLICATION_CREDENTIALS is not set: required when USE_VERTEX is on',
    ]);
  });

  test('bad values name the setting, the value and the accepted form, all at once', () => {
    const err = configError(() =>
      loadConfig(['--max-concurrent-reconciles=0', '--leader-elect=maybe'], {
        MAX_RUNNER_RECREATIONS: 'abc',
        RESYNC_INTERVAL_SECONDS: '1.5',
        LOG_LEVEL: 'loud',
        IMAGE_PULL_POLICY: 'always',
        NAMESPACE: 'Bad_NS',
        REDIS_URL: 'http://127.0.0.1:6379',
        USE_VERTEX: 'perhaps',
        POD_FSGROUP: '-1',
      }),
    );
    expect(err.problems).toEqual([
      '--max-concurrent-reconciles=0: expected a whole number ≥ 1',
      '--leader-elect=maybe: expected one of 1, true, yes, on, 0, false, no, off',
      'LOG_LEVEL=loud: expected one of fatal, error, warn, info, debug, trace, silent',
      'NAMESPACE=Bad_NS: expected a DNS-1123 label (namespace name)',
      'REDIS_URL=http://127.0.0.1:6379: expected a URL (redis:// or rediss://...)',
      'MAX_RUNNER_RECREATIONS=abc: expected a whole number ≥ 0',
      'RESYNC_INTERVAL_SECONDS=1.5: expected a whole number ≥ 1',
      'IMAGE_PULL_POLICY=always: expected one of Always, IfNotPresent, Never',
      'POD_FSGROUP=-1: expected a whole number ≥ 0',
      'USE_VERTEX=perhaps: expected one of 1, true, yes, on, 0, false, no, off',
    ]);
    expect(err.name).toBe('ConfigError');
    expect(classifyError(err)).toMatchObject({ kind: 'terminal', code: 'CONFIG' });
  });

  test('REDIS_SENTINELS selects a Sentinel-managed master; REDIS_URL then gives credentials, TLS and database', () => {
    const q = loadConfig([], {
      REDIS_SENTINELS: 'redis-0.redis:26379, redis-1.redis:26379,[::1]:26380',
      REDIS_SENTINEL_PASSWORD: 's3cret',
      REDIS_URL: 'rediss://operator:pw@ignored:6379/3',
    }).queue;
    expect(q.redis).toEqual({
      mode: 'sentinel',
      url: 'rediss://operator:pw@ignored:6379/3',
      sentinels: [
        { host: 'redis-0.redis', port: 26379 },
        { host: 'redis-1.redis', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      sentinelPassword: 's3cret',
    });
    expect(q.prefix).toBe('ambient');
    expect(
      loadConfig([], { REDIS_SENTINELS: 'h:1', REDIS_SENTINEL_NAME: 'queue' }).queue.redis,
    ).toMatchObject({
      masterName: 'queue',
    });
  });

  test('REDIS_CLUSTER_NODES selects a Redis Cluster with a hash-tagged queue prefix', () => {
    const q = loadConfig([], { REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).queue;
    expect(q.redis).toEqual({
      mode: 'cluster',
      url: 'redis://127.0.0.1:6379',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
    expect(q.prefix).toBe('{ambient}');
    expect(loadConfig([], { REDIS_CLUSTER_NODES: 'n1:7000', QUEUE_PREFIX: '{ops}' }).queue.prefix).toBe(
      '{ops}',
    );
  });

  test('Redis settings that exclude each other or do not fit the mode stop start-up', () => {
    expect(
      configError(() =>
        loadConfig([], {
          REDIS_SENTINELS: 'a:26379',
          REDIS_CLUSTER_NODES: 'b:7000',
        }),
      ).problems,
    ).toEqual(['REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose Sentinel or Cluster']);
    expect(configError(() => loadConfig([], { REDIS_SENTINEL_NAME: 'm' })).problems).toEqual([
      'REDIS_SENTINEL_NAME is set without REDIS_SENTINELS',
    ]);
    expect(
      configError(() =>
        loadConfig([], {
          REDIS_CLUSTER_NODES: 'n1:7000',
          QUEUE_PREFIX: 'ambient',
          REDIS_URL: 'redis://u:secret@x:1/2',
        }),
      ).problems,
    ).toEqual([
      "QUEUE_PREFIX=ambient: with REDIS_CLUSTER_NODES the prefix must be a hash tag such as {ambient}, so the queue's keys share one slot",
      'REDIS_URL=redis://u:***@x:1/2: a Redis Cluster has only database 0',
    ]);
    expect(configError(() => loadConfig([], { REDIS_SENTINELS: 'a:26379,b' })).problems).toEqual([
      'REDIS_SENTINELS=a:26379,b: expected host:port[,host:port...] (e.g. "redis-0:26379,redis-1:26379")',
    ]);
    expect(configError(() => loadConfig([], { REDIS_CLUSTER_NODES: 'a:0' })).problems).toEqual([
      'REDIS_CLUSTER_NODES=a:0: expected host:port[,host:port...] (e.g. "redis-0:26379,redis-1:26379")',
    ]);
  });

  test('unknown flags, positional arguments and missing values are errors', () => {
    expect(configError(() => loadConfig(['--legacy-watch'], {})).message).toMatch(
      /^unknown flag "--legacy-watch": accepted flags are --max-concurrent-reconciles, /,
    );
    expect(configError(() => loadConfig(['serve'], {})).message).toMatch(/^unexpected argument "serve"/);
    expect(configError(() => loadConfig(['--metrics-bind-address'], {})).message).toBe(
      '--metrics-bind-address needs a value',
    );
    // Go's flag package does not take a separate value for booleans.
    expect(configError(() => loadConfig(['--leader-elect', 'false'], {})).message).toMatch(
      /^unexpected argument "false"/,
    );
  });

  test('the result is deeply frozen', () => {
    const c = loadConfig([], {});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.controller)).toBe(true);
    expect(Object.isFrozen(c.http.metricsBindAddress)).toBe(true);
    expect(() => {
      (c.controller as { maxRunnerRecreations: number }).maxRunnerRecreations = 9;
    }).toThrow(TypeError);
  });
});

describe('loadConfig: the ambient-api-server source (MODE, AMBIENT_API_*, LOCAL_*)', () => {
  const TOKEN = 'a-token-of-twenty-chars-or-more';

  test('is off by default (MODE=kube, no AMBIENT_API_SERVER_URL), with upstream local-mode defaults', () => {
    const { apiServer } = loadConfig([], { HOME: '/home/u' });
    expect(apiServer).toEqual({
      enabled: false,
      mode: 'kube',
      local: {
        workspaceRoot: '/home/u/.ambient/workspaces',
        proxyAddress: { host: '127.0.0.1', port: 9080 },
        runnerCommand: 'python local_entry.py',
        portRange: { first: 9100, last: 9199 },
        maxSessions: 10,
      },
    });
  });

  test('is on with a URL and a token; the gRPC address defaults to the URL host on port 9000', () => {
    const { apiServer } = loadConfig([], {
      AMBIENT_API_SERVER_URL: 'http://api.example:8000/',
      AMBIENT_API_TOKEN: TOKEN,
    });
    expect(apiServer).toMatchObject({
      enabled: true,
      mode: 'kube',
      url: 'http://api.example:8000',
      token: TOKEN,
      grpcAddress: 'api.example:9000',
      grpcUseTls: false,
    });
  });

  test('a missing or short AMBIENT_API_TOKEN stops start-up when the source is on', () => {
    expect(configError(() => loadConfig([], { AMBIENT_API_SERVER_URL: 'http://a:8000' })).problems).toEqual([
      'AMBIENT_API_TOKEN is not set: required when AMBIENT_API_SERVER_URL is set (the api-server source is on)',
    ]);
    expect(
      configError(() =>
        loadConfig([], {
          MODE: 'local',
          AMBIENT_API_SERVER_URL: 'http://a:8000',
          AMBIENT_API_TOKEN: 'short',
        }),
      ).problems[0],
    ).toContain('at least 20 characters');
    // MODE alone does not turn the source on (vitest, for one, exports MODE=test to its children)
    expect(loadConfig([], { MODE: 'test' }).apiServer).toMatchObject({ enabled: false, mode: 'test' });
  });

  test('a bad MODE or LOCAL_* value names the setting and the accepted form', () => {
    const err = configError(() =>
      loadConfig([], {
        MODE: 'cloud',
        LOCAL_PORT_RANGE: '9200-9100',
        LOCAL_MAX_SESSIONS: '0',
        LOCAL_PROXY_ADDR: 'nowhere',
        AMBIENT_GRPC_SERVER_ADDR: 'x',
      }),
    );
    expect(err.problems).toEqual([
      'unknown MODE "cloud": must be one of kube, local, test',
      'LOCAL_PROXY_ADDR=nowhere: expected host:port (e.g. 127.0.0.1:9080)',
      'LOCAL_PORT_RANGE=9200-9100: expected first-last with 1 ≤ first ≤ last ≤ 65535 (e.g. 9100-9199)',
      'LOCAL_MAX_SESSIONS=0: expected a whole number ≥ 1',
    ]);
  });
});
