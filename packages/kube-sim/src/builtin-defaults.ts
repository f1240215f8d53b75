import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function setDefault(target: Obj, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

let nextClusterIp = 1;

/** Defaults the API server applies to built-in kinds on create (a practical subset; see README). */
export function defaultBuiltin(resourceId: string, object: KubeObject, isCreate: boolean): void {
  switch (resourceId) {
    case '/namespaces': {
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name ?? '',
      };
      const spec = (object.spec = obj(object.spec));
      setDefault(spec, 'finalizers', ['kubernetes']);
      if (isCreate) object.status = { phase: 'Active' };
      break;
    }
    case '/pods':
      defaultPodSpec((object.spec = obj(object.spec)));
      if (isCreate) object.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'batch/jobs':
      defaultJob(object, isCreate);
      break;
    case '/secrets': {
      setDefault(object, 'type', 'Opaque');
      // stringData is write-only: merged into base64 data, as the API server does.
      if (isPlainObject(object.stringData)) {
        const data = { ...obj(object.data) };
        for (const [k, v] of Object.entries(object.stringData))
          data[k] = Buffer.from(String(v)).toString('base64');
        object.data = data;
      }
      delete object.stringData;
      break;
    }
    case '/services': {
      const spec = (object.spec = obj(object.spec));
      setDefault(spec, 'type', 'ClusterIP');
      setDefault(spec, 'sessionAffinity', 'None');
      if (spec.clusterIP === undefined && isCreate) {
        const n = nextClusterIp++;
        spec.clusterIP = `10.96.${(n >> 8) & 255}.${n & 255}`;
      }
      if (spec.clusterIP !== undefined) setDefault(spec, 'clusterIPs', [spec.clusterIP]);
      setDefault(spec, 'ipFamilies', ['IPv4']);
      setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
      setDefault(spec, 'internalTrafficPolicy', 'Cluster');
      if (Array.isArray(spec.ports)) {
        spec.ports = spec.ports.map((p) => {
          const port = { ...obj(p) };
          setDefault(port, 'protocol', 'TCP');
          setDefault(port, 'targetPort', port.port);
          return port;
        });
      }
      if (isCreate) object.status = { loadBalancer: {} };
      break;
    }
    case 'coordination.k8s.io/leases':
      object.spec = obj(object.spec);
      break;
    default:
      break;
  }
}

function defaultContainer(container: Obj): void {
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  const image = typeof container.image === 'string' ? container.image : '';
  setDefault(
    container,
    'imagePullPolicy',
    image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent',
  );
  setDefault(container, 'resources', {});
}

/**
 * A pod spec's defaults. `template`: a workload's pod template, which gets the API's defaults but not what only
 * pods get at creation (enableServiceLinks, and the Priority and ServiceAccount admission plugins' fields).
 */
export function defaultPodSpec(spec: Obj, template = false): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'securityContext', {});
  if (!template) {
    setDefault(
      spec,
      'serviceAccountName',
      typeof spec.serviceAccount === 'string' ? spec.serviceAccount : 'default',
    );
    spec.serviceAccount = spec.serviceAccountName;
    setDefault(spec, 'enableServiceLinks', true);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
    setDefault(spec, 'priority', 0);
  }
  for (const key of ['containers', 'initContainers']) {
    if (Array.isArray(spec[key])) for (const c of spec[key]) if (isPlainObject(c)) defaultContainer(c);
  }
}

function defaultJob(object: KubeObject, isCreate: boolean): void {
  const spec = (object.spec = obj(object.spec));
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'completions', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(
    spec,
    'podReplacementPolicy',
    isPlainObject(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed',
  );
  setDefault(spec, 'manualSelector', undefined);
  const template = (spec.template = obj(spec.template));
  const templateMeta = (template.metadata = obj(template.metadata));
  const templateSpec = (template.spec = obj(template.spec));
  defaultPodSpec(templateSpec, true);
  if (isCreate && spec.manualSelector !== true) {
    // The API server generates a selector on the job's uid and stamps it on the template.
    const uid = object.metadata.uid ?? '';
    const name = object.metadata.name ?? '';
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    templateMeta.labels = {
      ...(isPlainObject(templateMeta.labels) ? (templateMeta.labels as Record<string, string>) : {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
    object.metadata.labels = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
      ...object.metadata.labels,
    };
  }
  if (spec.manualSelector === undefined) delete spec.manualSelector;
}
