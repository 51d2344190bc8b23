#!/bin/bash
# `fir build` after one incident is added, on a built corpus, for two binaries in turn.
#
#   scripts/bench-cli-rebuild.sh CORPUS RUNS FIR_A [FIR_B]
#
# Before each run one incident is added to CORPUS (content/incidents/2025/BENCH-CLI-*.md,
# with an address and a domain, naming the corpus's oldest incident in `relations:`),
# dated a minute after the one added before, 2025-12-31 from 12:00 UTC on: after every
# incident of the synthetic corpus, as intake adds them. Then FIR_A builds into
# CORPUS/site-a and FIR_B into CORPUS/site-b (each output has its own cache, so the two
# binaries can be alternated; they take turns going first). Each output must have been
# built once by its binary (a new binary builds in full). Prints fir's report and
# /usr/bin/time's wall, user, system seconds and peak RSS (KiB) of each run.
set -euo pipefail
corpus=$1 runs=$2 a=$3 b=${4:-}
dir=$corpus/content/incidents/2025
start=$(find "$dir" -name 'BENCH-CLI-*.md' | wc -l)
build() { # binary output
    /usr/bin/time -f "| wall %e s, user %U s, sys %S s, peak RSS %M KiB" "$1" --root "$corpus" build --out "$2" 2>&1 |
        sed 's/\x1b\[[0-9;]*m//g' | grep -E "^(updated|built|\| wall)" | tr '\n' ' '
    echo
}
for i in $(seq "$runs"); do
    n=$((start + i))
    printf -- '---\nid: BENCH-CLI-%05d\ntitle: Added by the benchmark\ndate: 2025-12-31T%02d:%02d:00Z\ncategory: phishing\nseverity: 2\nstatus: open\nrelations: [FIR-2016-00001]\n---\nOne more incident from 185.12.3.4, see bench-cli-%d.example.com.\n' \
        "$n" $((12 + n / 60)) $((n % 60)) "$n" >"$dir/BENCH-CLI-$(printf %05d "$n").md"
    if [ -z "$b" ]; then
        echo -n "a: "; build "$a" "$corpus/site-a"
    elif [ $((i % 2)) = 1 ]; then
        echo -n "a: "; build "$a" "$corpus/site-a"; echo -n "b: "; build "$b" "$corpus/site-b"
    else
        echo -n "b: "; build "$b" "$corpus/site-b"; echo -n "a: "; build "$a" "$corpus/site-a"
    fi
done
