"""The least a durable create costs on this disk: THREADS threads each creating,
writing and fsyncing new files for SECONDS (no temporary name, no atomic rename, no
directory fsync: less than an acknowledged submission needs).

    python3 scripts/durable_creates.py DIR THREADS SECONDS
"""
import os
import sys
import threading
import time

directory, threads, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
os.makedirs(directory, exist_ok=True)
counts = [0] * threads
stop = threading.Event()


def work(t):
    n = 0
    while not stop.is_set():
        fd = os.open(f"{directory}/{t}-{n}.md", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.write(fd, b"x" * 600)
        os.fsync(fd)
        os.close(fd)
        n += 1
    counts[t] = n


workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
started = time.time()
for w in workers:
    w.start()
time.sleep(seconds)
stop.set()
for w in workers:
    w.join()
elapsed = time.time() - started
print(f"{sum(counts)} files in {elapsed:.2f} s from {threads} threads: {sum(counts) / elapsed:.0f} files/s")
