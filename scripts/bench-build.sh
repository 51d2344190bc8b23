#!/usr/bin/env bash
# Times `fir build` against Hugo on the same synthetic corpus, in one run so that the
# ratios are fair on a noisy machine: wall time and peak memory (RSS) of a full build of
# each, pages per second, and fir's incremental rebuild after adding one incident.
#
#   scripts/bench-build.sh            # 10k and 100k incidents
#   scripts/bench-build.sh 2000       # other sizes
#   ROUNDS=5 scripts/bench-build.sh 10000   # fir and Hugo alternated 5 times, medians
#
# Hugo gets the same corpus (the incident files as they are, its content directory
# pointed at them), the same taxonomies (category, severity, status, TLP, business
# lines, detection, actor, tags), the same page size (50) and a minimal layout.
# Work files go to target/bench-build/ (BENCH_DIR overrides). Each run builds into new
# output directories and removes them at the end: on ext4 without a journal (as on the
# machines this was measured on), creating files just after many were deleted nearby
# makes each new inode scan past the deleted ones (the kernel's recently_deleted check),
# which would time the deletion of the last run's output, not the build. Leave a few
# minutes between two runs for the same reason.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
rounds=${ROUNDS:-1}
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
work=${BENCH_DIR:-target/bench-build}
mkdir -p "$work"
work=$(cd "$work" && pwd)

if ! command -v hugo >/dev/null; then
    apt-get install -y hugo >/dev/null
fi
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cargo build --release --quiet --bin fir --example synth
fir=$PWD/target/release/fir
synth=$PWD/target/release/examples/synth

# Prints "seconds max_rss_kib" of a command, from GNU time.
measure() {
    local log=$work/time.log
    /usr/bin/time -v "$@" >"$work/out.log" 2>"$log" || { cat "$work/out.log" "$log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    # wall is h:mm:ss or m:ss.ss
    echo "$wall" | awk -F: -v rss="$rss" '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f %d\n", s, rss }'
}

# The median of each column of "wall rss" lines given as arguments.
medians() {
    local column
    for column in 1 2; do
        printf '%s\n' "$@" | awk -v c="$column" '{ print $c }' | sort -g |
            awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s ", m }'
    done
    echo
}

hugo_site() {
    local dir=$1 content=$2
    mkdir -p "$dir/layouts/_default"
    cat >"$dir/config.toml" <<TOML
baseURL = "/"
title = "Incident register"
contentDir = "$content"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
paginate = 50
[taxonomies]
category = "category"
severity = "severity"
status = "status"
tlp = "tlp"
business_line = "business_lines"
detection = "detection"
actor = "actor"
tag = "tags"
TOML
    cat >"$dir/layouts/_default/single.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Params.id }} {{ .Title }}</title></head><body>
<h1>{{ .Params.id }} {{ .Title }}</h1>
<dl><dt>Date</dt><dd>{{ .Date.Format "2006-01-02 15:04" }}</dd><dt>Category</dt><dd>{{ .Params.category }}</dd>
<dt>Severity</dt><dd>{{ .Params.severity }}</dd><dt>Status</dt><dd>{{ .Params.status }}</dd><dt>TLP</dt><dd>{{ .Params.tlp }}</dd>
<dt>Business lines</dt><dd>{{ delimit (.Params.business_lines | default (slice)) ", " }}</dd></dl>
{{ .Content }}
<ol>{{ range .Params.timeline }}<li>{{ .date }} {{ .action }} {{ .text | markdownify }}</li>{{ end }}</ol>
</body></html>
HTML
    cat >"$dir/layouts/_default/list.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1><table>
{{ range .Paginator.Pages }}<tr><td><a href="{{ .RelPermalink }}">{{ .Params.id }}</a></td><td>{{ .Date.Format "2006-01-02" }}</td><td>{{ .Title }}</td><td>{{ .Params.category }}</td><td>{{ .Params.severity }}</td><td>{{ .Params.status }}</td><td>{{ .Params.tlp }}</td></tr>
{{ end }}</table>
{{ template "_internal/pagination.html" . }}
</body></html>
HTML
    cat >"$dir/layouts/_default/terms.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>
</body></html>
HTML
}

printf '\n| incidents | tool | wall (s) | peak RSS (MiB) | files | files/s |\n|---|---|---|---|---|---|\n'
for n in "${sizes[@]}"; do
    corpus=$work/corpus-$n
    [ -f "$corpus/fir.toml" ] || "$synth" "$corpus" "$n" >/dev/null
    rm -rf "$work/fir-$n"* "$work/hugo-out-$n"* "$work"/.fir-"$n"*-cache
    sync
    out=$work/fir-$n-$$

    hugo_site "$work/hugo-$n" "$corpus/content"
    # fir and Hugo alternated, ROUNDS times; each one's median wall time and peak RSS.
    fir_runs=() hugo_runs=()
    for ((round = 1; round <= rounds; round++)); do
        rm -rf "$out" "$work/.fir-$n-$$"-* "$work/hugo-out-$n-$$"
        sync
        fir_runs+=("$(measure "$fir" --quiet --root "$corpus" build --full --out "$out")")
        sync
        hugo_runs+=("$(measure hugo --quiet --source "$work/hugo-$n" --destination "$work/hugo-out-$n-$$")")
    done
    read -r fir_wall fir_rss < <(medians "${fir_runs[@]}")
    read -r hugo_wall hugo_rss < <(medians "${hugo_runs[@]}")
    [ "$rounds" -eq 1 ] || echo "fir runs (s KiB): ${fir_runs[*]}; hugo runs: ${hugo_runs[*]}" >&2
    fir_files=$(find "$out" -type f | wc -l)
    hugo_files=$(find "$work/hugo-out-$n-$$" -type f | wc -l)

    awk -v n="$n" -v w="$fir_wall" -v r="$fir_rss" -v f="$fir_files" 'BEGIN { printf "| %d | fir | %.2f | %.0f | %d | %.0f |\n", n, w, r / 1024, f, f / w }'
    awk -v n="$n" -v w="$hugo_wall" -v r="$hugo_rss" -v f="$hugo_files" 'BEGIN { printf "| %d | hugo | %.2f | %.0f | %d | %.0f |\n", n, w, r / 1024, f, f / w }'
    awk -v n="$n" -v fw="$fir_wall" -v hw="$hugo_wall" -v fr="$fir_rss" -v hr="$hugo_rss" \
        'BEGIN { printf "| %d | ratio | hugo/fir time %.1fx | fir/hugo memory %.2f | | |\n", n, hw / fw, fr / hr }'

    # Incremental: one new incident, then `fir build` again (it finds the change itself).
    # It is dated like the newest incident of the corpus, as a new report in a live
    # register is: a far-future date would add a report page for every empty week up
    # to it.
    newest_year=$(ls "$corpus/content/incidents" | sort | tail -1)
    newest=$(grep -h '^date:' "$corpus/content/incidents/$newest_year"/*.md | sort | tail -1 | cut -d' ' -f2)
    new=$corpus/content/incidents/$newest_year/BENCH-NEW.md
    printf -- '---\nid: BENCH-NEW\ntitle: Added by the benchmark\ndate: %s\ncategory: phishing\nseverity: 2\nstatus: open\nrelations: [%s]\n---\nOne more incident.\n' \
        "$newest" "$(basename "$(find "$corpus/content/incidents" -name '*.md' | sort | head -1)" .md)" >"$new"
    read -r inc_wall inc_rss < <(measure "$fir" --root "$corpus" build --out "$out")
    written=$(grep -o '[0-9]* written' "$work/out.log" || true)
    rm -f "$new"
    awk -v n="$n" -v w="$inc_wall" -v r="$inc_rss" -v s="$written" 'BEGIN { printf "| %d | fir, one incident added | %.2f | %.0f | %s | |\n", n, w, r / 1024, s }'
    # Put the site back as the corpus is (also checks that a removal is incremental).
    "$fir" --quiet --root "$corpus" build --out "$out" >/dev/null
done
rm -rf "$work"/fir-*-$$ "$work"/hugo-out-*-$$ "$work"/.fir-*-$$-cache
