import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

/** What kube-sim knows of an image: the parts of its config the kubelet acts on. */
export interface SimulatedImage {
  /**
   * The image's `USER` (Dockerfile), e.g. `"1001"`, `"1001:0"`, `"nobody"`. Absent (or empty) means the
   * image sets none and runs as root, as an Alpine image without `USER` does.
   */
  user?: string;
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (isPlainObject(value) ? value : {});

/**
 * Images by reference (exactly as written in the pod spec). An image kube-sim is not told about runs as
 * a non-root numeric user, so pods of any image start unless a test or `pnpm start` describes the image.
 */
export class SimulatedImages {
  private readonly images = new Map<string, SimulatedImage>();

  constructor(initial: Readonly<Record<string, SimulatedImage>> = {}) {
    for (const [image, config] of Object.entries(initial)) this.set(image, config);
  }

  set(image: string, config: SimulatedImage): void {
    this.images.set(image, { ...config });
  }

  get(image: string): SimulatedImage | undefined {
    return this.images.get(image);
  }

  /**
   * The kubelet's `verifyRunAsNonRoot` (pkg/kubelet/kuberuntime): with `runAsNonRoot` in effect and no
   * `runAsUser`, the image's user decides. Returns the error the kubelet reports as the waiting message
   * of a CreateContainerConfigError, or undefined when the container may start.
   */
  runAsNonRootViolation(pod: KubeObject, container: Obj): string | undefined {
    const podContext = obj(obj(pod.spec).securityContext);
    const ownContext = obj(container.securityContext);
    const runAsNonRoot = ownContext.runAsNonRoot ?? podContext.runAsNonRoot;
    if (runAsNonRoot !== true) return undefined;
    const where = `(pod: "${podDescription(pod)}", container: ${String(container.name)})`;
    const runAsUser = ownContext.runAsUser ?? podContext.runAsUser;
    if (runAsUser !== undefined) {
      return Number(runAsUser) === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
    }
    const image = this.images.get(String(container.image));
    if (image === undefined) return undefined;
    const user = (image.user ?? '').split(':')[0]!;
    if (user === '' || /^0+$/.test(user))
      return `container has runAsNonRoot and image will run as root ${where}`;
    if (!/^\d+$/.test(user)) {
      return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${where}`;
    }
    return undefined;
  }
}

/** The kubelet's `format.Pod`: `name_namespace(uid)`. */
function podDescription(pod: KubeObject): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}
