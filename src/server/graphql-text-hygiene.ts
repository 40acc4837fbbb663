import { GraphQLError, Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { textProblem, unsafeText } from './text-hygiene.ts';

const refusal = (found: string) => new GraphQLError(`Bad request: ${found}`, { extensions: { code: 'BAD_REQUEST', detail: found, http: { status: 400 } } });

/** Variables holding a string Postgres cannot store, as the 400 that names the variable. */
export function unsafeVariables(variables: unknown): GraphQLError | undefined {
  const found = unsafeText(variables ?? {}, 'variables');
  return found ? refusal(found) : undefined;
}

function unsafeLiteral(document: DocumentNode): GraphQLError | undefined {
  let found: string | undefined;
  visit(document, {
    [Kind.STRING]: (node) => {
      const problem = textProblem(node.value);
      if (problem) {
        found = `the string at line ${node.loc?.startToken.line ?? '?'}, column ${node.loc?.startToken.column ?? '?'} of the query ${problem}`;
        return false;
      }
      return undefined;
    },
  });
  return found ? refusal(found) : undefined;
}

/**
 * Refuses NUL and lone surrogates in an operation's variables (over HTTP; the WebSocket server checks
 * its own) and in its string literals (`"\u0000"` escapes), before it runs.
 */
export const textHygiene: Plugin = {
  onParams: ({ params }) => {
    const refused = unsafeVariables(params.variables);
    if (refused) throw refused;
  },
  onParse: () => ({ result, replaceParseResult }) => {
    if (result instanceof Error || !result) return;
    const refused = unsafeLiteral(result as DocumentNode);
    if (refused) replaceParseResult(refused);
  },
};
