import { stringify } from 'yaml';

/** Context, cluster and user name in kube-sim's kubeconfig. */
export const KUBECONFIG_CONTEXT = 'kube-sim';

/**
 * A kubeconfig for a plain-HTTP kube-sim; any bearer token is accepted, this one is `kube-sim`.
 * `insecure-skip-tls-verify` is set because @kubernetes/client-node refuses `http://` servers without it
 * ("HTTP protocol is not allowed when skipTLSVerify is not set or false"); kubectl ignores it for http.
 */
export function buildKubeconfig(server: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: KUBECONFIG_CONTEXT, user: { token: 'kube-sim' } }],
    contexts: [
      {
        name: KUBECONFIG_CONTEXT,
        context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace },
      },
    ],
    'current-context': KUBECONFIG_CONTEXT,
    preferences: {},
  });
}
