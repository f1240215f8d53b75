import type { ApiResource } from '@ambient-operator/api-contract';
import {
  AMBIENT_API_BASE_PATH,
  API_RESOURCES,
  API_RESOURCE_NAMES,
  API_SESSION_PHASES,
  STARTABLE_PHASES,
  STOPPABLE_PHASES,
  isValidProjectName,
  microsToIso,
} from '@ambient-operator/api-contract';
import { ApiSimError } from './errors.js';
import { newKsuid } from './ksuid.js';
import type { ApiObject, Predicate } from './search.js';

export type WatchEventType = 'CREATED' | 'UPDATED' | 'DELETED';

/** What a write tells the watch streams: the resource and the id (streams re-read the object at send time). */
export interface StoreEvent {
  resource: ApiResource;
  type: WatchEventType;
  id: string;
}

export interface ListQuery {
  filter?: Predicate;
  order?: (a: ApiObject, b: ApiObject) => number;
  page: number;
  size: number;
}

export interface StatusWriteCount {
  writes: number;
  /** Writes whose every value equalled what the session already held. */
  unchanged: number;
}

export interface ListPage {
  items: ApiObject[];
  page: number;
  total: number;
}

/** The persisted form of the store (`--data`). */
export interface StoreSnapshot {
  objects: Record<ApiResource, ApiObject[]>;
  /** Project names stay taken after a (soft) delete. */
  takenProjectNames: string[];
}

const SESSION_DEFAULTS = { llm_model: 'sonnet', llm_temperature: 0.7, llm_max_tokens: 4000 };

/**
 * The server's data and write rules. Every write (status, start and stop included, even a no-op)
 * emits one event; deletes are soft, so a deleted project's name stays taken.
 */
export class ApiStore {
  private readonly objects = new Map<ApiResource, Map<string, ApiObject>>(
    API_RESOURCE_NAMES.map((r) => [r, new Map<string, ApiObject>()]),
  );
  private readonly takenProjectNames = new Set<string>();
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private lastMicros = 0;
  private readonly statusWriteCounts = new Map<string, StatusWriteCount>();

  /** Registers a listener for every write; returns the unsubscribe function. */
  onEvent(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(resource: ApiResource, id: string): ApiObject {
    const obj = this.table(resource).get(id);
    if (!obj) throw ApiSimError.of('notFound', `${API_RESOURCES[resource].kind} with id='${id}' not found`);
    return obj;
  }

  find(resource: ApiResource, id: string): ApiObject | undefined {
    return this.table(resource).get(id);
  }

  count(resource: ApiResource): number {
    return this.table(resource).size;
  }

  list(resource: ApiResource, query: ListQuery): ListPage {
    let items = [...this.table(resource).values()];
    if (query.filter) items = items.filter(query.filter);
    if (query.order) items.sort(query.order);
    const start = (query.page - 1) * query.size;
    return { items: items.slice(start, start + query.size), page: query.page, total: items.length };
  }

  create(resource: ApiResource, fields: Record<string, unknown>): ApiObject {
    const id = this.newId(resource, fields);
    this.checkCreate(resource, fields);
    const now = this.nowIso();
    const obj: ApiObject = {
      id,
      kind: API_RESOURCES[resource].kind,
      href: `${AMBIENT_API_BASE_PATH}/${resource}/${id}`,
      created_at: now,
      updated_at: now,
      ...fields,
    };
    if (resource === 'sessions') {
      obj.kube_cr_name = id;
      for (const [key, value] of Object.entries(SESSION_DEFAULTS)) {
        if (obj[key] === undefined || obj[key] === '') obj[key] = value;
      }
    }
    if (resource === 'projects') this.takenProjectNames.add(String(fields.name));
    this.table(resource).set(id, obj);
    this.emit(resource, 'CREATED', id);
    return obj;
  }

  update(resource: ApiResource, id: string, patch: Record<string, unknown>): ApiObject {
    const current = this.get(resource, id);
    this.checkUpdate(resource, current, patch);
    if (resource === 'projects' && typeof patch.name === 'string') this.takenProjectNames.add(patch.name);
    return this.write(resource, id, { ...current, ...patch });
  }

  /** `/status`: applies the keys given, any phase allowed, `{}` accepted. */
  updateStatus(id: string, patch: Record<string, unknown>): ApiObject {
    const current = this.get('sessions', id);
    if (patch.phase !== undefined && !(API_SESSION_PHASES as readonly unknown[]).includes(patch.phase))
      throw ApiSimError.of('validation', `invalid phase "${String(patch.phase)}"`);
    const counted = this.statusWriteCounts.get(id) ?? { writes: 0, unchanged: 0 };
    counted.writes++;
    // Status values are strings and numbers (JSON fields as text), so === tells a write that changed nothing.
    if (Object.entries(patch).every(([key, value]) => current[key] === value)) counted.unchanged++;
    this.statusWriteCounts.set(id, counted);
    return this.write('sessions', id, { ...current, ...patch });
  }

  /**
   * Status writes accepted per session id since the last reset, and how many of them changed nothing (a
   * write-back that should have been suppressed). Kept for deleted sessions too, until the reset.
   */
  statusWrites(): Record<string, StatusWriteCount> {
    return Object.fromEntries([...this.statusWriteCounts].map(([id, c]) => [id, { ...c }]));
  }

  resetStatusWrites(): void {
    this.statusWriteCounts.clear();
  }

  start(id: string): ApiObject {
    const current = this.get('sessions', id);
    const phase = typeof current.phase === 'string' ? current.phase : '';
    if (phase !== '' && !STARTABLE_PHASES.includes(phase))
      throw ApiSimError.of(
        'conflict',
        `cannot start session in phase "${phase}"; must be empty, Stopped, Failed, or Completed`,
      );
    return this.write('sessions', id, { ...current, phase: 'Pending' });
  }

  stop(id: string): ApiObject {
    const current = this.get('sessions', id);
    const phase = typeof current.phase === 'string' ? current.phase : '';
    if (!STOPPABLE_PHASES.includes(phase))
      throw ApiSimError.of(
        'conflict',
        `cannot stop session in phase "${phase}"; must be Running, Creating, or Pending`,
      );
    return this.write('sessions', id, { ...current, phase: 'Stopping' });
  }

  /** Deleting an unknown id succeeds and still emits DELETED, as upstream. */
  delete(resource: ApiResource, id: string): void {
    this.table(resource).delete(id);
    this.emit(resource, 'DELETED', id);
  }

  snapshot(): StoreSnapshot {
    const objects = Object.fromEntries(
      API_RESOURCE_NAMES.map((r) => [r, [...this.table(r).values()]]),
    ) as Record<ApiResource, ApiObject[]>;
    return { objects, takenProjectNames: [...this.takenProjectNames] };
  }

  restore(snapshot: StoreSnapshot): void {
    for (const resource of API_RESOURCE_NAMES) {
      const table = this.table(resource);
      table.clear();
      for (const obj of snapshot.objects[resource] ?? []) table.set(String(obj.id), obj);
    }
    this.takenProjectNames.clear();
    for (const name of snapshot.takenProjectNames) this.takenProjectNames.add(name);
  }

  private write(resource: ApiResource, id: string, next: ApiObject): ApiObject {
    const obj = { ...next, updated_at: this.nowIso() };
    this.table(resource).set(id, obj);
    this.emit(resource, 'UPDATED', id);
    return obj;
  }

  private newId(resource: ApiResource, fields: Record<string, unknown>): string {
    if (resource !== 'projects') return newKsuid();
    const name = String(fields.name ?? '');
    if (!isValidProjectName(name)) throw invalidProjectName(name);
    return name;
  }

  private checkCreate(resource: ApiResource, fields: Record<string, unknown>): void {
    if (resource === 'projects' && this.takenProjectNames.has(String(fields.name)))
      throw ApiSimError.of('conflict', 'This Project already exists');
    if (resource === 'project_settings') {
      this.requireProject(String(fields.project_id));
      const taken = [...this.table('project_settings').values()].some(
        (s) => s.project_id === fields.project_id,
      );
      if (taken) throw ApiSimError.of('conflict', 'This ProjectSettings already exists');
    }
    if (resource === 'sessions') this.requireParentSession(fields.parent_session_id);
  }

  private checkUpdate(resource: ApiResource, current: ApiObject, patch: Record<string, unknown>): void {
    if (resource === 'projects' && patch.name !== undefined) {
      const name = String(patch.name);
      if (!isValidProjectName(name)) throw invalidProjectName(name);
      if (name !== current.name && this.takenProjectNames.has(name))
        throw ApiSimError.of('conflict', 'This Project already exists');
    }
    if (resource === 'project_settings' && patch.project_id !== undefined)
      this.requireProject(String(patch.project_id));
    if (resource === 'sessions') this.requireParentSession(patch.parent_session_id);
  }

  /** Foreign keys are database constraints upstream, so a violation is a 500. */
  private requireProject(projectId: string): void {
    if (!this.table('projects').has(projectId))
      throw ApiSimError.of('database', `foreign key violation: project '${projectId}' does not exist`);
  }

  private requireParentSession(parent: unknown): void {
    if (parent === undefined || parent === '') return;
    if (!this.table('sessions').has(String(parent)))
      throw ApiSimError.of('database', `foreign key violation: session '${String(parent)}' does not exist`);
  }

  private emit(resource: ApiResource, type: WatchEventType, id: string): void {
    for (const listener of this.listeners) listener({ resource, type, id });
  }

  private table(resource: ApiResource): Map<string, ApiObject> {
    return this.objects.get(resource)!;
  }

  /** Strictly increasing µs, so every write moves `updated_at`. */
  private nowIso(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return microsToIso(this.lastMicros);
  }
}

function invalidProjectName(name: string): ApiSimError {
  return ApiSimError.of(
    'validation',
    `project name "${name}" must be 2-63 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`,
  );
}
