#!/usr/bin/env python3
"""Creates N small files in DIR (5 subdirectories), as fast as Python can: the floor for
any tool that writes one file per incident on this disk.

    python3 scripts/create_files.py DIR N
"""
import os
import sys
import time

base, count = sys.argv[1], int(sys.argv[2])
data = b"x" * 1200  # about the size of an imported incident file
for year in range(5):
    os.makedirs(f"{base}/{2012 + year}", exist_ok=True)
started = time.perf_counter()
for i in range(count):
    fd = os.open(f"{base}/{2012 + i % 5}/{i:06}.md", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.close(fd)
# Without the interpreter's start: what the files alone cost.
print(f"created {count} files in {1000 * (time.perf_counter() - started):.1f} ms", file=sys.stderr)
