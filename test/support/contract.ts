import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Document = { paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>> };

/** JSON pointer of a key (RFC 6901), as a URI fragment. */
const pointer = (...keys: string[]) => keys.map((key) => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

const checkers = new Map<string, Promise<(method: string, path: string, status: number, body: unknown) => void>>();

/**
 * The contract test: every REST response the suite reads is checked against the app's own
 * `/openapi.json` — its status must be documented for the route, and its body must match the
 * documented schema; a mismatch throws with the JSON path of the first difference.
 */
export function contractOf(baseUrl: string) {
  let checker = checkers.get(baseUrl);
  if (!checker) {
    checker = (async () => {
      const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Document;
      const ajv = new Ajv2020({ strict: false, allErrors: false });
      addFormats.default(ajv);
      ajv.addSchema(document, 'openapi');
      const templates = Object.keys(document.paths).map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[a-z_]+\}/g, '[^/]+')}$`) }));
      return (method, path, status, body) => {
        const bare = path.split('?')[0].replace(/^\/orchestrator(?=\/)/, '');
        const route = templates.find(({ pattern }) => pattern.test(bare));
        const operation = route && document.paths[route.template][method.toLowerCase()];
        if (!route || !operation) return; // not a documented route (404 for an unknown path)
        const response = operation.responses[status];
        if (!response) throw new Error(`contract: ${method} ${route.template} answered ${status}, which its OpenAPI operation does not document`);
        const location = response.$ref
          ? `openapi#${response.$ref.slice(1)}/content/application~1json/schema`
          : `openapi#/${pointer('paths', route.template, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema')}`;
        if (!response.$ref && !response.content) {
          if (body !== '') throw new Error(`contract: ${method} ${route.template} ${status} documents no body, got ${JSON.stringify(body).slice(0, 200)}`);
          return;
        }
        const validate = ajv.getSchema(location);
        if (!validate) throw new Error(`contract: no schema at ${location}`);
        if (!validate(body)) {
          const [first] = validate.errors ?? [];
          throw new Error(`contract: ${method} ${route.template} ${status}: the body at \`${first?.instancePath || '/'}\` ${first?.message} (${JSON.stringify(first?.params)}); body: ${JSON.stringify(body).slice(0, 300)}`);
        }
      };
    })();
    checkers.set(baseUrl, checker);
  }
  return checker;
}
