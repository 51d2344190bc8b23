#!/usr/bin/env bash
# How `fir build` scales from 10k to 100k incidents: full builds of the two synthetic
# corpora alternated, so that both sizes see the same machine, each into a new output
# directory. Prints wall time, files written, files per second and peak RSS per build.
# (`scripts/bench-build.sh 10000 100000` measures the same against Hugo, whose 100k
# build takes about 15 minutes and 11 GiB.)
#
#   scripts/bench-scaling.sh            # 3 rounds of 10k then 100k
#   scripts/bench-scaling.sh 5          # 5 rounds
#
# The corpora are those of scripts/bench-build.sh (target/bench-build/corpus-N, made by
# examples/synth.rs when missing). Outputs go to target/bench-scaling/ and are deleted
# at the end, not between builds: on ext4 without a journal, creating files just after
# many were deleted nearby is much slower (see "fir import" in BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
corpora=${BENCH_DIR:-target/bench-build}
work=target/bench-scaling
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --quiet --bin fir --example synth
fir=$PWD/target/release/fir
for n in 10000 100000; do
    [ -f "$corpora/corpus-$n/fir.toml" ] || ./target/release/examples/synth "$corpora/corpus-$n" "$n" >/dev/null
done
rm -rf "$work"
mkdir -p "$work"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "round incidents wall_s files files_per_s peak_rss_mib"
for r in $(seq 1 "$rounds"); do
    for n in 10000 100000; do
        out=$work/out-$n-$r
        /usr/bin/time -f "%e %M" -o "$work/time.log" "$fir" --root "$corpora/corpus-$n" -q build --full --out "$out"
        read -r wall rss <"$work/time.log"
        files=$(find "$out" -type f | wc -l)
        awk -v r="$r" -v n="$n" -v w="$wall" -v f="$files" -v m="$rss" \
            'BEGIN { printf "%d %d %.2f %d %.0f %.0f\n", r, n, w, f, f / w, m / 1024 }'
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work"
