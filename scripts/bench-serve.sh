#!/usr/bin/env bash
# Benchmarks `fir serve`, in one run so that the ratios are fair on a noisy machine:
#
# 1. wrk POSTing the intake form (scripts/bench-serve-form.lua: every request writes,
#    fsyncs and links a new incident file, then queues a rebuild) against wrk on a
#    hyper hello-world built from the same crates (examples/serve_hello.rs): req/s,
#    latency percentiles, and the peak RSS of the fir server.
# 2. submit -> visible on a 100k-incident corpus: time from POST /api/incidents to the
#    incident's page being served, for a series of single submissions.
#
#   scripts/bench-serve.sh                  # defaults below
#   DURATION=20s CONNECTIONS=32 SAMPLES=20 scripts/bench-serve.sh
#   VISIBLE_ONLY=1 GAP=4 scripts/bench-serve.sh   # part 2 only, GAP s between samples
#
# The 100k corpus is /tmp/synth100k if it exists (made by
# `cargo run --release --example synth -- /tmp/synth100k 100000`), copied first: the
# benchmark adds incidents to its copy only. Work files go to target/bench-serve/.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-15s}
connections=${CONNECTIONS:-16}
threads=${THREADS:-2}
samples=${SAMPLES:-10}
gap=${GAP:-1}
corpus=${CORPUS:-/tmp/synth100k}
work=${BENCH_DIR:-target/bench-serve}
mkdir -p "$work"
work=$(cd "$work" && pwd)

command -v wrk >/dev/null || { echo "wrk is missing (Debian package wrk)" >&2; exit 1; }
cargo build --release --quiet --bin fir --example serve_hello --example synth --example durable_creates
fir=$PWD/target/release/fir
hello=$PWD/target/release/examples/serve_hello

# Servers are started in command substitutions (subshells): their pids go to files.
# Servers are stopped as a service manager does (SIGTERM, then SIGKILL after 30 s), so
# that fir serve writes its build cache and the next start is not a full build.
cleanup() {
    for file in "$work"/*.pid; do
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$file"
    done
}
trap cleanup EXIT

# Starts a server in the background and prints its port (from "listening on …").
start() {
    local log=$1; shift
    : >"$log"
    "$@" >"$log" 2>"$log.err" &
    echo $! >"$log.pid"
    for _ in $(seq 200); do
        if grep -q listening "$log"; then
            sed -n 's/.*:\([0-9]*\)$/\1/p' "$log" | head -1
            return
        fi
        sleep 0.05
    done
    echo "server did not start: $*" >&2; cat "$log.err" >&2; exit 1
}

echo "## machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## $(wrk --version 2>&1 | head -1)"

# 1. Throughput: a small site (the bundled example), rate limit off, fsync on.
# (VISIBLE_ONLY=1 skips to part 2.)
if [ -z "${VISIBLE_ONLY:-}" ]; then
site=$work/site
rm -rf "$site" && mkdir -p "$site"
cp -a fir.toml content "$site/"
printf '\n[serve]\nrate_limit = 0\n' >>"$site/fir.toml"
"$fir" --root "$site" build --quiet >/dev/null

hello_port=$(start "$work/hello.log" "$hello" 127.0.0.1:0)
fir_port=$(start "$work/fir.log" "$fir" --root "$site" --quiet serve --bind 127.0.0.1:0)
fir_pid=$(cat "$work/fir.log.pid")
sleep 1
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$fir_pid/status")

echo
echo "## wrk -t$threads -c$connections -d$duration --latency: hello world (GET /)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$hello_port/" | tee "$work/wrk-hello.txt"
# Reference points without a write (before any, so that no rebuild runs meanwhile):
# rendering the form, and a static file.
echo
echo "## wrk -t$threads -c$connections -d$duration --latency: fir serve, GET /new (form page, no write)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$fir_port/new" | tee "$work/wrk-form.txt"
echo
echo "## wrk -t$threads -c$connections -d$duration --latency: fir serve, GET /static/fir.css (static file)"
wrk -t"$threads" -c"$connections" -d"$duration" --latency "http://127.0.0.1:$fir_port/static/fir.css" | tee "$work/wrk-static.txt"
reads_rss=$(awk '/VmHWM/ {print $2}' "/proc/$fir_pid/status")
echo
echo "## wrk -t$threads -c$connections -d$duration --latency -s scripts/bench-serve-form.lua: fir serve (POST /new)"
before=$(find "$site/content/incidents" -name '*.md' | wc -l)
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s scripts/bench-serve-form.lua "http://127.0.0.1:$fir_port/" | tee "$work/wrk-fir.txt"
after=$(find "$site/content/incidents" -name '*.md' | wc -l)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$fir_pid/status")
"$fir" --root "$site" check --quiet >/dev/null && valid=yes || valid=NO
hello_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-hello.txt")
fir_rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-fir.txt")
fir_p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-fir.txt")
echo "## summary: hello $hello_rps req/s, fir serve $fir_rps req/s ($(awk -v a="$fir_rps" -v b="$hello_rps" 'BEGIN {printf "%.1f", 100 * a / b}') %), fir p99 $fir_p99"
echo "## GET /new $(awk '/Requests\/sec/ {print $2}' "$work/wrk-form.txt") req/s, GET /static/fir.css $(awk '/Requests\/sec/ {print $2}' "$work/wrk-static.txt") req/s"
echo "## fir serve RSS: $((idle_rss / 1024)) MiB after start, peak $((reads_rss / 1024)) MiB after the GET runs, peak $((rss / 1024)) MiB after the POST run; files written: $((after - before)); fir check: $valid"
echo "## load after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -9 "$fir_pid"; rm -f "$work/fir.log.pid"
# The disk's ceiling for that write path: the server's own writer from as many
# threads as wrk has connections, without HTTP or rebuilds; then the bare minimum
# (create, write, fsync; no atomic rename, no directory sync) from Python.
echo
floor=$work/floor-$$
rm -rf "$floor" && mkdir -p "$floor/content/incidents" && cp -a fir.toml "$floor/"
echo "## durable creates, fir's writer: $(./target/release/examples/durable_creates "$floor" "$connections" "${duration%s}")"
echo "## durable creates, bare: $(python3 scripts/durable_creates.py "$floor/bare" "$connections" "${duration%s}")"
fi

# 2. Submit -> visible on the 100k corpus.
if [ ! -d "$corpus/content" ]; then
    echo "no corpus at $corpus: skipping submit -> visible" >&2
    exit 0
fi
big=$work/corpus-$(basename "$corpus")
if [ ! -d "$big/content" ]; then
    rm -rf "$big" && mkdir -p "$big"
    cp -a "$corpus/fir.toml" "$corpus/content" "$big/"
    printf '\n[serve]\nrate_limit = 0\n' >>"$big/fir.toml"
fi
echo
echo "## $(find "$big/content/incidents" -name '*.md' | wc -l) incidents; first build (not timed here):"
"$fir" --root "$big" build
big_port=$(FIR_LOG=fir=info start "$work/big.log" "$fir" --root "$big" serve --bind 127.0.0.1:0)
big_pid=$(cat "$work/big.log.pid")
sleep 2
echo "## submit -> visible, $samples samples (ms), load $(cut -d' ' -f1-3 /proc/loadavg)"
times=()
for i in $(seq "$samples"); do
    t0=$(date +%s%N)
    id=$(curl -sf -H 'Content-Type: application/json' \
        -d "{\"title\":\"Visible $i\",\"category\":\"phishing\"}" \
        "http://127.0.0.1:$big_port/api/incidents" | sed 's/.*"id":"\([^"]*\)".*/\1/')
    until curl -sf -o /dev/null "http://127.0.0.1:$big_port/incidents/$id.html"; do sleep 0.01; done
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    times+=("$ms")
    echo "$id $ms"
    sleep "$gap"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {printf "## submit -> visible: median %d ms, max %d ms\n", a[int((NR + 1) / 2)], a[NR]}'
echo "## fir serve peak RSS: $(( $(awk '/VmHWM/ {print $2}' "/proc/$big_pid/status") / 1024 )) MiB"
echo "## the server's rebuild reports:"
grep -E 'updated|built' "$work/big.log.err" | sed 's/\x1b\[[0-9;]*m//g' | tail -n "$samples"
