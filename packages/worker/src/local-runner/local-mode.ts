import { AmbientApiClient, type Logger, type OperatorConfig } from '@ambient-operator/shared';
import { startLocalProxy, type LocalProxy } from './local-proxy.js';
import { LocalRunners } from './local-runners.js';

export interface LocalMode {
  runners: LocalRunners;
  proxy: LocalProxy;
  /** Stops every runner (SIGTERM, SIGKILL after the grace), then the proxy. */
  close(): Promise<void>;
}

/**
 * MODE=local in a worker: its runners and the proxy on LOCAL_PROXY_ADDR; undefined in other modes.
 * Binding the proxy address is what keeps the owner single: a second local worker fails to start.
 */
export async function startLocalMode(config: OperatorConfig, log: Logger): Promise<LocalMode | undefined> {
  const api = config.apiServer;
  if (!api.enabled || api.mode !== 'local') return undefined;
  const runners = new LocalRunners({
    config: api.local,
    ambient: new AmbientApiClient({ url: api.url, token: api.token }),
    apiUrl: api.url,
    apiToken: api.token,
    log,
  });
  let proxy: LocalProxy;
  try {
    proxy = await startLocalProxy({ ...api.local.proxyAddress, portOf: (id) => runners.portOf(id) });
  } catch (err) {
    const where = `${api.local.proxyAddress.host}:${api.local.proxyAddress.port}`;
    throw new Error(
      `MODE=local: cannot listen on LOCAL_PROXY_ADDR=${where} (${(err as Error).message}); ` +
        'only one local worker may run (it owns the local sessions)',
      { cause: err },
    );
  }
  // Only now, as the single owner (the proxy address is ours), are runners left by a killed one ours to stop.
  await runners.stopOrphans();
  log.info({ proxy: proxy.url }, 'MODE=local: sessions run as local processes');
  return {
    runners,
    proxy,
    close: async () => {
      await runners.close();
      await proxy.close();
    },
  };
}
