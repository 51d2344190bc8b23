#!/usr/bin/env python3
"""Two versions of search.js on the same built site, alternated in one run.

    scripts/bench-search-js.py CORPUS SITE OLD.js NEW.js [ROUNDS] [REPEATS]

    git show HEAD~1:themes/default/static/search.js > /tmp/old.js
    scripts/bench-search-js.py /tmp/synth100k target/bench-search/site-100000 \
        /tmp/old.js themes/default/static/search.js 3 25

CORPUS is the site root the SITE was built from (its fir.toml serves it). Each round
copies each version in turn over SITE/static/search.js (the original is put back at
the end) and measures, for the queries of `scripts/bench-search.py`:

1. its `browser_queries`: a fresh page per query, through `fir serve` and from
   `file://`, the browser cache off through DevTools; the first query and once again
   (ms until the results showed);
2. from `file://` without DevTools' network domain, a fresh page per query, then the
   query REPEATS times: the first time and the median of the others (the page's own
   work once its files are loaded and its code compiled);
3. each query's first run in a browser of its own, through `fir serve` and from
   `file://` (`fresh_queries` of `scripts/bench-search.py`).

Both versions read the same index, so a version must read the index format the site
was built with. Prints one JSON line per measurement, then Markdown tables.
"""

import collections
import importlib.util
import json
import os
import shutil
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_search", os.path.join(HERE, "bench-search.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def repeated(site, repeats):
    """{query: (first ms, median ms of the repeats after it)} from file://."""
    driver = bench.Driver()
    out = {}
    try:
        driver.s("POST", "/timeouts", {"script": 120000})
        for query in bench.QUERIES:
            driver.open_search(f"file://{os.path.abspath(site)}/search.html")
            times = [driver.run(bench.QUERY_JS % json.dumps(query), True)[0] for _ in range(repeats + 1)]
            out[query] = (times[0], statistics.median(times[1:]))
    finally:
        driver.close()
    return out


def spread(values, digits=0):
    low, high = (f"{v:.{digits}f}" for v in (min(values), max(values)))
    return low if low == high else f"{low}–{high}"


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    corpus, site, old, new = sys.argv[1:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    repeats = int(sys.argv[6]) if len(sys.argv) > 6 else 25
    target = os.path.join(site, "static", "search.js")
    kept = open(target, "rb").read()
    versions = {"old": open(old, "rb").read(), "new": open(new, "rb").read()}
    rows = collections.defaultdict(lambda: collections.defaultdict(list))
    print(f"load average before: {os.getloadavg()}", flush=True)
    try:
        for r in range(rounds):
            # Alternated, the first version changing from round to round.
            for name in (["old", "new"] if r % 2 == 0 else ["new", "old"]):
                with open(target, "wb") as f:
                    f.write(versions[name])
                for query, total, cli, cold, warm, cold_file, warm_file, files, size in bench.browser_queries(corpus, site):
                    if total != cli:
                        sys.exit(f"{name}: {query!r} gave {total} results, fir search {cli}")
                    row = {"round": r, "version": name, "query": query, "results": total, "serve": cold[0],
                           "serve_again": warm[0], "file": cold_file[0], "file_again": warm_file[0],
                           "files": files, "bytes": size}
                    rows[query][name].append(row)
                    print(json.dumps(row), flush=True)
                for (query, mode), times in bench.fresh_queries(corpus, site, 1).items():
                    row = {"round": r, "version": name, "query": query, "fresh_" + mode: times[0]}
                    rows[query][name].append(row)
                    print(json.dumps(row), flush=True)
                for query, (first, median) in repeated(site, repeats).items():
                    row = {"round": r, "version": name, "query": query, "first_file": first, "repeated_median": median}
                    rows[query][name].append(row)
                    print(json.dumps(row), flush=True)
    finally:
        with open(target, "wb") as f:
            f.write(kept)
    print(f"load average after: {os.getloadavg()}\n")
    print("| query | results | search.js | first, `fir serve` | first, `file://` | again, `fir serve` "
          "| again, `file://` | first, `file://` (no DevTools network) | repeated, median "
          "| first, own browser, `fir serve` | first, own browser, `file://` |")
    print("|---|---:|---|---|---|---|---|---|---|---|---|")
    for query, by_version in rows.items():
        for name in ("old", "new"):
            measured = by_version[name]
            of = lambda key, digits=0: spread([m[key] for m in measured if key in m], digits)
            results = next(m["results"] for m in measured if "results" in m)
            print(f"| `{query}` | {results:,} | {name} | {of('serve')} | {of('file')} | {of('serve_again')} "
                  f"| {of('file_again')} | {of('first_file')} | {of('repeated_median', 1)} "
                  f"| {of('fresh_serve')} | {of('fresh_file')} |")


if __name__ == "__main__":
    main()
