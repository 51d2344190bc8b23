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
#
# With AFTER_FULL=1, each run of each binary is instead: a full build of its output
# (once no removal of a replaced site runs any more), then at once two rebuilds, each
# after one more incident: the rebuilds a user gets right after a full build, while the
# site it replaced is being removed. Each line also gives the removals running then
# (`rm` processes + `fir remove-old` processes).
set -euo pipefail
corpus=$1 runs=$2 a=$3 b=${4:-}
dir=$corpus/content/incidents/2025
added=$(find "$dir" -name 'BENCH-CLI-*.md' | wc -l)
add_incident() {
    added=$((added + 1))
    local n=$added
    if [ "$n" -ge 720 ]; then # 12:00 + n minutes must stay on 2025-12-31
        echo "$dir holds 719 BENCH-CLI incidents, the most this script dates: use a new corpus" >&2
        exit 1
    fi
    printf -- '---\nid: BENCH-CLI-%05d\ntitle: Added by the benchmark\ndate: 2025-12-31T%02d:%02d:00Z\ncategory: phishing\nseverity: 2\nstatus: open\nrelations: [FIR-2016-00001]\n---\nOne more incident from 185.12.3.4, see bench-cli-%d.example.com.\n' \
        "$n" $((12 + n / 60)) $((n % 60)) "$n" >"$dir/BENCH-CLI-$(printf %05d "$n").md"
}
removals() { echo "$(pgrep -cx rm || true)+$(pgrep -cf ' remove-old ' || true)"; }
build() { # binary output [build options]
    local fir=$1 out=$2
    shift 2
    /usr/bin/time -f "| wall %e s, user %U s, sys %S s, peak RSS %M KiB" "$fir" --root "$corpus" build --out "$out" "$@" 2>&1 |
        sed 's/\x1b\[[0-9;]*m//g' | grep -E "^(updated|built|\| wall)" | tr '\n' ' '
    echo
}
after_full() { # binary output
    while [ "$(removals)" != "0+0" ]; do sleep 1; done
    echo -n "full: "; build "$1" "$2" --full
    for k in 1 2; do
        add_incident
        echo -n "rebuild $k (removals $(removals)): "; build "$1" "$2"
    done
}
if [ -n "${AFTER_FULL:-}" ]; then
    for i in $(seq "$runs"); do
        echo "a:"; after_full "$a" "$corpus/site-a"
        if [ -n "$b" ]; then echo "b:"; after_full "$b" "$corpus/site-b"; fi
    done
    exit
fi
for i in $(seq "$runs"); do
    add_incident
    if [ -z "$b" ]; then
        echo -n "a: "; build "$a" "$corpus/site-a"
    elif [ $((i % 2)) = 1 ]; then
        echo -n "a: "; build "$a" "$corpus/site-a"; echo -n "b: "; build "$b" "$corpus/site-b"
    else
        echo -n "b: "; build "$b" "$corpus/site-b"; echo -n "a: "; build "$a" "$corpus/site-a"
    fi
done
