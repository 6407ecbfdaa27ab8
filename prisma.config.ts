import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI only (generate; migrate deploy where its engine is available).
// The server itself connects through driver adapters (src/database).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/unused' },
});
