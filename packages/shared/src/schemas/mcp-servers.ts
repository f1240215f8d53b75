import { z } from 'zod';

/**
 * `mcpServers` of AgenticSession and ProjectSettings: `custom` maps a server name to an arbitrary
 * object (`x-kubernetes-preserve-unknown-fields`), `disabled` lists default servers to turn off.
 */
export const mcpServersSchema = z.strictObject({
  custom: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  disabled: z.array(z.string()).optional(),
});
export type McpServers = z.output<typeof mcpServersSchema>;
