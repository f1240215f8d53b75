import * as grpc from '@grpc/grpc-js';
import type { ApiResource } from '@ambient-operator/api-contract';
import { API_RESOURCES, API_RESOURCE_NAMES } from '@ambient-operator/api-contract';
import { loadAmbientServices } from '@ambient-operator/api-contract/proto';
import { ApiSimError } from './errors.js';
import type { ApiCall, ApiOperation } from './faults.js';
import { fieldsOfRequest, rpcNames, toMessage } from './grpc-messages.js';
import type { ApiSimCore } from './core.js';

type Unary = grpc.handleUnaryCall<Record<string, unknown>, unknown>;
type Streaming = grpc.handleServerStreamingCall<Record<string, unknown>, Record<string, unknown>>;

const MAX_CREATE_STRING = 255;
const GRPC_DEFAULT_PAGE_SIZE = 20;
const GRPC_MAX_PAGE_SIZE = 500;

function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof ApiSimError) return { code: err.grpcCode(), details: err.reason };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

function requireId(request: Record<string, unknown>): string {
  const id = typeof request.id === 'string' ? request.id : '';
  if (id === '') throw ApiSimError.of('validation', 'id is required');
  return id;
}

/** Create requires its required strings non-empty and at most 255 chars (gRPC handlers only). */
function checkCreateStrings(resource: ApiResource, fields: Record<string, unknown>): void {
  const required: Record<ApiResource, string[]> = {
    sessions: ['name'],
    projects: ['name'],
    project_settings: ['project_id'],
    users: ['username', 'name'],
  };
  for (const key of required[resource]) {
    const value = fields[key];
    if (typeof value !== 'string' || value === '') throw ApiSimError.of('validation', `${key} is required`);
    if (value.length > MAX_CREATE_STRING)
      throw ApiSimError.of('validation', `${key} must be at most ${MAX_CREATE_STRING} characters`);
  }
}

/** The gRPC services of `ambient.v1` over the shared core (auth, faults, latency, counting). */
export function createGrpcServer(core: ApiSimCore): grpc.Server {
  const server = new grpc.Server();
  const services = loadAmbientServices();

  const guard = async (call: ApiCall, metadata: grpc.Metadata, name: string): Promise<void> => {
    core.count(`grpc ${API_RESOURCES[call.resource!].service}/${name}`);
    const auth = metadata.get('authorization')[0];
    if (!core.authorized(typeof auth === 'string' ? auth : undefined, undefined))
      throw new ApiSimError(0, 401, 'invalid or missing bearer token');
    await core.delay(call.operation);
    const failure = core.faults.failureFor(call);
    if (failure) throw failure;
  };

  const unary = (
    resource: ApiResource,
    operation: ApiOperation,
    name: string,
    run: (request: Record<string, unknown>) => unknown,
  ): Unary => {
    return (call, callback) => {
      guard({ protocol: 'grpc', operation, resource }, call.metadata, name)
        .then(() => run(call.request))
        .then(
          (response) => callback(null, response),
          (err: unknown) => callback(toServiceError(err)),
        );
    };
  };

  for (const resource of API_RESOURCE_NAMES) {
    const names = rpcNames(resource);
    const store = core.store;
    const message = (obj: Record<string, unknown>) => toMessage(resource, obj);
    const handlers: Record<string, Unary | Streaming> = {
      [names.get]: unary(resource, 'get', names.get, (req) => message(store.get(resource, requireId(req)))),
      [names.create]: unary(resource, 'create', names.create, (req) => {
        const fields = fieldsOfRequest(resource, req, (_field, spec) => spec.post === true);
        if (resource === 'sessions') delete fields.created_by_user_id;
        checkCreateStrings(resource, { ...fields, name: fields.name ?? '' });
        return message(store.create(resource, fields));
      }),
      [names.update]: unary(resource, 'update', names.update, (req) => {
        const id = requireId(req);
        // UpdateSession may change project_id, unlike REST PATCH.
        const patch = fieldsOfRequest(
          resource,
          req,
          (field, spec) => spec.patch === true || field === 'project_id',
        );
        return message(store.update(resource, id, patch));
      }),
      [names.delete]: unary(resource, 'delete', names.delete, (req) => {
        store.delete(resource, requireId(req));
        return {};
      }),
      [names.list]: unary(resource, 'list', names.list, (req) => {
        const page = Math.max(1, Number(req.page ?? 0));
        const rawSize = Number(req.size ?? 0);
        const size = rawSize < 1 || rawSize > GRPC_MAX_PAGE_SIZE ? GRPC_DEFAULT_PAGE_SIZE : rawSize;
        const result = store.list(resource, { page, size });
        return {
          items: result.items.map(message),
          metadata: { page, size: result.items.length, total: result.total },
        };
      }),
      [names.watch]: ((call) => {
        guard({ protocol: 'grpc', operation: 'watch', resource }, call.metadata, names.watch).then(
          () => core.watchHub.open(resource, call),
          // grpc-js sends an 'error' emitted on a server stream as the call's final status.
          (err: unknown) => call.emit('error', toServiceError(err)),
        );
      }) as Streaming,
    };
    if (resource === 'sessions') {
      handlers.UpdateSessionStatus = unary(resource, 'status', 'UpdateSessionStatus', (req) => {
        const id = requireId(req);
        return message(
          store.updateStatus(
            id,
            fieldsOfRequest('sessions', req, (_f, spec) => spec.status === true),
          ),
        );
      });
    }
    server.addService(services[resource].service, handlers as grpc.UntypedServiceImplementation);
  }
  return server;
}

/** Binds the server; resolves with the bound port. */
export function bindGrpcServer(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}
