"""`python -m bench.peak FIGURES.json COMMAND...`: run COMMAND and write its own CPU seconds
and peak resident memory to FIGURES.json; exit with its exit code.

Why a process in between: on Linux a child's peak resident memory (`ru_maxrss` from
`wait4`, or `RUSAGE_CHILDREN`) starts from its parent's peak at the fork, and survives the
exec. A benchmark that has built a 300,000-record seed would see its own few hundred MB
in every child it measures. This launcher is a small fresh process: what it forks starts
from its few MB, so the figure is the command's own. Standard library only, for the same
reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    out, command = Path(argv[0]), argv[1:]
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    figures = {
        "returncode": process.returncode,
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
    }
    out.write_text(json.dumps(figures))
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
