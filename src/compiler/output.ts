import type { Section } from './document.ts';
import { isPath } from './paths.ts';
import { OUTPUT_TYPES, type OutputType, type Plan } from './plan.ts';
import { readBody } from './properties.ts';
import { checkPath, checkTemplates, type Scope } from './references.ts';
import { choice } from './values.ts';

type Output = Pick<Plan, 'output' | 'outputMode' | 'outputType'>;

/** The `## Output` section: a single path, or a template of any markdown; `Type:` says what it is. */
export function readOutput(lines: string[], section: Section | undefined, scope: Scope): Output {
  const { notes, steps } = scope;
  const last = steps.at(-1);
  if (!section) {
    const output = last ? `steps.${last.id}.output` : '';
    if (last) notes.info('DEFAULT_OUTPUT', `There is no \`## Output\` section, so the output is the last step's: \`${output}\`.`, last.at);
    return { output, outputMode: 'path', outputType: 'markdown' };
  }
  const { properties, text, textLines } = readBody(lines, { start: section.start, end: section.end, blocks: section.blocks }, ['Type'], notes);
  const typeProperty = properties.get('Type');
  const outputType: OutputType = (typeProperty && choice(typeProperty, OUTPUT_TYPES, notes)) || 'markdown';
  const trimmed = text.trim();
  if (!trimmed) {
    notes.error('EMPTY_OUTPUT', 'The `## Output` section is empty: write a path such as `steps.final.output`, or a template.', section.heading);
    return { output: '', outputMode: 'path', outputType };
  }
  if (isPath(trimmed)) {
    checkPath(scope, trimmed, { item: false, at: { line: textLines[0], column: lines[textLines[0] - 1].indexOf(trimmed) + 1 } });
    return { output: trimmed, outputMode: 'path', outputType };
  }
  checkTemplates(scope, text, textLines, { item: false });
  return { output: text, outputMode: 'template', outputType };
}
