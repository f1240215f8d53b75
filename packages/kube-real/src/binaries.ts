import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** scripts/build-kube-real.sh: builds etcd, kube-apiserver and kube-controller-manager once per set of pins. */
export const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/build-kube-real.sh', import.meta.url));

/**
 * The directory holding the control-plane binaries, building them first when the pins changed (several minutes
 * the first time; the script's progress goes to this process's stderr).
 */
export function ensureBinaries(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('bash', [BUILD_SCRIPT], { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`building the control plane failed: ${err.message}`));
      const dir = stdout.trim().split('\n').pop();
      if (!dir) return reject(new Error(`${BUILD_SCRIPT} printed no directory`));
      resolve(dir);
    });
    child.stderr?.pipe(process.stderr);
  });
}
