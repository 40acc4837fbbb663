import MarkdownIt, { type Token } from 'markdown-it';

/**
 * The document's top-level block structure with line ranges, from markdown-it's block parser.
 * Only blocks matter to the language (headings, paragraphs that may hold property lines, lists of
 * inputs, fenced JSON schemas); inline markdown is never interpreted, so it is not parsed.
 */
export type Block =
  | { type: 'heading'; start: number; end: number; depth: number; text: string }
  | { type: 'paragraph'; start: number; end: number }
  | { type: 'list'; start: number; end: number; items: ListItem[] }
  | { type: 'fence'; start: number; end: number; info: string; content: string }
  | { type: 'other'; start: number; end: number };

/** A list item: its line range (0-based, end exclusive) and the text of its first paragraph. */
export interface ListItem {
  start: number;
  end: number;
  text: string;
}

// html: true so HTML blocks are blocks (not paragraphs whose lines could pass for properties).
const markdown = new MarkdownIt('default', { html: true });

function listItems(tokens: Token[], from: number, level: number): { items: ListItem[]; next: number } {
  const items: ListItem[] = [];
  let i = from + 1;
  for (; i < tokens.length && !(tokens[i].level === level && tokens[i].type.endsWith('_list_close')); i++) {
    const token = tokens[i];
    if (token.type === 'list_item_open' && token.level === level + 1 && token.map) {
      const first = tokens[i + 1]?.type === 'paragraph_open' ? tokens[i + 2] : undefined;
      items.push({ start: token.map[0], end: token.map[1], text: first?.type === 'inline' ? first.content : '' });
    }
  }
  return { items, next: i };
}

/** `source` must already use `\n` line endings. */
export function parseBlocks(source: string): Block[] {
  const tokens: Token[] = [];
  markdown.block.parse(source, markdown, {}, tokens);
  const blocks: Block[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.level !== 0 || !token.map || token.type.endsWith('_close')) continue;
    const [start, end] = token.map;
    if (token.type === 'heading_open') {
      blocks.push({ type: 'heading', start, end, depth: Number(token.tag.slice(1)), text: tokens[i + 1]?.content.trim() ?? '' });
    } else if (token.type === 'paragraph_open') {
      blocks.push({ type: 'paragraph', start, end });
    } else if (token.type === 'bullet_list_open' || token.type === 'ordered_list_open') {
      const { items, next } = listItems(tokens, i, token.level);
      blocks.push({ type: 'list', start, end, items });
      i = next;
    } else if (token.type === 'fence') {
      blocks.push({ type: 'fence', start, end, info: token.info.trim(), content: token.content });
    } else {
      blocks.push({ type: 'other', start, end });
    }
  }
  return blocks;
}
