// Which scripts the local stack may start from a plain-JavaScript bundle instead of through tsx, and where it finds
// them: its own module, so bench/bundle.ts (which builds them) need not load the stack's code.
/**
 * A directory of plain-JavaScript bundles of the scripts the stack starts through tsx (kube-sim, api-sim, the Redis
 * supervisor), named by stackScriptBundle: `pnpm bench` builds them (bench/bundle.ts) and sets this for its suites.
 */
export const STACK_BUNDLES_ENV = 'LOCAL_STACK_BUNDLES';

/** The scripts the stack may start from a bundle, by their path in the repository. */
export const STACK_BUNDLED_SCRIPTS = [
  'packages/kube-sim/src/cli.ts',
  'packages/api-sim/src/cli.ts',
  'scripts/run-supervised.ts',
] as const;

/** A script's bundle file name in the STACK_BUNDLES_ENV directory: `packages/kube-sim/src/cli.ts` → `packages__kube-sim__src__cli.mjs`. */
export function stackScriptBundle(script: string): string {
  return `${script.replace(/\.ts$/, '').replaceAll('/', '__')}.mjs`;
}
