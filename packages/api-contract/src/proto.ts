import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ApiResource } from './resources.js';
import { API_RESOURCES } from './resources.js';

/** Directory holding `ambient/v1/*.proto` (the import root, as upstream's `proto/`). */
export const AMBIENT_PROTO_DIR = fileURLToPath(new URL('../proto', import.meta.url));

export const AMBIENT_PROTO_FILES = [
  'ambient/v1/common.proto',
  'ambient/v1/sessions.proto',
  'ambient/v1/projects.proto',
  'ambient/v1/project_settings.proto',
  'ambient/v1/users.proto',
] as const;

/**
 * Loader options both sides use: snake_case field names as on the wire, unset optional fields absent
 * (so "not given" and "empty" stay distinct), enums as their names, int64 seconds as numbers.
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [AMBIENT_PROTO_DIR],
};

/** The service constructors (clients) and definitions (servers) of `ambient.v1`, by resource. */
export type AmbientServices = Record<ApiResource, grpc.ServiceClientConstructor>;

let cached: AmbientServices | undefined;

/** Loads the `.proto` files once per process. */
export function loadAmbientServices(): AmbientServices {
  if (cached) return cached;
  const definition = protoLoader.loadSync([...AMBIENT_PROTO_FILES], LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition);
  const ambient = root.ambient as grpc.GrpcObject;
  const v1 = ambient.v1 as grpc.GrpcObject;
  const service = (name: string): grpc.ServiceClientConstructor => {
    const ctor = v1[name];
    if (typeof ctor !== 'function') throw new Error(`ambient.v1.${name} is missing from the .proto files`);
    return ctor as grpc.ServiceClientConstructor;
  };
  cached = {
    sessions: service(API_RESOURCES.sessions.service),
    projects: service(API_RESOURCES.projects.service),
    project_settings: service(API_RESOURCES.project_settings.service),
    users: service(API_RESOURCES.users.service),
  };
  return cached;
}
