# The server as a container: the steps of a fresh clone (npm ci, npm run build), then only what
# runs. Configure it with the environment (README, "Configuration"); deploy/compose.yaml runs two
# instances behind HAProxy with PostgreSQL and Redis.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# What `npm ci` needs (its postinstall generates the Prisma client and builds the client package).
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY packages/client ./packages/client
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
# What the server reads at run time: its build, its dependencies (the client package is one, by a
# workspace link), the migrations it applies at start, the demo page and the realtime docs.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages/client/package.json ./packages/client/package.json
COPY --from=build /app/packages/client/dist ./packages/client/dist
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/public ./public
COPY --from=build /app/docs/asyncapi.yaml ./docs/asyncapi.yaml
# Chat attachments go under data/uploads (UPLOAD_DIR): instances share it as a volume.
RUN mkdir -p data/uploads && chown -R node:node data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
