import { fileURLToPath } from 'node:url';

/**
 * A trimmed ExternalSecret CRD (external-secrets.io v1beta1 and v1, open schema) that tests install to
 * have the kind served; kube-sim runs no external-secrets controller.
 */
export const EXTERNAL_SECRETS_CRD_FILE = fileURLToPath(
  new URL('../fixtures/externalsecrets-crd.yaml', import.meta.url),
);
