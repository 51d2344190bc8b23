#!/usr/bin/env bash
# What the statistics pages cost in a full `fir build`: alternates two fir binaries, one
# without statistics (BASE) and one with them (STATS), on the same corpus, deleting each
# output after its run (a 100k site takes about 3.8 GB).
#
#   scripts/bench-stats.sh BASE STATS CORPUS [RUNS]
#
# BASE is built from the commit before the statistics, e.g.
#   git archive a853b8d | tar -x -C /tmp/fir-base-src && (cd /tmp/fir-base-src && cargo build --release)
set -euo pipefail
base=$1 stats=$2 corpus=$3 runs=${4:-3}
work=${BENCH_DIR:-/tmp/fir-bench-stats}
for i in $(seq 1 "$runs"); do
  for which in base stats; do
    bin=$base; [ "$which" = stats ] && bin=$stats
    rm -rf "$work"; mkdir -p "$work"
    /usr/bin/time -f "$which run $i: wall %e s, user %U s, sys %S s, maxrss %M KB" \
      "$bin" --root "$corpus" build --full --out "$work/site" 2>&1 | grep -v '^warning' | tail -2
    echo "  load $(cut -d' ' -f1-3 /proc/loadavg); files $(find "$work/site" -type f | wc -l); KB $(du -sk "$work/site" | cut -f1)"
    rm -rf "$work"
  done
done
