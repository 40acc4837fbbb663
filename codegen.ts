import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for every `graphql(...)` operation written in the tests, the REST layer, the CLI and the
// API guide's examples,
// checked against the committed schema.graphql.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/**/*.ts', 'rest-compat/**/*.ts', 'docs/examples/**/*.ts', 'src/cli/**/*.ts'],
  ignoreNoDocuments: true,
  generates: {
    'src/generated/graphql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, emitLegacyCommonJSImports: false, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
