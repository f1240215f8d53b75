// A prompt for a session that is still Running goes through the backend's AG-UI proxy, so the backend persists
// and broadcasts it like any user message (contract §8.3).

export interface FollowUpPromptOptions {
  /** Backend base URL, e.g. `http://backend-service.ambient-code.svc.cluster.local:8080`. */
  backendUrl: string;
  namespace: string;
  session: string;
  prompt: string;
  /** Bearer token (the CronJob pod's ServiceAccount token). */
  token: string;
  /** ms since the epoch. */
  nowMs: number;
  /** Gives up after this many ms. @defaultValue 30000 */
  timeoutMs?: number;
  /** @defaultValue the global fetch */
  fetch?: typeof fetch;
}

/** The AG-UI run input upstream sends. */
export function followUpRunInput(session: string, prompt: string, nowMs: number) {
  return {
    threadId: session,
    runId: `scheduled-${Math.floor(nowMs / 1000)}`,
    messages: [
      { id: `scheduled-msg-${BigInt(Math.floor(nowMs)) * 1_000_000n}`, role: 'user', content: prompt },
    ],
  };
}

/** POSTs the prompt; an HTTP status ≥ 400 is an error. */
export async function sendFollowUpPrompt(options: FollowUpPromptOptions): Promise<number> {
  const { namespace, session } = options;
  const url =
    `${options.backendUrl}/api/projects/${encodeURIComponent(namespace)}` +
    `/agentic-sessions/${encodeURIComponent(session)}/agui/run`;
  const response = await (options.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.token}` },
    body: JSON.stringify(followUpRunInput(session, options.prompt, options.nowMs)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  // Drain the body so the connection is released.
  await response.arrayBuffer().catch(() => undefined);
  if (response.status >= 400) throw new Error(`backend answered ${response.status} to POST ${url}`);
  return response.status;
}
