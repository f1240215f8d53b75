import type { V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { StoredAgenticSession } from '@ambient-operator/shared';
import { sessionOwnerReference } from './agentic-session.js';
import { RUNNER_LABELS, runnerCredentialsSecretName } from './names.js';
import type { CredentialEnvName } from './runner-env.js';
import type { ResolvedS3Config } from './s3-config.js';
import { encodeSecretData } from './secret-data.js';

/**
 * Secret `ambient-runner-creds-<n>`: the values upstream wrote as plain env into the pod spec (§10.13),
 * read by the containers through secretKeyRefs of the same names. Per session (owned by it, so garbage
 * collection removes it) because S3 settings are resolved per run. An unconfigured S3 or an empty
 * OAuth secret stores empty strings, which the containers see exactly as upstream's empty values.
 * The worker creates it before the Job and updates it when the values change.
 */
export function buildRunnerCredentialsSecret(input: {
  session: StoredAgenticSession;
  s3: ResolvedS3Config;
  googleOAuthClientSecret: string;
}): Wire<V1Secret> {
  const { session, s3 } = input;
  const name = session.metadata.name;
  const values: Record<CredentialEnvName, string> = {
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    GOOGLE_OAUTH_CLIENT_SECRET: input.googleOAuthClientSecret,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: runnerCredentialsSecretName(name),
      namespace: session.metadata.namespace,
      labels: {
        [RUNNER_LABELS.appKey]: RUNNER_LABELS.credentialsSecretApp,
        [RUNNER_LABELS.sessionKey]: name,
      },
      ownerReferences: [sessionOwnerReference(session)],
    },
    data: encodeSecretData(values),
  };
}
