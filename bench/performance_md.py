"""Writes docs/performance.md: the notes (bench/performance-notes.md), the machine, and the table on stdin."""
import datetime
import os
import platform
import subprocess
import sys

mode, results = sys.argv[1], sys.argv[2]
table = sys.stdin.read().strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
machine = (f"{os.cpu_count()} vCPUs ({cpu}), {mem / 1024:.0f} GiB RAM, {platform.system()} {platform.release()}, "
           f"{java}; broker, app and benchmark share the machine (in-JVM KRaft broker, one node)")
notes = open(os.path.join(os.path.dirname(__file__), "performance-notes.md")).read()
print(notes.replace("{{MACHINE}}", machine)
      .replace("{{TABLE}}", table)
      .replace("{{RUN}}", f"`bench/run.sh{' --quick' if mode == 'quick' else ''}`, "
                          f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"), end="")
