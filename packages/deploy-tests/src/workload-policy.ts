import { containersOf, podTemplatesOf, type Container, type PodSpec } from './pod-specs.js';
import type { KubeObject } from './kube-object.js';

/**
 * What a reviewer checks on every container of every workload (the "restricted" Pod Security
 * Standard plus our own rules): non-root with a numeric uid, no privilege escalation, all
 * capabilities dropped, RuntimeDefault seccomp, read-only root filesystem, CPU and memory requests,
 * a memory limit, liveness and readiness probes on long-running containers, no host namespaces or
 * hostPath volumes. Returns one message per violation; empty means compliant.
 */
export function workloadPolicyViolations(objects: readonly KubeObject[]): string[] {
  const violations: string[] = [];
  for (const { owner, where, spec } of podTemplatesOf(objects)) {
    const longRunning = ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind);
    for (const flag of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      if (spec[flag] === true) violations.push(`${where}: ${flag} is true`);
    }
    for (const volume of spec.volumes ?? []) {
      if (volume.hostPath !== undefined) violations.push(`${where}: volume ${volume.name} is a hostPath`);
    }
    for (const container of containersOf(spec)) {
      violations.push(
        ...containerViolations(
          spec,
          container,
          longRunning && (spec.containers ?? []).includes(container),
        ).map((v) => `${where} container ${container.name}: ${v}`),
      );
    }
  }
  return violations;
}

function containerViolations(pod: PodSpec, container: Container, needsProbes: boolean): string[] {
  const problems: string[] = [];
  const own = container.securityContext ?? {};
  const podLevel = pod.securityContext ?? {};
  if ((own.runAsNonRoot ?? podLevel.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  const uid = own.runAsUser ?? podLevel.runAsUser;
  if (uid === undefined) problems.push('runAsUser is not set (the kubelet cannot verify a named user)');
  else if (uid === 0) problems.push('runAsUser is 0 (root)');
  if (own.privileged === true) problems.push('privileged');
  if (own.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (own.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (!(own.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities do not drop ALL');
  if ((own.capabilities?.add ?? []).length > 0)
    problems.push(`adds capabilities ${own.capabilities?.add?.join(',')}`);
  const seccomp = own.seccompProfile?.type ?? podLevel.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    problems.push('seccompProfile is not RuntimeDefault');
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  if (requests['cpu'] === undefined) problems.push('no CPU request');
  if (requests['memory'] === undefined) problems.push('no memory request');
  if (limits['memory'] === undefined) problems.push('no memory limit');
  if (needsProbes && container.livenessProbe === undefined) problems.push('no livenessProbe');
  if (needsProbes && container.readinessProbe === undefined) problems.push('no readinessProbe');
  if (container.image === undefined) problems.push('no image');
  return problems;
}

/**
 * Images that float: no tag, the `latest` tag, or none of tag and digest. A release must name the
 * exact image it runs.
 */
export function floatingImages(objects: readonly KubeObject[]): string[] {
  const floating: string[] = [];
  for (const { where, spec } of podTemplatesOf(objects)) {
    for (const container of containersOf(spec)) {
      const image = container.image ?? '';
      if (image.includes('@sha256:')) continue;
      const lastSegment = image.slice(image.lastIndexOf('/') + 1);
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
      if (tag === undefined || tag === 'latest')
        floating.push(`${where} container ${container.name}: ${image}`);
    }
  }
  return floating;
}
