import { trace } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { activeTracer } from '../telemetry/tracer.ts';

function describe(document: DocumentNode, operationName: string | null | undefined): void {
  const span = trace.getActiveSpan();
  const operation = span && getOperationAST(document, operationName);
  if (!operation) return;
  span.setAttribute('graphql.operation.type', operation.operation);
  if (operation.name) span.setAttribute('graphql.operation.name', operation.name.value);
}

/**
 * Names the GraphQL operation on the HTTP request's span (request-span.ts), when tracing: its type
 * and name, never its document or variables. REST requests, which run their GraphQL operation in
 * process, get theirs too. WebSocket operations have no request span.
 */
export const graphqlSpan: Plugin = {
  onExecute({ args }) {
    if (activeTracer()) describe(args.document, args.operationName);
  },
  onSubscribe({ args }) {
    if (activeTracer()) describe(args.document, args.operationName);
  },
};
