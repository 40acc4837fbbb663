/**
 * Model aliases → model ids. Configuration, not code: `compile` takes a registry, and the server
 * builds it from these defaults plus BATON_MODELS. The defaults are the newest model of each family
 * that the installed @anthropic-ai/sdk lists (a test keeps them in step with the SDK).
 */
export type ModelRegistry = Readonly<Record<string, string>>;

/** The built-in offline model: needs no key, and says in its output that it is not a real model. */
export const OFFLINE_MODEL = 'offline';

export const DEFAULT_MODELS: ModelRegistry = {
  opus: 'claude-opus-5-5',
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
  fable: 'claude-fable-5-2',
  mythos: 'claude-mythos-5-2',
  offline: OFFLINE_MODEL,
};

export const DEFAULT_ALIAS = 'Sonnet';

/** A full model id as the API names them (`claude-sonnet-4-5-20250929`). */
const MODEL_ID = /^claude-[a-z0-9][a-z0-9.-]*$/;

/** The id an alias or full id names, or undefined when it names none. */
export function resolveModel(registry: ModelRegistry, written: string): string | undefined {
  const name = written.trim().toLowerCase();
  // Own keys only: `constructor` must not resolve to Object's.
  const alias = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (alias) return alias;
  return MODEL_ID.test(written.trim()) ? written.trim() : undefined;
}
