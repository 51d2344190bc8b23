#!/usr/bin/env bash
# Benchmark of `fir ingest-mail`: 1000 generated messages from a Maildir into a site,
# on disk and on tmpfs (to separate the cost of fsync), then the same 1000 again
# (every Message-ID known: the duplicate path). See BENCHMARKS.md.
set -euo pipefail
N=${1:-1000}
cargo build --release --example mailgen --bin fir
FIR=$PWD/target/release/fir
TIME='wall %e s, user %U s, sys %S s, maxrss %M KB'
for base in /tmp/fir-mailbench /dev/shm/fir-mailbench; do
    rm -rf "$base" && mkdir -p "$base"
    cp -r tests/fixtures/mail/site "$base/site"
    ./target/release/examples/mailgen "$base/maildir" "$N"
    echo "== $base: load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "$TIME" "$FIR" --root "$base/site" ingest-mail --maildir "$base/maildir" >/dev/null
    for f in "$base"/maildir/cur/*; do mv "$f" "$base/maildir/new/"; done
    echo "== $base again (all duplicates): load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "$TIME" "$FIR" --root "$base/site" ingest-mail --maildir "$base/maildir" >/dev/null
    "$FIR" --root "$base/site" check --strict
    rm -rf "$base"
done
