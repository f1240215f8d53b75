// Loaded into every child of the local stack with `--import` (plain JavaScript, so the production bundles can load
// it too): when the supervising `pnpm start` goes away, even by SIGKILL, the IPC channel closes and the child shuts
// down through its own SIGTERM handler.
import process from 'node:process';

if (process.send !== undefined) {
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
