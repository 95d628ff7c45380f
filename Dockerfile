# Cardrail: the API service. Build: docker build -t cardrail .   Run: see docker-compose.yml.

# Build stage: the full dependency tree (TypeScript) compiles src/ to dist/.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund && npm run build

# Run stage: production dependencies and the compiled JavaScript only (no tsx, no dev tools).
FROM node:20-slim

# WEBHOOK_ALLOW_PRIVATE_URLS=false: tenants' webhooks never reach internal addresses (SSRF).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CARDRAIL_DATA_DIR=/data \
    WEBHOOK_ALLOW_PRIVATE_URLS=false

WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build, and the build already happened in the first stage.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY openapi.json ./

# Non-root, owning only the data folder (documents key, encrypted KYC files, embedded database).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# node runs as PID 1: `docker stop` (SIGTERM) reaches the server directly,
# which shuts down gracefully (no npm or shell in between to swallow the signal).
CMD ["node", "--enable-source-maps", "dist/main.js"]
