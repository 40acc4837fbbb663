import { parseEnv } from '../env.ts';
import { readMarkdown } from './markdown-file.ts';
import { UsageError } from './errors.ts';

/** `baton compile`: compiler notes as `file:line:column severity CODE message`, exit 1 when invalid. Offline: no server needed. */
export async function compileFile(file: string | undefined, json: boolean): Promise<void> {
  if (!file) throw new UsageError('compile needs a file: baton compile <file.md>');
  const markdown = await readMarkdown(file);
  const { compile } = await import('../compiler/compile.ts');
  const result = compile(markdown, { models: parseEnv().models });
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    for (const note of result.notes) console.log(`${file}:${note.line}:${note.column} ${note.severity} ${note.code} ${note.message}`);
    const errors = result.notes.filter((note) => note.severity === 'error').length;
    console.log(result.valid ? `${file}: valid (${result.plan.steps.length} steps)` : `${file}: ${errors} error${errors === 1 ? '' : 's'}`);
  }
  if (!result.valid) process.exitCode = 1;
}
