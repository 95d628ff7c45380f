# Cardrail: the API service. Build: docker build -t cardrail .   Run: see docker-compose.yml.
FROM node:20-slim

# WEBHOOK_ALLOW_PRIVATE_URLS=false: tenants' webhooks never reach internal addresses (SSRF).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CARDRAIL_DATA_DIR=/data \
    WEBHOOK_ALLOW_PRIVATE_URLS=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. `npm start` runs TypeScript
# through tsx (a devDependency), so the full tree is installed.
COPY package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY openapi.json ./

# Non-root, owning only the data folder (documents key, encrypted KYC files, embedded database).
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]

EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

CMD ["npm", "start"]
