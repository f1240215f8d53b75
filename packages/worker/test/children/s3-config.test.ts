import { describe, expect, test } from 'vitest';
import { needsMinioCredentials, resolveS3Config } from '../../src/children/index.js';

const defaults = { endpoint: 'https://s3.amazonaws.com', bucket: 'ambient-sessions' };
const minio = { 'access-key': 'minio-ak', 'secret-key': 'minio-sk' };
const custom = {
  STORAGE_MODE: 'custom',
  S3_ENDPOINT: 'https://s3.acme.example',
  S3_BUCKET: 'acme-bucket',
  S3_ACCESS_KEY: 'acme-ak',
  S3_SECRET_KEY: 'acme-sk',
};

describe('resolveS3Config (getS3ConfigForProject order)', () => {
  test('1. custom mode takes all four values from the project secret', () => {
    expect(resolveS3Config({ integrationSecretData: custom, defaults, minioCredentialsData: minio })).toEqual(
      {
        configured: true,
        endpoint: 'https://s3.acme.example',
        bucket: 'acme-bucket',
        accessKey: 'acme-ak',
        secretKey: 'acme-sk',
      },
    );
  });

  test('shared mode (the default) ignores S3 keys in the project secret', () => {
    const { STORAGE_MODE: _mode, ...withoutMode } = custom;
    const result = resolveS3Config({
      integrationSecretData: withoutMode,
      defaults,
      minioCredentialsData: minio,
    });
    expect(result).toMatchObject({
      endpoint: defaults.endpoint,
      bucket: defaults.bucket,
      accessKey: 'minio-ak',
    });
  });

  test('2. a missing endpoint or bucket comes from the operator defaults', () => {
    const result = resolveS3Config({
      integrationSecretData: {
        STORAGE_MODE: 'custom',
        S3_BUCKET: 'acme-bucket',
        S3_ACCESS_KEY: 'a',
        S3_SECRET_KEY: 's',
      },
      defaults,
    });
    expect(result).toMatchObject({ configured: true, endpoint: defaults.endpoint, bucket: 'acme-bucket' });
  });

  test('3. shared MinIO credentials fill missing keys only with the default endpoint and bucket', () => {
    expect(resolveS3Config({ defaults, minioCredentialsData: minio })).toEqual({
      configured: true,
      ...defaults,
      accessKey: 'minio-ak',
      secretKey: 'minio-sk',
    });
    // one key from the project, the other from MinIO
    const partial = resolveS3Config({
      integrationSecretData: { STORAGE_MODE: 'custom', S3_ACCESS_KEY: 'own-ak' },
      defaults,
      minioCredentialsData: minio,
    });
    expect(partial).toMatchObject({ accessKey: 'own-ak', secretKey: 'minio-sk' });
  });

  test('4. custom endpoint without keys is not configured (MinIO keys are not used for it)', () => {
    const result = resolveS3Config({
      integrationSecretData: { STORAGE_MODE: 'custom', S3_ENDPOINT: 'https://other' },
      defaults,
      minioCredentialsData: minio,
    });
    expect(result).toEqual({
      configured: false,
      endpoint: '',
      bucket: '',
      accessKey: '',
      secretKey: '',
      reason: 'incomplete S3 configuration: missing accessKey, secretKey',
    });
  });

  test('no secrets at all: not configured', () => {
    expect(resolveS3Config({ defaults }).configured).toBe(false);
  });

  test('needsMinioCredentials tells whether step 3 can apply', () => {
    expect(needsMinioCredentials({ defaults })).toBe(true);
    expect(needsMinioCredentials({ integrationSecretData: custom, defaults })).toBe(false);
    expect(
      needsMinioCredentials({
        integrationSecretData: { STORAGE_MODE: 'custom', S3_ENDPOINT: 'https://x' },
        defaults,
      }),
    ).toBe(false);
  });
});
