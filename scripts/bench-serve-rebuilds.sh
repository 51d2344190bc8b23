#!/bin/bash
# The intake server's whole-site rebuild after each submission, on a built corpus.
#
#   scripts/bench-serve-rebuilds.sh FIR CORPUS LABEL [N]
#
# Starts `FIR --root CORPUS serve` (CORPUS: a site root already built, e.g. the 100k
# corpus of scripts/bench-build.sh copied to tmpfs), waits for its first build and 12 s
# more (its idle work: the index made ready, the data file copied ahead), then submits N
# incidents (default 8) through POST /api/incidents, 6 s apart, stops the server and
# prints the rebuild reports it logged ("updated ... in T") and its data-file lines.
# Alternate two binaries (each forces a full build of CORPUS's site at its start).
set -euo pipefail
fir=$1 corpus=$2 label=$3 n=${4:-8}
port=${PORT:-18181}
log=$(mktemp /tmp/fir-serve-rebuilds.XXXXXX)
FIR_LOG=fir=debug "$fir" --root "$corpus" serve --bind "127.0.0.1:$port" >/dev/null 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until grep -qE "(built|updated) [0-9]+ incidents" "$log"; do sleep 1; done
sleep 12
for i in $(seq "$n"); do
    curl -sf -H 'Content-Type: application/json' \
        -d "{\"title\":\"Rebuild bench $label $i\",\"category\":\"phishing\",\"description\":\"seen from 185.12.3.$i and rebuild-$label-$i.example.com\"}" \
        "http://127.0.0.1:$port/api/incidents" >/dev/null
    sleep 6
done
kill -INT $pid
wait $pid || true
plain() { sed 's/\x1b\[[0-9;]*m//g' "$log"; }
echo "## $label: the last $n rebuilds"
plain | grep -E "updated [0-9]+ incidents" | tail -n "$n" | sed 's/.*updated/updated/'
plain | grep -E "render: data \(" | tail -n "$n" | sed 's/.*render: /render: /'
rm -f "$log"
