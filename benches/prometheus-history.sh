#!/usr/bin/env bash
# How long `capacity measure --prometheus` takes over a long history against a local
# Prometheus: DAYS (default 30) of one proxy's request counter every 15 s are backfilled with
# `promtool tsdb create-blocks-from openmetrics`, Prometheus is started on a loopback port, and
# the release binary measures from it ROUNDS times, at the step the data holds (15 s, found by
# the probe) and from `rate()` at 15 s. Prints the wall time of each run, the requests made
# (from `--format json`) and the points read.
#
# usage: benches/prometheus-history.sh [-d DAYS] [-r ROUNDS]
# Needs Debian's prometheus package (prometheus, promtool).
set -euo pipefail
cd "$(dirname "$0")/.."
days=30 rounds=3
while getopts "d:r:" o; do
  case $o in d) days=$OPTARG ;; r) rounds=$OPTARG ;; *) exit 2 ;; esac
done
cargo build --release --quiet
bin=$PWD/target/release/surplus
dir=$(mktemp -d)
trap 'kill $prom 2>/dev/null || true; wait 2>/dev/null || true; [[ -n ${KEEP:-} ]] || rm -rf "$dir"' EXIT
now=$(date +%s)
end=$(( now / 3600 * 3600 - 3600 ))
start=$(( end - days * 86400 ))
python3 - "$start" "$end" > "$dir/history.om" <<'PY'
import sys
start, end = int(sys.argv[1]), int(sys.argv[2])
print("# HELP proxy_requests Requests served.\n# TYPE proxy_requests counter")
total = 0
for t in range(start, end + 1, 15):
    print(f'proxy_requests_total{{instance="127.0.0.11:9113"}} {total} {t}')
    minute = (t - start) // 60
    total += 15 * (20 + (minute * 2654435761) % 17 + (30 if 8 <= (minute // 60) % 24 < 20 else 0))
print("# EOF")
PY
mkdir -p "$dir/data"
promtool tsdb create-blocks-from openmetrics --max-block-duration=24h "$dir/history.om" "$dir/data" > /dev/null
printf 'global:\n  scrape_interval: 15s\n' > "$dir/prometheus.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --storage.tsdb.retention.time=3650d --web.listen-address=127.0.0.1:$port 2> "$dir/prometheus.log" &
prom=$!
until curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null; do sleep 0.2; done
cat > "$dir/surplus.yaml" <<YAML
network: {zone: cdn.example.net, nameservers: [{name: ns1.cdn.example.net, addresses: [127.0.0.53]}]}
proxies:
  - {name: edge-1, addresses: [127.0.0.11], capacity_rps: 200}
YAML
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
range=(--since "$(iso $start)" --until "$(iso $end)" --for "$(iso $end)/24h")
echo "history: $days days at 15 s, $(( (end - start) / 15 + 1 )) points of one series"
for query in "proxy_requests_total --counter" "rate(proxy_requests_total[15s])|--step 15s"; do
  q=${query%%[ |]*}
  flags=${query#"$q"}; flags=${flags#|}
  for ((r = 1; r <= rounds; r++)); do
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    json=$("$bin" -c "$dir/surplus.yaml" capacity measure --prometheus "http://127.0.0.1:$port" --query "$q" $flags \
      "${range[@]}" --format json 2> "$dir/stderr")
    t1=$(date +%s.%N)
    requests=$(python3 -c 'import json,sys; p=json.load(sys.stdin)["prometheus"]; print(p["requests"], p["step_secs"])' <<< "$json")
    [[ -n ${KEEP:-} ]] && printf "%s\n" "$json" > "$dir/out-$r.json"
    printf '%-40s run %d: %.2f s, %s requests at a %s s step\n' "$q" "$r" "$(echo "$t1 - $t0" | bc)" ${requests}
  done
done
# The table's footer of the last form, as an operator sees it.
# shellcheck disable=SC2086
"$bin" -c "$dir/surplus.yaml" capacity measure --prometheus "http://127.0.0.1:$port" --query proxy_requests_total --counter \
  "${range[@]}" 2> /dev/null | tail -1
