/**
 * Paths name values: `inputs.topic`, `steps.plan.output.items[0].name`, `item.name`, `index`.
 * Segments after the first may start with a digit (step ids are slugs, `1st_pass`).
 */
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+|\[\d+\])*$/;

export type Segment = string | number;

export function isPath(text: string): boolean {
  return PATH.test(text);
}

/** `steps.plan.output.items[0]` → ['steps', 'plan', 'output', 'items', 0]; undefined when malformed. */
export function parsePath(text: string): Segment[] | undefined {
  if (!PATH.test(text)) return undefined;
  const segments: Segment[] = [];
  for (const match of text.matchAll(/([A-Za-z0-9_]+)|\[(\d+)\]/g)) {
    segments.push(match[2] === undefined ? match[1] : Number(match[2]));
  }
  return segments;
}

/** Follows `segments` into a JSON value; undefined when a segment does not exist. */
export function dig(value: unknown, segments: readonly Segment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
