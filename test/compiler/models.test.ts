import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODELS, resolveModel } from '../../src/compiler/models.ts';

/** The model ids the installed SDK lists, in its order (newest first within a family). */
function sdkModels(): string[] {
  const root = dirname(createRequire(import.meta.url).resolve('@anthropic-ai/sdk'));
  const types = readFileSync(join(root, 'resources/messages/messages.d.ts'), 'utf8');
  const union = /export type Model = ([^;]+);/.exec(types)![1];
  return [...union.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

const version = (id: string) => id.replace(/^claude-[a-z]+-?/, '').split('-').map(Number);
const newer = (a: string, b: string) => {
  const [x, y] = [version(a), version(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

describe('the default model registry', () => {
  it('maps each family alias to the newest model of that family the installed SDK lists', () => {
    const listed = sdkModels().filter((id) => !/\d{8}$/.test(id) && !id.includes('preview'));
    for (const [alias, id] of Object.entries(DEFAULT_MODELS)) {
      if (alias === 'offline') continue;
      const family = listed.filter((model) => model.startsWith(`claude-${alias}-`) || model === `claude-${alias}`);
      expect(family, `the SDK lists models of the ${alias} family`).not.toEqual([]);
      expect(family, `${id} is listed`).toContain(id);
      const newest = family.reduce((best, model) => (newer(model, best) ? model : best));
      expect(id, `newest ${alias}`).toBe(newest);
    }
  });

  it('resolves aliases in any case, full ids as they are, and nothing else', () => {
    expect(resolveModel(DEFAULT_MODELS, 'SONNET')).toBe(DEFAULT_MODELS.sonnet);
    expect(resolveModel(DEFAULT_MODELS, 'claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5-20250929');
    expect(resolveModel(DEFAULT_MODELS, 'Offline')).toBe('offline');
    expect(resolveModel(DEFAULT_MODELS, 'gpt-4')).toBeUndefined();
    expect(resolveModel(DEFAULT_MODELS, 'constructor')).toBeUndefined();
    expect(resolveModel(DEFAULT_MODELS, '__proto__')).toBeUndefined();
  });
});
