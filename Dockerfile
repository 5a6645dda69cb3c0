# syntax=docker/dockerfile:1

# One image for the API (`npm start`, the default), the Upstash REST gateway (`npm run gateway`)
# and migrations (`npm run db:migrate`); docker-compose.yml picks the command per service.
#
# glibc (bookworm) rather than musl (alpine): the lockfile was resolved on glibc, and workerd,
# which wrangler's install script sets up, ships no musl build.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Dev dependencies stay on purpose: the gateway, migrations and seed run through tsx, and the
# build uses esbuild, both devDependencies. The cost is a larger image (wrangler, vitest).
# NODE_ENV must not be production here, or npm would drop them.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
# Fail closed: without an explicit NODE_ENV the config demands real PostgreSQL, Redis and a
# non-development JWT secret instead of quietly starting with development defaults.
ENV NODE_ENV=production \
    PORT=8787 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# The API runs bundled (`npm start` → dist/node.mjs): a third of tsx's start-up memory.
RUN npm run build
# The code stays root-owned and read-only for the app; only DATA_DIR (default .data) is writable.
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 8787
# No HEALTHCHECK: the same image also runs the gateway (another port) and one-shot migrations.
# docker-compose.yml checks the API's /health instead.
CMD ["npm", "start"]
