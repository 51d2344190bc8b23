#!/usr/bin/env bash
# Times `fir import` of the sample register against openpyxl merely loading the same
# file, in one run (so the ratio is fair on a noisy machine), then a 100k-row register.
#
#   scripts/bench-import.sh           # needs python3 with openpyxl (pip install openpyxl)
#   RUNS=10 scripts/bench-import.sh
#
# Work files go to target/bench-import/ (BENCH_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
work=${BENCH_DIR:-target/bench-import}
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --quiet --bin fir --example big_register
fir=$PWD/target/release/fir
sample=$PWD/imports/legacy-register/register_en.xlsx
mapping=$PWD/imports/legacy-register.toml

# A fresh site with the sample's business lines.
site() {
    rm -rf "$1"
    mkdir -p "$1"
    cp tests/fixtures/import/fir.toml "$1/"
}

# Wall seconds of a command (GNU time), its output discarded.
seconds() {
    /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run  fir-import(s)  openpyxl-load(s)  ratio"
for i in $(seq "$runs"); do
    site "$work/site"
    f=$(seconds "$fir" --root "$work/site" -q import "$sample" --mapping "$mapping")
    p=$(seconds python3 scripts/openpyxl_load.py "$sample")
    echo "$i    $f           $p             $(awk -v f="$f" -v p="$p" 'BEGIN { printf "%.1f", p / (f > 0 ? f : 0.005) }')"
done
echo "(fir imports 1,500 incidents and writes 1,500 files; openpyxl only loads the workbook)"

big=$work/big_register.xlsx
[ -f "$big" ] || ./target/release/examples/big_register "$big" 100000
site "$work/big"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "100k rows: wall %e s, user %U s, sys %S s, max RSS %M KB" \
    "$fir" --root "$work/big" -q import "$big" --mapping "$mapping" --sheet Register
find "$work/big/content/incidents" -name '*.md' | wc -l | xargs echo "files written:"
