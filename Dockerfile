# Image of the example services for docker-compose.yml: the workspace with its dependencies. Each
# service runs its own command (see docker-compose.yml); TypeScript runs through tsx, unbuilt.
FROM node:20-slim
RUN npm install --global --no-fund --no-audit pnpm@10.34.8
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile
