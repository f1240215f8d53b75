import { z } from 'zod';
import type { KubeObject } from './kube-object.js';
import type { Container } from './pod-specs.js';

const configMapSchema = z.looseObject({ data: z.record(z.string(), z.string()).default({}) });

export interface EnvironmentInputs {
  /** All objects of the build (ConfigMaps are looked up here). */
  objects: readonly KubeObject[];
  /** The pod's namespace (for `fieldRef: metadata.namespace` and lookups). */
  namespace: string;
  /** The pod's name (for `fieldRef: metadata.name`). @defaultValue `pod-0` */
  podName?: string;
  /** Values of Secret keys, which manifests do not hold: `(secret, key) → value`, undefined if absent. */
  secretValue: (name: string, key: string) => string | undefined;
}

/**
 * The environment the kubelet would give a container: envFrom ConfigMaps (then env entries, which
 * win), configMapKeyRef/secretKeyRef/fieldRef, and `$(VAR)` expansion of earlier variables. A
 * missing optional source is skipped; a missing required one throws.
 */
export function containerEnvironment(
  container: Container,
  inputs: EnvironmentInputs,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const configMap = (name: string): Record<string, string> | undefined => {
    const found = inputs.objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === inputs.namespace,
    );
    return found === undefined ? undefined : configMapSchema.parse(found).data;
  };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) {
      const data = configMap(source.configMapRef.name);
      if (data === undefined && source.configMapRef.optional !== true) {
        throw new Error(`ConfigMap ${source.configMapRef.name} (envFrom) does not exist`);
      }
      Object.assign(environment, data ?? {});
    }
    if (source.secretRef !== undefined) {
      throw new Error('envFrom secretRef is not supported here: list the keys explicitly');
    }
  }
  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    let value: string | undefined;
    if (from === undefined) {
      value = (entry.value ?? '').replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (whole, name: string) => environment[name] ?? whole,
      );
    } else if (from.fieldRef !== undefined) {
      const fields: Record<string, string> = {
        'metadata.namespace': inputs.namespace,
        'metadata.name': inputs.podName ?? 'pod-0',
      };
      value = fields[from.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`fieldRef ${from.fieldRef.fieldPath} is not supported here`);
    } else if (from.configMapKeyRef !== undefined) {
      value = configMap(from.configMapKeyRef.name)?.[from.configMapKeyRef.key];
      if (value === undefined && from.configMapKeyRef.optional !== true) {
        throw new Error(
          `ConfigMap ${from.configMapKeyRef.name} key ${from.configMapKeyRef.key} does not exist`,
        );
      }
    } else if (from.secretKeyRef !== undefined) {
      value = inputs.secretValue(from.secretKeyRef.name, from.secretKeyRef.key);
      if (value === undefined && from.secretKeyRef.optional !== true) {
        throw new Error(`Secret ${from.secretKeyRef.name} key ${from.secretKeyRef.key} does not exist`);
      }
    }
    if (value !== undefined) environment[entry.name] = value;
  }
  return environment;
}
