import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Faults } from '../faults.js';
import type { RequestCounter } from '../request-metrics.js';

const faultSettingsSchema = z
  .object({
    latencyMs: z.number().min(0),
    errorRate500: z.number().min(0).max(1),
    errorRate429: z.number().min(0).max(1),
    retryAfterSeconds: z.number().min(0),
  })
  .partial()
  .strict();

const failNextSchema = z
  .object({
    status: z.number().int().min(400).max(599),
    count: z.number().int().min(1).optional(),
    verb: z.string().optional(),
    resource: z.string().optional(),
  })
  .strict();

const stallSchema = z.object({ on: z.boolean() }).strict();
const evictSchema = z.object({ message: z.string().optional() }).strict().optional();
const deletePodQuery = z.object({ gracePeriodSeconds: z.coerce.number().int().min(0).optional() });

function parseBody<T>(
  schema: z.ZodType<T>,
  body: unknown,
): { ok: true; value: T } | { ok: false; error: string } {
  const result = schema.safeParse(typeof body === 'string' && body ? JSON.parse(body) : (body ?? undefined));
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: z.prettifyError(result.error) };
}

/** The simulator's own control API under `/sim/` (faults, counters, health). */
export function registerSimRoutes(app: FastifyInstance, faults: Faults, requests: RequestCounter): void {
  app.get('/sim/healthz', async () => ({ ok: true }));
  app.get('/sim/faults', async () => faults.settings());
  app.put('/sim/faults', async (request, reply) => {
    const parsed = parseBody(faultSettingsSchema, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    faults.configure(parsed.value);
    return faults.settings();
  });
  app.post('/sim/faults/fail-next', async (request, reply) => {
    const parsed = parseBody(failNextSchema, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    faults.failNext(parsed.value);
    return { ok: true };
  });
  app.post('/sim/faults/reset', async () => {
    faults.reset();
    return faults.settings();
  });
  app.post('/sim/watches/close', async () => ({ closed: faults.closeAllWatches() }));
  app.post('/sim/watches/stall', async (request, reply) => {
    const parsed = parseBody(stallSchema, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    faults.stallWatches(parsed.value.on);
    return faults.settings();
  });
  app.post('/sim/watches/compact', async () => {
    faults.compactHistory();
    return { ok: true };
  });
  app.post('/sim/pods/:namespace/:name/evict', async (request, reply) => {
    const { namespace, name } = request.params as { namespace: string; name: string };
    const parsed = parseBody(evictSchema, request.body);
    if (!parsed.ok) return reply.code(400).send({ error: parsed.error });
    return faults.evictPod(namespace, name, parsed.value?.message);
  });
  app.delete('/sim/pods/:namespace/:name', async (request, reply) => {
    const { namespace, name } = request.params as { namespace: string; name: string };
    const query = deletePodQuery.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: z.prettifyError(query.error) });
    faults.deletePod(namespace, name, query.data.gracePeriodSeconds);
    return { ok: true };
  });
  app.get('/sim/requests', async () => requests.snapshot());
  app.post('/sim/requests/reset', async () => {
    requests.reset();
    return { ok: true };
  });
}
