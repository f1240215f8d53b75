// `pnpm start` grows with the system: until the watcher, workers and dashboard land it says so plainly.
process.stderr.write(
  'pnpm start: the local stack (kube-sim + Redis + watcher + workers + dashboard) is not assembled yet.\n' +
    'Available now: `pnpm test`, and `pnpm kube-sim --port 0 --kubeconfig .local/kubeconfig` once kube-sim lands.\n',
);
process.exitCode = 1;
