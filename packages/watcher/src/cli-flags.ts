// The watcher's own flags (everything else goes to shared's loadConfig):
//   --namespace-scope=ns1,ns2   watch only these namespaces (default: all)
//   --label-selector=SELECTOR   extra label selector for AgenticSessions
import { ConfigError } from '@ambient-operator/shared';
import { z } from 'zod';

const watcherFlagsSchema = z.object({
  'namespace-scope': z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected DNS-1123 namespace names')))
    .optional(),
  'label-selector': z.string().min(1).optional(),
});
type WatcherFlag = keyof z.input<typeof watcherFlagsSchema>;
const watcherFlags: readonly WatcherFlag[] = ['namespace-scope', 'label-selector'];

/** Takes the watcher's own flags out of argv; the rest goes to shared's loadConfig. */
export function splitWatcherFlags(argv: readonly string[]): {
  own: z.output<typeof watcherFlagsSchema>;
  rest: string[];
} {
  const raw: Partial<Record<WatcherFlag, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    const flag = m?.[1] as WatcherFlag | undefined;
    if (m && flag && watcherFlags.includes(flag)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new ConfigError([`--${flag} needs a value`]);
      raw[flag] = value;
    } else rest.push(arg);
  }
  const parsed = watcherFlagsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`));
  }
  return { own: parsed.data, rest };
}
