import { describe, expect, test } from 'vitest';
import {
  ChildInputError,
  loadModelsManifest,
  parseModelsManifest,
  problemsConcerning,
  resolveVertexModelId,
} from '../../src/children/index.js';

const MANIFEST = parseModelsManifest(
  JSON.stringify({
    version: 1,
    defaultModel: 'claude-sonnet-4-6',
    models: [
      { id: 'claude-sonnet-4-6', vertexId: 'claude-sonnet-4-6@20260101', available: true },
      { id: 'claude-opus-4-6', vertexId: 'claude-opus-4-6@20260101', available: false },
      { id: 'claude-haiku-4-5', available: true },
    ],
  }),
);

describe('models manifest (upstream models_test)', () => {
  test('malformed JSON is an error', () => {
    expect(() => parseModelsManifest('{"models": [')).toThrow(ChildInputError);
    expect(() => parseModelsManifest('{"models": [')).toThrow(/models manifest is not valid JSON/);
  });

  test('a wrong shape is an error naming the field', () => {
    expect(() => parseModelsManifest('{"models": [{"id": 5}]}')).toThrow(/models\[0\]\.id/);
  });

  test('returns the vertexId of an available model', () => {
    expect(resolveVertexModelId(MANIFEST, 'claude-sonnet-4-6')).toBe('claude-sonnet-4-6@20260101');
  });

  test('unknown, unavailable or vertexId-less models resolve to nothing', () => {
    expect(resolveVertexModelId(MANIFEST, 'gpt-9')).toBeUndefined();
    expect(resolveVertexModelId(MANIFEST, 'claude-opus-4-6')).toBeUndefined();
    expect(resolveVertexModelId(MANIFEST, 'claude-haiku-4-5')).toBeUndefined();
    expect(resolveVertexModelId(undefined, 'claude-sonnet-4-6')).toBeUndefined();
  });

  test('a manifest without models resolves nothing', () => {
    expect(resolveVertexModelId(parseModelsManifest('{}'), 'claude-sonnet-4-6')).toBeUndefined();
  });
});

describe('loadModelsManifest: one bad model costs that model only', () => {
  test('a model with a wrong type is skipped with a problem naming it; the others still resolve', () => {
    const loaded = loadModelsManifest(
      JSON.stringify({
        version: 'one',
        models: [
          { id: 'claude-sonnet-4-6', vertexId: 'claude-sonnet-4-6@20260101', available: true },
          { id: 'claude-opus-4-6', vertexId: 42, available: true },
        ],
      }),
    );
    expect(resolveVertexModelId(loaded.manifest, 'claude-sonnet-4-6')).toBe('claude-sonnet-4-6@20260101');
    expect(resolveVertexModelId(loaded.manifest, 'claude-opus-4-6')).toBeUndefined();
    expect(loaded.manifest).not.toHaveProperty('version');
    expect(problemsConcerning(loaded.problems, 'claude-opus-4-6')).toEqual([
      {
        scope: 'entry',
        id: 'claude-opus-4-6',
        message: expect.stringMatching(
          /^models manifest model "claude-opus-4-6" skipped, it gets no Vertex id: .*vertexId/,
        ),
      },
    ]);
    expect(problemsConcerning(loaded.problems, 'claude-sonnet-4-6')).toEqual([]);
  });

  test('a JSON error concerns every session and yields no manifest', () => {
    const loaded = loadModelsManifest('{"models": [');
    expect(loaded.manifest).toBeUndefined();
    expect(problemsConcerning(loaded.problems, 'claude-sonnet-4-6').map((p) => p.scope)).toEqual(['file']);
  });
});
