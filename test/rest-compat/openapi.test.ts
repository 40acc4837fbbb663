import SwaggerParser from '@apidevtools/swagger-parser';
import { BaseResolver, createConfig, lintDocument, makeDocumentFromString } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS } from '../../rest-compat/mount.ts';

const routes = PRODUCTS.flatMap((product) => product.routes);
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document as served
let document: any;
beforeAll(async () => {
  t = await startTestApp({ env: { PUBLIC_URL: 'https://baton.acme.dev' } });
  document = await (await fetch(`${t.url}/openapi.json`)).json();
});
afterAll(() => t.stop());

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document to swagger-parser', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
  });

  it('has no error and no warning in Redocly’s recommended rules', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const all = await lintDocument({ document: makeDocumentFromString(JSON.stringify(document), '/openapi.json'), config, externalRefResolver: new BaseResolver() });
    // The product document fixes POST /api/workflow-recipes/install/{id} beside /{recipe_id}/…, which
    // Redocly rightly calls ambiguous: Baton's router tries the literal `install` first
    // (test/rest-compat/marketplace.test.ts). Only those, and each recipe path once.
    const contractual = (problem: (typeof all)[number]) => problem.ruleId === 'no-ambiguous-paths' && problem.message.includes('`/api/workflow-recipes/install/{id}` and `/api/workflow-recipes/{recipe_id}/');
    expect(all.filter(contractual).length).toBe(6);
    const problems = all.filter((problem) => !contractual(problem));
    expect(problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
  });

  it('describes every route of both products once, under servers at the root and /orchestrator of PUBLIC_URL (the recipe API at the root only)', () => {
    expect(document.servers.map((server: { url: string }) => server.url)).toEqual(['https://baton.acme.dev', 'https://baton.acme.dev/orchestrator']);
    const operations = Object.entries(document.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([method]) => method !== 'servers')
        .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.operationId]),
    );
    expect(document.paths['/api/agents'].servers).toEqual([{ url: 'https://baton.acme.dev', description: 'At the root' }]);
    expect(operations.map(([operation]) => operation).sort()).toEqual(routes.map((route) => `${route.method} ${route.path.replace(/:([a-z_]+)/g, '{$1}')}`).sort());
    expect(new Set(operations.map(([, id]) => id)).size).toBe(routes.length);
  });

  it('declares nullable fields as nullable, and every example validates against its schema', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    ajv.addSchema(document, 'openapi');
    expect(document.components.schemas.Execution.properties.completed_at.anyOf).toContainEqual({ type: 'null' });
    expect(document.components.schemas.Step.properties.agent_id.type).toEqual(['string', 'null']);
    let examples = 0;
    for (const [path, methods] of Object.entries(document.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown; example: unknown }> }> }>>)) {
      for (const [method, operation] of Object.entries(methods).filter(([key]) => key !== 'servers')) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const content = response.content?.['application/json'];
          if (!content || content.example === undefined) continue;
          const validate = ajv.compile({ $ref: `openapi#/paths/${encodeURIComponent(path.replace(/~/g, '~0').replace(/\//g, '~1'))}/${method}/responses/${status}/content/application~1json/schema` });
          expect(validate(content.example), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
          examples++;
        }
      }
    }
    expect(examples).toBe(routes.filter((route) => route.response).length);
  });
});
