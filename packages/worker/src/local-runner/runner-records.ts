// MODE=local: each runner's process group is recorded in its workspace (`<root>/<id>/.runner-pid`), so a worker
// that starts after its predecessor was killed (SIGKILL: it could not stop its runners) finds the runners that
// outlived it and stops them, instead of leaving them unsupervised and holding their ports. Only one local worker
// runs (it owns LOCAL_PROXY_ADDR), so every record found at start belongs to a dead owner.
import { readdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@ambient-operator/shared';

const RECORD = '.runner-pid';

export async function recordRunner(workspace: string, pid: number): Promise<void> {
  await writeFile(path.join(workspace, RECORD), `${pid}\n`);
}

export async function forgetRunner(workspace: string): Promise<void> {
  await rm(path.join(workspace, RECORD), { force: true });
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The recorded pid, when it still leads a process group working in that workspace. The cwd check (Linux
 * /proc) keeps a reused pid from being mistaken for a runner; without /proc nothing is claimed.
 */
async function recordedRunner(workspace: string): Promise<number | undefined> {
  const text = await readFile(path.join(workspace, RECORD), 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 1 || !groupAlive(pid)) return undefined;
  const [cwd, own] = await Promise.all([
    readlink(`/proc/${pid}/cwd`).catch(() => undefined),
    realpath(workspace).catch(() => workspace),
  ]);
  return cwd === own ? pid : undefined;
}

/**
 * Stops every recorded runner still alive under `workspaceRoot` (SIGTERM to its group, SIGKILL after
 * `graceMs`) and removes the records; answers the session ids whose runner was stopped. Their sessions are
 * then judged as any session no runner holds (written Failed/RunnerLost).
 */
export async function stopOrphanedRunners(
  workspaceRoot: string,
  graceMs: number,
  log: Logger,
): Promise<string[]> {
  const entries = await readdir(workspaceRoot, { withFileTypes: true }).catch(() => []);
  const stopped: string[] = [];
  await Promise.all(
    entries
      .filter((e) => e.isDirectory())
      .map(async (e) => {
        const workspace = path.join(workspaceRoot, e.name);
        const pid = await recordedRunner(workspace);
        if (pid !== undefined) {
          log.warn({ session: e.name, pid }, 'MODE=local: stopping a runner its dead owner left behind');
          await stopGroup(pid, graceMs);
          stopped.push(e.name);
        }
        await forgetRunner(workspace);
      }),
  );
  return stopped;
}

async function stopGroup(pid: number, graceMs: number): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // ESRCH: gone already
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  signal('SIGKILL');
}
