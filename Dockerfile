# The Stemma server (API, files and the lineage page) for docker-compose.yml.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
# The build checks the page's generated types against the schema (web/codegen.ts reads ../schema/schema.graphql).
COPY schema/schema.graphql /src/schema/schema.graphql
RUN npm run build

FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY server/ server/
COPY schema/ schema/
COPY cypher/ cypher/
COPY neo4j_local/ neo4j_local/
RUN pip install --no-cache-dir -c requirements.lock .
COPY --from=web /src/web/dist web/dist
ENV STEMMA_HOST=0.0.0.0
EXPOSE 8000
CMD ["stemma", "serve"]
