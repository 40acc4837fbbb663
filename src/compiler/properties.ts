import type { Region } from './document.ts';
import { closest, type Notes, type Position } from './notes.ts';

/** A `Key: value` line: the key as the spec spells it, the value trimmed, and where both start. */
export interface Property {
  key: string;
  value: string;
  at: Position;
  valueAt: Position;
}

export interface Body {
  properties: Map<string, Property>;
  /** Everything that is not a property line, exactly as written, blank lines trimmed at both ends. */
  text: string;
  /** The 1-based source line of each line of `text`. */
  textLines: number[];
}

const LINE = /^( {0,3})([A-Za-z][A-Za-z0-9 _-]{0,40}?)[ \t]*:(?:[ \t]+(.*))?$/;
const normal = (key: string) => key.toLowerCase().replace(/[\s_-]+/g, ' ').trim();

/**
 * Reads a region's property lines. Only lines of top-level paragraphs can be properties (never a
 * code block, list, quote or table). A known key given twice is an error; an unknown key that is
 * close to a known one stays in the text and gets a warning.
 */
const lookups = new WeakMap<readonly string[], Map<string, string>>();

export function readBody(lines: string[], region: Region, keys: readonly string[], notes: Notes): Body {
  let byNormal = lookups.get(keys);
  if (!byNormal) lookups.set(keys, (byNormal = new Map(keys.map((key) => [normal(key), key]))));
  const properties = new Map<string, Property>();
  const taken = new Set<number>();
  for (const block of region.blocks) {
    if (block.type !== 'paragraph') continue;
    for (let index = block.start; index < block.end; index++) {
      const colon = lines[index].indexOf(':');
      const match = colon > 0 && colon < 48 ? LINE.exec(lines[index]) : null;
      if (!match) continue;
      const [, indent, rawKey] = match;
      const rawValue = (match[3] ?? '').trimEnd();
      const at = { line: index + 1, column: indent.length + 1 };
      const key = byNormal.get(normal(rawKey));
      if (!key) {
        const near = closest(rawKey, keys);
        if (near) notes.warning('UNKNOWN_PROPERTY', `\`${rawKey.trim()}:\` is not a property here, so this line stays in the text. Did you mean \`${near}:\`?`, at);
        continue;
      }
      taken.add(index);
      if (properties.has(key)) {
        notes.error('DUPLICATE_PROPERTY', `\`${key}\` is given twice (first on line ${properties.get(key)!.at.line}); keep one.`, at);
        continue;
      }
      const valueColumn = rawValue ? lines[index].indexOf(rawValue, indent.length + rawKey.length + 1) + 1 : lines[index].length + 1;
      properties.set(key, { key, value: rawValue.trim(), at, valueAt: { line: index + 1, column: valueColumn } });
    }
  }
  let first = region.start;
  let last = region.end;
  const blank = (i: number) => taken.has(i) || lines[i].trim() === '';
  while (first < last && blank(first)) first++;
  while (last > first && blank(last - 1)) last--;
  const kept: number[] = [];
  for (let i = first; i < last; i++) if (!taken.has(i)) kept.push(i);
  return { properties, text: kept.map((i) => lines[i]).join('\n'), textLines: kept.map((i) => i + 1) };
}
