// S3 settings for the state hydration/sync containers, resolved in upstream's order
// (getS3ConfigForProject, contract §3.3). Pure: the caller reads the two Secrets and passes decoded data.

export interface S3Defaults {
  /** Operator S3_ENDPOINT (default https://s3.amazonaws.com). */
  readonly endpoint: string;
  /** Operator S3_BUCKET (default ambient-sessions). */
  readonly bucket: string;
}

export interface S3Observation {
  /** Decoded data of Secret `ambient-non-vertex-integrations` in the session namespace, if it exists. */
  readonly integrationSecretData?: Readonly<Record<string, string>>;
  readonly defaults: S3Defaults;
  /** Decoded data of Secret `minio-credentials` in BACKEND_NAMESPACE, if it exists and was read. */
  readonly minioCredentialsData?: Readonly<Record<string, string>>;
}

export type ResolvedS3Config =
  | {
      readonly configured: true;
      readonly endpoint: string;
      readonly bucket: string;
      readonly accessKey: string;
      readonly secretKey: string;
    }
  | {
      /** S3Available=False/NotConfigured; the pod is still created with empty S3 values. */
      readonly configured: false;
      readonly endpoint: '';
      readonly bucket: '';
      readonly accessKey: '';
      readonly secretKey: '';
      readonly reason: string;
    };

interface PartialS3 {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

// Steps 1 and 2: custom settings from the project secret, then the operator defaults for what is missing.
function projectSettings(observation: S3Observation): PartialS3 {
  const data = observation.integrationSecretData ?? {};
  const custom = (data['STORAGE_MODE'] || 'shared') === 'custom';
  const pick = (key: string): string => (custom ? (data[key] ?? '') : '');
  return {
    endpoint: pick('S3_ENDPOINT') || observation.defaults.endpoint,
    bucket: pick('S3_BUCKET') || observation.defaults.bucket,
    accessKey: pick('S3_ACCESS_KEY'),
    secretKey: pick('S3_SECRET_KEY'),
  };
}

function usesSharedStorage(partial: PartialS3, defaults: S3Defaults): boolean {
  return (
    (partial.accessKey === '' || partial.secretKey === '') &&
    partial.endpoint === defaults.endpoint &&
    partial.bucket === defaults.bucket
  );
}

/** Whether step 3 applies, so the caller reads `minio-credentials` only when it matters. */
export function needsMinioCredentials(observation: Omit<S3Observation, 'minioCredentialsData'>): boolean {
  return usesSharedStorage(projectSettings(observation), observation.defaults);
}

/**
 * 1. `STORAGE_MODE=custom` in the project secret (default `shared`): take S3_ENDPOINT, S3_BUCKET,
 *    S3_ACCESS_KEY, S3_SECRET_KEY from it.
 * 2. Missing endpoint or bucket: the operator's S3_ENDPOINT / S3_BUCKET.
 * 3. A missing key while endpoint and bucket are the operator defaults: fill it from `minio-credentials`
 *    (`access-key`, `secret-key`).
 * 4. Anything still empty: not configured (all four values empty).
 */
export function resolveS3Config(observation: S3Observation): ResolvedS3Config {
  const partial = projectSettings(observation);
  if (usesSharedStorage(partial, observation.defaults) && observation.minioCredentialsData) {
    partial.accessKey ||= observation.minioCredentialsData['access-key'] ?? '';
    partial.secretKey ||= observation.minioCredentialsData['secret-key'] ?? '';
  }
  const missing = (Object.keys(partial) as (keyof PartialS3)[]).filter((key) => partial[key] === '');
  if (missing.length > 0) {
    return {
      configured: false,
      endpoint: '',
      bucket: '',
      accessKey: '',
      secretKey: '',
      reason: `incomplete S3 configuration: missing ${missing.join(', ')}`,
    };
  }
  return { configured: true, ...partial };
}
