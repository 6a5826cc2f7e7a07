#!/usr/bin/env bash
# Catalog load benchmark: ingest a synthetic 10k catalog, then wrk against loopback.
# Usage (from the repository root): cargo build --release && host/benches/catalog-load.sh
# Needs wrk (Debian package wrk) and curl. N=100000 for a bigger catalog. Prints ingest time,
# resident memory (VmRSS, and RssAnon without the mapped binary), req/s and latency of by-name,
# by-query and facets, size on disk, and restart times. CACHE_MB=… sets `storage.cache_mb`.
set -euo pipefail
P=${PORTICO:-target/release/portico}
N=${N:-10000}
W=/tmp/catbench; rm -rf $W; mkdir -p $W
# SRC=DIR reuses a catalog generated before (`portico catalog generate`), e.g. for 1,000,000.
if [ -n "${SRC:-}" ]; then cp -r "$SRC" $W/catalog; else $P catalog generate --entities $N --out $W/catalog >/dev/null; fi
cat > $W/portico.yaml <<YAML
server: { listen: 127.0.0.1:7199 }
storage: { path: data${CACHE_MB:+, cache_mb: $CACHE_MB} }
plugins: { install_bundled: false }
catalog:
  locations: [ { type: file, target: catalog/catalog-info.yaml } ]
  file_root: catalog
  refresh_interval: 0s
YAML
start=$(date +%s%N)
$P --config $W/portico.yaml serve > $W/log 2>&1 &
pid=$!
until curl -sf localhost:7199/healthz >/dev/null; do sleep 0.005; done
first=$(( ($(date +%s%N) - start) / 1000000 ))
until grep -q "catalog location read" $W/log; do sleep 0.01; done
ingest=$(( ($(date +%s%N) - start) / 1000000 ))
total=$(curl -s "localhost:7199/api/catalog/entities/by-query?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totalItems"])')
echo "first answer after start: ${first} ms; ingest of $N done after ${ingest} ms ($(grep -o 'took_ms=[0-9]*' $W/log)); entities served: $total"
rss() { awk '/VmRSS|RssAnon/{printf "%s %d MiB  ", $1, $2/1024}' /proc/$pid/status; echo; }
echo "memory after ingest: $(rss)"
name=$(curl -s "localhost:7199/api/catalog/entities?filter=kind=component&limit=1&fields=metadata.name" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["metadata"]["name"])')
echo "--- by-name (component:default/$name), 4 connections"
wrk -t2 -c4 -d10s "http://127.0.0.1:7199/api/catalog/entities/by-name/component/default/$name" | grep -E "Requests/sec|Latency|requests in"
echo "--- by-query?filter=kind=component&limit=100, 4 connections"
wrk -t2 -c4 -d10s "http://127.0.0.1:7199/api/catalog/entities/by-query?filter=kind=component&limit=100" | grep -E "Requests/sec|Latency|requests in"
echo "--- entity-facets?facet=kind, 4 connections"
wrk -t2 -c4 -d10s "http://127.0.0.1:7199/api/catalog/entity-facets?facet=kind" | grep -E "Requests/sec|Latency|requests in"
echo "--- entity-facets?facet=spec.type&filter=kind=component, 4 connections"
wrk -t2 -c4 -d10s "http://127.0.0.1:7199/api/catalog/entity-facets?facet=spec.type&filter=kind=component" | grep -E "Requests/sec|Latency|requests in"
echo "memory after load: $(rss)"
sleep 5; echo "memory idle 5 s later: $(rss)"
kill $pid; wait $pid 2>/dev/null || true
echo "on disk: $(du -sh $W/data | cut -f1) (catalog source files: $(du -sh $W/catalog | cut -f1))"
start=$(date +%s%N)
$P --config $W/portico.yaml serve > $W/log2 2>&1 &
pid=$!
until curl -sf localhost:7199/healthz >/dev/null; do sleep 0.002; done
echo "restart: first answer after $(( ($(date +%s%N) - start) / 1000000 )) ms"
until grep -q "catalog location read" $W/log2; do sleep 0.01; done
echo "restart: indexes and unchanged refresh of $N done after $(( ($(date +%s%N) - start) / 1000000 )) ms ($(grep -o 'took_ms=[0-9]*' $W/log2 | tr '\n' ' '))"
echo "memory after restart: $(rss)"
kill $pid; wait $pid 2>/dev/null || true
