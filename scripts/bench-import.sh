#!/usr/bin/env bash
# Times `fir import` of the sample register against openpyxl merely loading the same
# file, in one run (so the ratio is fair on a noisy machine), then a 100k-row register.
#
#   scripts/bench-import.sh           # needs python3 with openpyxl (pip install openpyxl)
#   RUNS=10 scripts/bench-import.sh
#
# Work files go to target/bench-import/ (BENCH_DIR overrides). Every run writes into
# directories of its own, all removed at the end: on ext4 without a journal, creating
# files where many were just deleted makes each new inode scan past the deleted ones
# (the kernel's recently_deleted check), which is a cost of the benchmark, not of the
# import. Wait a few minutes between two runs of this script for the same reason.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
work=${BENCH_DIR:-target/bench-import}
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --quiet --bin fir --example big_register
fir=${FIR:-$PWD/target/release/fir}
sample=$PWD/imports/legacy-register/register_en.xlsx
mapping=$PWD/imports/legacy-register.toml

# A fresh site with the sample's business lines.
site() {
    rm -rf "$1"
    mkdir -p "$1"
    cp tests/fixtures/import/fir.toml "$1/"
}

# "wall/cpu" seconds of a command (GNU time; cpu = user + sys), its output discarded.
seconds() {
    /usr/bin/time -f "%e %U %S" "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.2f/%.2f", $1, $2 + $3 }'
}

# Ratio of two "wall/cpu" figures, for wall and for cpu.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, "/"); split(b, y, "/");
        printf "%.1fx wall, %.1fx cpu", x[1] / (y[1] > 0 ? y[1] : 0.005), x[2] / (y[2] > 0 ? y[2] : 0.005) }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "seconds wall/cpu: fir import | fir import --dry-run | openpyxl load | python creating 1,500 files"
rm -rf "$work"/run-*
for i in $(seq "$runs"); do
    run=$work/run-$$-$i
    site "$run/site"
    full=$(seconds "$fir" --root "$run/site" import "$sample" --mapping "$mapping")
    site "$run/dry"
    dry=$(seconds "$fir" --root "$run/dry" import "$sample" --mapping "$mapping" --dry-run)
    load=$(seconds python3 scripts/openpyxl_load.py "$sample")
    create_log=$run/create.log
    # The script's own timing (without the interpreter's start) goes to $create_log.
    create=$(seconds sh -c 'exec python3 scripts/create_files.py "$1" 1500 2>"$2"' _ "$run/files" "$create_log")
    echo "run $i: $full | $dry | $load | $create ($(cat "$create_log") inside Python)"
    echo "       openpyxl load / fir import: $(ratio "$load" "$full"); openpyxl load / fir --dry-run: $(ratio "$load" "$dry")"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

big=$work/big_register.xlsx
[ -f "$big" ] || ./target/release/examples/big_register "$big" 100000
run=$work/run-$$-big
site "$run/big"
/usr/bin/time -f "100k rows, --dry-run: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    "$fir" --root "$run/big" import "$big" --mapping "$mapping" --sheet Register --dry-run >/dev/null
/usr/bin/time -f "100k rows: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    "$fir" --root "$run/big" import "$big" --mapping "$mapping" --sheet Register >/dev/null
find "$run/big/content/incidents" -name '*.md' | wc -l | xargs echo "files written:"
/usr/bin/time -f "python creating 100,000 files: wall %e s, user %U s, sys %S s" \
    python3 scripts/create_files.py "$run/files" 100000
rm -rf "$work"/run-*
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
