// Development only: CPU-profiles a node process of the local stack (LOCAL_STACK_NODE_OPTIONS=--import=<this file>)
// into $CPU_PROFILE_DIR/<pid>.cpuprofile, for what `node --cpu-prof` cannot reach: NODE_OPTIONS refuses --cpu-prof,
// and the operator's bundles start through deploy/image/operator. Without CPU_PROFILE_WINDOWS the profile runs from
// start to exit; with it, each SIGUSR2 starts or stops one (so a driver profiles only a burst, not start-up).
// Samples every CPU_PROFILE_US µs (500). Aggregate self time with any .cpuprofile reader (Chrome DevTools,
// speedscope); the bundles' source maps name the .ts lines.
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  // An in-process session answers synchronously, so this works in an 'exit' handler too.
  const start = () => {
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: Number(process.env.CPU_PROFILE_US ?? 500) });
    session.post('Profiler.start');
    running = true;
  };
  const stop = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(path.join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  if (process.env.CPU_PROFILE_WINDOWS) process.on('SIGUSR2', () => (running ? stop() : start()));
  else start();
  process.on('exit', stop);
}
