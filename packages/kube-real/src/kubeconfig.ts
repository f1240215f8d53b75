/** The kubeconfig context name `pnpm kube-real` writes. */
export const KUBE_REAL_CONTEXT = 'kube-real';

/** A kubeconfig for the real control plane: its CA, one user authenticated by a bearer token. */
export function buildKubeconfig(options: { server: string; caPem: string; token: string }): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: KUBE_REAL_CONTEXT,
          cluster: {
            server: options.server,
            'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
          },
        },
      ],
      users: [{ name: KUBE_REAL_CONTEXT, user: { token: options.token } }],
      contexts: [
        { name: KUBE_REAL_CONTEXT, context: { cluster: KUBE_REAL_CONTEXT, user: KUBE_REAL_CONTEXT } },
      ],
      'current-context': KUBE_REAL_CONTEXT,
    },
    null,
    2,
  );
}
