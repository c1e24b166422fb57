#!/usr/bin/env bash
# Runs ../shared/bench/dns-vs-peers.sh against `surplus dns serve` with a live sale, so the
# queried name (news.example.org, estimate 0.3) gets fraction-controlled answers: proxies for
# some client subnets, one of the buyer's servers by weight for the rest, A records either way
# as the peers answer. (www.shop.example, queried until issue 17, is a delegated `handback`
# host whose fallback answers SERVFAIL here, where nothing answers its `dns.resolvers`.)
#
# usage: benches/dns-vs-peers.sh [-l SECONDS] [-r ROUNDS] [-t THREADS] [-Q RATE] [-d LEDGER] [-n NODES]
#   THREADS: UDP serving threads (default 1, as gdnsd and NSD are set up by the script).
#   RATE: offer this many queries a second to each server and compare CPU per query.
#   LEDGER: an empty ledger to sell and serve from, a `postgres://` URL (the database must exist
#   and be empty or surplus's) or a file; default a new SQLite file. Run once with each to show
#   that the ledger is never on the answer path.
#   NODES: with a `postgres://` LEDGER, first start NODES - 1 other `dns serve` nodes on it
#   (ns-b, ns-c, … on 127.0.0.1:5395 and up; the first leads), so the server measured (ns-a) is
#   a follower of a NODES-node service applying the leader's published state; compare with
#   NODES = 1 (default), a lone node leading itself.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=10 rounds=3 threads=1 rate=() db= nodes=1
while getopts "l:r:t:Q:d:n:" o; do
  case $o in
    l) secs=$OPTARG ;; r) rounds=$OPTARG ;; t) threads=$OPTARG ;; Q) rate=(-Q "$OPTARG") ;; d) db=$OPTARG ;;
    n) nodes=$OPTARG ;; *) exit 2 ;;
  esac
done
if ((nodes > 1)) && [[ $db != postgres* ]]; then
  echo "error: -n $nodes needs -d postgres://…: several hosts share a PostgreSQL ledger" >&2
  exit 2
fi
# The shared benchmark kit lives beside the clone, not in it (see the README's Speed section).
kit=${SURPLUS_PEER_BENCH:-../shared/bench}
if [[ ! -f $kit/dns-vs-peers.sh ]]; then
  echo "error: $kit/dns-vs-peers.sh not found: put the shared bench kit at ../shared/bench or set SURPLUS_PEER_BENCH=DIR" >&2
  exit 2
fi
cargo build --release -q
bin=$PWD/target/release/surplus
scratch=$(mktemp -d)
others=()
trap 'for p in "${others[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$scratch"' EXIT
db=${db:-$scratch/bench.db}
s() { "$bin" -c examples/surplus.yaml --db "$db" "$@" >/dev/null; }
hour=$(date -u +%Y-%m-%dT%H:00Z)
s capacity measure --for "$hour/2h" --save
s market auction create --window "$hour/2h" --rps 10
s market auction bid 1 --buyer news --rps 10 --price 1
s market auction run 1
port=5390
for ((i = 1; i < nodes; i++)); do
  name=ns-$(printf "\\$(printf %o $((97 + i)))")
  "$bin" -c examples/surplus.yaml --db "$db" dns serve --node "$name" --listen "127.0.0.1:$((5394 + i))" \
    --metrics 127.0.0.1:0 --threads 1 >"$scratch/$name.out" 2>"$scratch/$name.log" &
  others+=($!)
  sleep 1
done
bash "$kit/dns-vs-peers.sh" -l "$secs" -r "$rounds" "${rate[@]}" -q news.example.org -p "$port" -- \
  "$bin" -c examples/surplus.yaml --db "$db" dns serve --node ns-a --listen "127.0.0.1:$port" --threads "$threads"
