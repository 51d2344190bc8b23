#!/usr/bin/env bash
# What artifact extraction and correlation add to `fir build`: full builds of the same
# synthetic corpus with `[artifacts] enabled = true` (the default) and `false`,
# alternated in one run so that both see the same machine load.
#
#   scripts/bench-artifacts.sh              # 10k incidents, 5 runs each
#   scripts/bench-artifacts.sh 2000 3       # N incidents, R runs each
#   BASE=/path/to/older/fir scripts/bench-artifacts.sh   # also time another binary,
#                                           # alternated with this one in each run
#
# The "off" site is a second root whose content/ is a symlink to the same corpus and
# whose fir.toml differs only by the [artifacts] switch. Work files go to
# target/bench-artifacts/ (BENCH_DIR overrides).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-10000}
runs=${2:-5}
work=${BENCH_DIR:-target/bench-artifacts}
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --quiet --bin fir
fir=${FIR:-$PWD/target/release/fir}

on=$work/on-$n
off=$work/off-$n
if [ ! -d "$on/content" ]; then
    rm -rf "$on"
    cargo build --release --quiet --example synth
    ./target/release/examples/synth "$on" "$n" >/dev/null
fi
rm -rf "$off"
mkdir -p "$off"
ln -s "$on/content" "$off/content"
sed 's/^enabled = true$/enabled = false/' "$on/fir.toml" >"$off/fir.toml"
grep -q '^enabled = false$' "$off/fir.toml" || { echo "no [artifacts] switch in fir.toml" >&2; exit 1; }

# One full build into an empty directory; prints "wall user sys files". The last
# output is removed first (and the removal synced), as scripts/bench-build.sh does:
# keeping every run's output (about 0.5 GB each at 10k) made each later build slower
# on tmpfs, its system time growing run after run (2026-12-07: 1.2 s to 3.0 s over six
# builds of the same site), which weighed on the second build of each pair.
build() {
    local root=$1 out=$2 log=$work/time.log
    rm -rf "$out"
    sync
    /usr/bin/time -f "%e %U %S" -o "$log" "$fir" --root "$root" -q build --full --out "$out" >/dev/null
    echo "$(cat "$log") $(find "$out" -type f | wc -l)"
}

rm -rf "$work"/runs
mkdir -p "$work/runs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "variant run wall_s user_s sys_s files"
for r in $(seq 1 "$runs"); do
    echo "off $r $(build "$off" "$work/runs/off")"
    echo "on $r $(build "$on" "$work/runs/on")"
    if [ -n "${BASE:-}" ]; then
        echo "base-off $r $(fir=$BASE build "$off" "$work/runs/base-off")"
        echo "base-on $r $(fir=$BASE build "$on" "$work/runs/base-on")"
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "distinct artifacts: $(grep -c '"type"' "$work/runs/on/data/artifacts.json")"
rm -rf "$work"/runs
