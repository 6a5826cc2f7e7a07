#!/usr/bin/env bash
# Portal page benchmark: a synthetic 10k catalog with the bundled plugins, then wrk against
# the main pages on loopback. One connection gives the time per page (the server's time plus
# loopback); four connections give throughput on the two cores (wrk shares them).
# (The x-portico-fragment header only matters for /fragments/..., which then answers with
# the view alone, as for the page's script.)
# Usage (from the repository root): cargo build --release && host/benches/portal-load.sh
# Needs wrk (Debian package wrk) and curl.
set -euo pipefail
P=${PORTICO:-target/release/portico}
N=${N:-10000}
W=/tmp/portalbench; rm -rf $W; mkdir -p $W
$P catalog generate --entities $N --out $W/catalog >/dev/null
cat > $W/portico.yaml <<YAML
server: { listen: 127.0.0.1:7198 }
storage: { path: data }
catalog:
  locations: [ { type: file, target: catalog/catalog-info.yaml } ]
  file_root: catalog
  refresh_interval: 0s
  provider_interval: 0s
YAML
$P --config $W/portico.yaml serve > $W/log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -sf localhost:7198/healthz >/dev/null; do sleep 0.01; done
until grep -q "catalog location read" $W/log; do sleep 0.05; done
q() { curl -s "localhost:7198/api/catalog/entities?$1" | python3 -c 'import json,sys; e=json.load(sys.stdin)[0]; print(e["metadata"]["name"])'; }
component=$(q "filter=kind=component&limit=1&fields=metadata.name")
api=$(q "filter=kind=api&limit=1&fields=metadata.name")
owner=$(curl -s "localhost:7198/api/catalog/entity-facets?facet=spec.owner" | python3 -c 'import json,sys; print(json.load(sys.stdin)["facets"]["spec.owner"][0]["value"])')
echo "entities: $(curl -s 'localhost:7198/api/catalog/entities/by-query?limit=1' | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalItems"])')"
pages=(
  "/"
  "/catalog"
  "/catalog?kind=component&lifecycle=production"
  "/catalog?owner=${owner}&sort=owner&dir=desc&page=3"
  "/catalog?q=payments"
  "/catalog/default/component/${component}"
  "/catalog/default/component/${component}/yaml"
  "/catalog/default/component/${component}/history"
  "/catalog/default/api/${api}/definition"
  "/catalog/default/component/${component}/views/service-status/status"
  "/fragments/catalog/default/api/${api}/views/api-docs/definition"
  "/admin/plugins"
)
for page in "${pages[@]}"; do
  curl -s -o /dev/null -w "%{http_code} " -H 'x-portico-fragment: 1' "http://127.0.0.1:7198$page"
  echo "--- $page"
  wrk -t1 -c1 -d5s -H 'x-portico-fragment: 1' "http://127.0.0.1:7198$page" | grep -E "Latency|Requests/sec" | sed 's/^/  1 conn: /'
  wrk -t2 -c4 -d5s -H 'x-portico-fragment: 1' "http://127.0.0.1:7198$page" | grep -E "Requests/sec" | sed 's/^/  4 conns: /'
done
