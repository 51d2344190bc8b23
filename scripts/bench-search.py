#!/usr/bin/env python3
"""Search benchmarks: index build share, first-query download, query time in headless
Chromium, and Pagefind on the same built site.

    cargo build --release --bin fir --example synth
    scripts/bench-search.py                 # 10k and 100k incidents
    scripts/bench-search.py 2000            # other sizes

For each size N it uses the synthetic corpus /tmp/synthN (made with the synth example
when missing), then:

1. `fir build --full` into WORK/site-N with step timings (FIR_LOG=fir=debug): the
   share of the search index in the whole build, and the size of site/search/. A
   full build makes the index while it renders the pages: its own wall time then
   counts time shared with the render (an upper bound of what it adds).
2. headless Chromium (chromedriver's WebDriver API, browser cache off) opens
   search.html served by `fir serve`, then from file://; for each query, a fresh
   page: the time of the first query (files loaded on demand) and the bytes of the
   index files it loaded, then the same query again on the warm page. Then each
   query's first run in a browser of its own, three times over both ways (no
   DevTools domain on: the page's own time, as a user's first visit sees it).
3. `pagefind --site WORK/site-N --glob 'incidents/*.html'` when pagefind is installed
   (PAGEFIND=path overrides): wall time, peak memory, output size.

Work files go to target/bench-search/ (BENCH_DIR overrides). Prints Markdown tables.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIR = os.environ.get("FIR") or os.path.join(ROOT, "target/release/fir")
SYNTH = os.path.join(ROOT, "target/release/examples/synth")
WORK = os.path.abspath(os.environ.get("BENCH_DIR", os.path.join(ROOT, "target/bench-search")))

# Queries a CERT analyst types: a common word, rarer words, a phrase, an indicator
# plain and defanged, filters, a prefix.
QUERIES = [
    "qakbot",
    "phishing",
    "mule accounts",
    '"scheduled task"',
    "artifact:no-reply@securereleve.live",
    "artifact:wallet-crypto[.]top",
    "category:malware severity:>=3 status:open",
    "ransom* year:2024",
]


def timed(cmd, env=None):
    """Runs cmd under GNU time: (wall seconds, max RSS KiB, stdout, stderr)."""
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M"] + cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{cmd} failed:\n{out.stdout}\n{out.stderr}")
    wall, rss = re.findall(r"TIME ([\d.]+) (\d+)", out.stderr)[-1]
    return float(wall), int(rss), out.stdout, out.stderr


def seconds(text):
    """`1.23s`, `456.7ms`, `12.3µs` → seconds."""
    number, unit = re.match(r"([\d.]+)\s*(\w+|µs)", text).groups()
    return float(number) * {"s": 1, "ms": 1e-3, "µs": 1e-6, "us": 1e-6, "ns": 1e-9}[unit]


def dir_size(path):
    files = total = 0
    for base, _, names in os.walk(path):
        for name in names:
            files += 1
            total += os.path.getsize(os.path.join(base, name))
    return files, total


def build(n):
    corpus = f"/tmp/synth{n // 1000}k" if n % 1000 == 0 else f"/tmp/synth{n}"
    if not os.path.isdir(corpus):
        subprocess.run([SYNTH, corpus, str(n)], check=True)
    site = os.path.join(WORK, f"site-{n}")
    env = dict(os.environ, FIR_LOG="fir=debug")
    wall, rss, stdout, stderr = timed([FIR, "--root", corpus, "build", "--full", "--out", site], env)
    steps = {m[0]: seconds(m[1]) for m in re.findall(r"step (.+?): (\S+)", stderr)}
    # A full build makes the index beside the pages (one step for both): the index's
    # own wall time is then logged apart, with the cores shared.
    beside = re.search(r"search: index built in (\S+)", stderr)
    if "search index" not in steps and beside:
        steps["search index (beside the render)"] = seconds(beside.group(1))
    elapsed = seconds(re.search(r" in (\S+?)(,|$)", stdout.strip()).group(1))
    return corpus, site, wall, rss, steps, elapsed


class Driver:
    """The few WebDriver calls the benchmark needs."""

    def __init__(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.proc = subprocess.Popen(["/usr/bin/chromedriver", f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        self.profile = tempfile.mkdtemp()
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", f"--user-data-dir={self.profile}"]
        binary = "/usr/lib/chromium/chromium" if os.path.exists("/usr/lib/chromium/chromium") else "/usr/bin/chromium"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": {"binary": binary, "args": args}}}}
        # Chromium now and then fails to start on a loaded machine: tried again.
        for attempt in range(3):
            try:
                self.session = self.call("POST", "/session", caps)["sessionId"]
                break
            except urllib.error.HTTPError:
                if attempt == 2:
                    raise
                time.sleep(1)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as resp:
            return json.load(resp)["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def goto(self, url):
        self.s("POST", "/url", {"url": url})

    def run(self, script, asynchronous=False):
        return self.s("POST", "/execute/async" if asynchronous else "/execute/sync", {"script": script, "args": []})

    def open_search(self, url):
        """Opens the search page at `url` and waits (10 s at most) until it is ready."""
        self.goto(url)
        for _ in range(200):
            if self.run("return document.getElementById('search-results').dataset.ready || ''") == "true":
                return
            time.sleep(0.05)

    def close(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.terminate()
            shutil.rmtree(self.profile, ignore_errors=True)


class FirServe:
    """`fir serve` on the built site, as an intranet would serve it (HTTP/1.1, hyper):
    a scratch root holding the corpus's fir.toml and a `site` link to the built site."""

    def __init__(self, corpus, site):
        self.root = tempfile.mkdtemp()
        shutil.copy(os.path.join(corpus, "fir.toml"), self.root)
        os.makedirs(os.path.join(self.root, "content", "incidents"))
        os.symlink(os.path.abspath(site), os.path.join(self.root, "site"))
        self.proc = subprocess.Popen([FIR, "--root", self.root, "-q", "serve", "--bind", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        self.base = re.search(r"(http://\S+)", line).group(1).rstrip("/") + "/"

    def shutdown(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)


QUERY_JS = """
var done = arguments[arguments.length - 1];
document.getElementById('search-q').value = %s;
var started = performance.now();
firSearch.run(false).then(function () {
  done([firSearch.lastMs, performance.now() - started, firSearch.loaded.slice(),
        Number(document.querySelector('#search-results .search-count').textContent.replace(/[^0-9]/g, ''))]);
});
"""


def first_and_again(driver, page, query):
    """A fresh page at `page`, then `query` twice: (first, again, files loaded, total), where
    first and again are (ms until the results showed, ms until the facet counts did too)."""
    driver.open_search(page)
    shown, complete, loaded, total = driver.run(QUERY_JS % json.dumps(query), True)
    again_shown, again_complete, _, _ = driver.run(QUERY_JS % json.dumps(query), True)
    return (shown, complete), (again_shown, again_complete), loaded, total


def browser_queries(corpus, site):
    server = FirServe(corpus, site)
    base = server.base
    driver = Driver()
    rows = []
    try:
        driver.s("POST", "/timeouts", {"script": 120000})
        # Every first query loads its files anew, as on a first visit.
        driver.s("POST", "/goog/cdp/execute", {"cmd": "Network.enable", "params": {}})
        driver.s("POST", "/goog/cdp/execute", {"cmd": "Network.setCacheDisabled", "params": {"cacheDisabled": True}})
        for query in QUERIES:
            cold_ms, warm_ms, loaded, total = first_and_again(driver, base + "search.html", query)
            file_ms, file_warm_ms, _, _ = first_and_again(driver, f"file://{os.path.abspath(site)}/search.html", query)
            size = sum(os.path.getsize(os.path.join(site, p)) for p in loaded)
            cli = subprocess.run([FIR, "search", "--json", "--limit", "1", "--site", site, query],
                                 capture_output=True, text=True, check=True)
            cli_total = json.loads(cli.stdout)["total"]
            rows.append((query, total, cli_total, cold_ms, warm_ms, file_ms, file_warm_ms, len(loaded), size))
    finally:
        driver.close()
        server.shutdown()
    return rows


def fresh_queries(corpus, site, rounds=3):
    """{(query, "serve" or "file"): [ms until the results showed]}: each first query in
    a browser of its own (new profile, no DevTools domain on), so that every file loads
    anew and nothing but the page itself runs in it, as on a user's first visit. The
    browser starts before the page opens and is not timed."""
    server = FirServe(corpus, site)
    out = {}
    try:
        for _ in range(rounds):
            for query in QUERIES:
                for mode, page in (("serve", server.base + "search.html"),
                                   ("file", f"file://{os.path.abspath(site)}/search.html")):
                    driver = Driver()
                    try:
                        driver.s("POST", "/timeouts", {"script": 120000})
                        driver.open_search(page)
                        shown = driver.run(QUERY_JS % json.dumps(query), True)[0]
                        out.setdefault((query, mode), []).append(shown)
                    finally:
                        driver.close()
    finally:
        server.shutdown()
    return out


def pagefind(site, n):
    binary = os.environ.get("PAGEFIND") or shutil.which("pagefind") or "/tmp/pagefind-install/bin/pagefind"
    if not os.path.exists(binary):
        return None
    out = os.path.join(WORK, f"pagefind-{n}")
    shutil.rmtree(out, ignore_errors=True)
    wall, rss, _, _ = timed([binary, "--site", site, "--glob", "incidents/*.html", "--output-path", out])
    files, size = dir_size(out)
    return wall, rss, files, size


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10000, 100000]
    os.makedirs(WORK, exist_ok=True)
    print(f"load average before: {os.getloadavg()}")
    for n in sizes:
        corpus, site, wall, rss, steps, elapsed = build(n)
        index = steps.get("search index", steps.get("search index (beside the render)", 0.0))
        files, size = dir_size(os.path.join(site, "search"))
        print(f"\n### {n} incidents ({corpus}), load average {os.getloadavg()[0]:.1f}\n")
        print("| fir build --full wall | max RSS | build (report) | search index step | share | index files | index size | per incident |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| {wall:.1f} s | {rss // 1024} MB | {elapsed:.1f} s | {index:.2f} s | {100 * index / elapsed:.1f} % "
              f"| {files} | {size / 1e6:.1f} MB | {size / n:.0f} B |")
        print("\nsteps: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
        pf = pagefind(site, n)
        if pf:
            print("\n| Pagefind wall | max RSS | files | size | per incident |\n|---:|---:|---:|---:|---:|")
            print(f"| {pf[0]:.1f} s | {pf[1] // 1024} MB | {pf[2]} | {pf[3] / 1e6:.1f} MB | {pf[3] / n:.0f} B |")
        else:
            print("\nPagefind: not installed")
        if os.path.exists("/usr/bin/chromedriver"):
            # Each time: until the results showed (until the facet counts showed too).
            print("\n| query | results (browser / fir search) | first query fir serve / file:// | again fir serve / file:// "
                  "| files loaded | bytes loaded |")
            print("|---|---:|---:|---:|---:|---:|")
            ms = lambda t: f"{t[0]:.0f} ({t[1]:.0f})"
            for query, total, cli_total, cold, warm, fcold, fwarm, count, loaded in browser_queries(corpus, site):
                q = query.replace("|", "\\|")
                print(f"| `{q}` | {total} / {cli_total} | {ms(cold)} / {ms(fcold)} ms | {ms(warm)} / {ms(fwarm)} ms "
                      f"| {count} | {loaded / 1024:.0f} KB |")
            fresh = fresh_queries(corpus, site)
            print("\nFirst query in a browser of its own (three runs each), ms until the results showed:\n")
            print("| query | fir serve | file:// |\n|---|---:|---:|")
            for query in QUERIES:
                cells = [" ".join(f"{t:.0f}" for t in fresh[(query, mode)]) for mode in ("serve", "file")]
                print(f"| `{query.replace('|', chr(92) + '|')}` | {cells[0]} | {cells[1]} |")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
