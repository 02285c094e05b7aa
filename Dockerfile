# One image for all five services and the provider simulators (build context: repo root).
# The service to run is chosen by the command, e.g. `node dist/services/ticket/src/main.js`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
COPY --from=build /app/package.json /app/tsconfig.base.json ./
COPY --from=build /app/tools/runtime ./tools/runtime
USER node
# Resolves the @notify/* path aliases inside dist/ at run time.
ENTRYPOINT ["node", "-r", "./tools/runtime/register-paths.js"]
CMD ["dist/services/ticket/src/main.js"]
