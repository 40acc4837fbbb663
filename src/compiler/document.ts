import { parseBlocks, type Block } from './blocks.ts';
import type { Position } from './notes.ts';

/** A heading's text and where it stands. */
export interface Heading extends Position {
  text: string;
}

/** A run of source lines (0-based, end exclusive) and the top-level blocks in it. */
export interface Region {
  start: number;
  end: number;
  blocks: Block[];
}

/** A `###` agent or step: its heading and everything up to the next heading of level ≤ 3. */
export interface Item extends Region {
  heading: Heading;
}

/** A `##` section, with its `###` items (blocks before the first one are in `intro`). */
export interface Section extends Region {
  name: string;
  heading: Heading;
  intro: Block[];
  items: Item[];
}

export interface Structure {
  lines: string[];
  title?: Heading;
  /** The source between the title and the first section, trimmed. */
  description: string;
  sections: Section[];
}

export function headingAt(lines: string[], block: Extract<Block, { type: 'heading' }>): Heading {
  const line = lines[block.start] ?? '';
  const found = block.text ? line.indexOf(block.text) : -1;
  return { text: block.text, line: block.start + 1, column: (found >= 0 ? found : line.search(/\S|$/)) + 1 };
}

/** The source text of lines [start, end), without leading and trailing blank lines. */
export function sourceText(lines: string[], start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && lines[from].trim() === '') from++;
  while (to > from && lines[to - 1].trim() === '') to--;
  return lines.slice(from, to).join('\n');
}

function isHeading(block: Block, maxDepth: number): block is Extract<Block, { type: 'heading' }> {
  return block.type === 'heading' && block.depth <= maxDepth;
}

/** Splits `blocks` at headings of level ≤ `depth`; each part runs to the next such heading (or `end`). */
function splitAt(blocks: Block[], depth: number, lines: string[], end: number) {
  const parts: { heading: Heading; start: number; end: number; blocks: Block[] }[] = [];
  const before: Block[] = [];
  for (const block of blocks) {
    if (isHeading(block, depth)) {
      const previous = parts.at(-1);
      if (previous) previous.end = block.start;
      parts.push({ heading: headingAt(lines, block), start: block.end, end, blocks: [] });
    } else if (parts.length > 0) parts.at(-1)!.blocks.push(block);
    else before.push(block);
  }
  return { before, parts };
}

/** `source` must use `\n` line endings. */
export function parseStructure(source: string): Structure {
  const lines = source.split('\n');
  const blocks = parseBlocks(source);
  const titleIndex = blocks.findIndex((block) => isHeading(block, 1));
  const titleBlock = titleIndex >= 0 ? (blocks[titleIndex] as Extract<Block, { type: 'heading' }>) : undefined;
  const firstSection = blocks.findIndex((block, i) => i > titleIndex && isHeading(block, 2));
  const descriptionEnd = firstSection >= 0 ? blocks[firstSection].start : lines.length;

  const sections: Section[] = [];
  // A later level-1 heading starts a section of its own (and is reported as an unknown section).
  const afterTitle = blocks.slice(titleIndex + 1);
  for (const part of splitAt(afterTitle, 2, lines, lines.length).parts) {
    const { before, parts } = splitAt(part.blocks, 3, lines, part.end);
    sections.push({
      name: part.heading.text,
      heading: part.heading,
      start: part.start,
      end: part.end,
      blocks: part.blocks,
      intro: before,
      items: parts,
    });
  }
  return {
    lines,
    title: titleBlock ? headingAt(lines, titleBlock) : undefined,
    description: titleBlock ? sourceText(lines, titleBlock.end, descriptionEnd) : '',
    sections,
  };
}
