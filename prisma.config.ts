import { defineConfig } from 'prisma/config';

// Only the Prisma CLI reads this file. Baton applies migrations itself at start-up; the URL here
// is for `prisma migrate status/deploy` where the schema engine is available.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/baton' },
});
