import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { validate } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { limitExceeded } from '../schema/field-cost.ts';
import type { ServerContext } from './yoga.ts';

/** What one GraphQL operation may ask for; see README, "GraphQL limits". */
export interface GraphQLLimits {
  /** Tokens in the document; counted while parsing, which stops at the first one over. */
  maxTokens: number;
  /** Nesting of selections, introspection included. */
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  /** Budget of an operation's cost: each field 1, times the items of every list it sits in. */
  maxCost: number;
}

/** Armor's rules only say "… exceeded, found N." and the count is wanted in our own words. */
const found = (message: string) => Number(/found (\d+)/.exec(message)?.[1]);

function reject(limit: string, describe: (actual: number) => string, max: number): GraphQLArmorRejectCallback {
  return (context, error) => {
    const actual = found(error.message);
    context?.reportError(limitExceeded(limit, describe(actual), max, actual));
  };
}

/**
 * GraphQL Armor's limits and the schema's cost, as envelop plugins. They run in parse and validate,
 * which yoga (and the WebSocket server, through getEnveloped) runs before the context factory, so
 * an abusive operation is refused before authentication and before any resolver.
 */
export function graphqlLimits(limits: GraphQLLimits): Plugin[] {
  const { maxTokens, maxDepth, maxAliases, maxDirectives, maxCost } = limits;
  const tokens = maxTokensPlugin<YogaInitialContext>({
    n: maxTokens,
    // Thrown from inside the lexer, so parsing ends at the first token over the limit.
    onReject: [
      () => {
        throw limitExceeded('tokens', `The document exceeds the limit of ${maxTokens} tokens`, maxTokens);
      },
    ],
  });
  const shape: Plugin = {
    onValidate({ addValidationRule, context, params: { schema, documentAST } }) {
      const armor = { propagateOnRejection: false, exposeLimits: true };
      addValidationRule(
        maxDepthRule({ ...armor, n: maxDepth, ignoreIntrospection: false, flattenFragments: true, onReject: [reject('depth', (n) => `Query depth ${n} exceeds the limit of ${maxDepth}`, maxDepth)] }),
      );
      addValidationRule(maxAliasesRule({ ...armor, n: maxAliases, onReject: [reject('aliases', (n) => `${n} aliases exceed the limit of ${maxAliases}`, maxAliases)] }));
      addValidationRule(
        maxDirectivesRule({ ...armor, n: maxDirectives, onReject: [reject('directives', (n) => `${n} directives exceed the limit of ${maxDirectives}`, maxDirectives)] }),
      );
      // Cost reads argument values, so it is measured only once the document is otherwise valid
      // (on an invalid one it would throw or repeat the standard errors). It also reads the
      // variables (`first: $n`), so it runs here, after yoga's validation cache (which keeps the
      // result of the rules above by document), on every request. The REST layer's own documents
      // skip it (ServerContext.ownDocument).
      return ({ valid, setResult }) => {
        if (!valid || (context as ServerContext).ownDocument) return;
        const cost = createComplexityRule({
          context,
          variableValues: context.params?.variables ?? {},
          operationName: context.params?.operationName,
          validate: ({ complexity }, report) => {
            if (complexity > maxCost) report(limitExceeded('cost', `Query cost ${complexity} exceeds the limit of ${maxCost}`, maxCost, complexity));
          },
        });
        const errors = validate(schema, documentAST, [cost]);
        if (errors.length > 0) setResult([...errors]);
      };
    },
  };
  const status: Plugin = {
    // Yoga marks parse and validation errors as the spec's (`http.spec`), which it answers with 200
    // to clients that accept application/json; a refused limit is a 400 for every client.
    onResultProcess({ result }) {
      for (const each of Array.isArray(result) ? result : [result]) {
        if (!('errors' in each)) continue;
        for (const error of each.errors ?? []) {
          const http = error.extensions?.http as { spec?: boolean } | undefined;
          if (error.extensions?.code === 'QUERY_TOO_COMPLEX' && http) http.spec = false;
        }
      }
    },
  };
  return [tokens, shape, status];
}
