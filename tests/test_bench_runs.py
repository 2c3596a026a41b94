"""The benchmarks still run against today's code (at sizes too small to measure anything).

A bench is not run by CI, so a change of a flow's signature breaks it silently until the next measurement
(`bench/data_growth.py` called `discuss_results` without the channel's reading for a day). These run each
in-process bench once, tiny, in a subprocess as `make bench` does, and check that it printed its verdict.
Nothing here judges speed: that is `make bench`'s, on a quiet machine."""

import subprocess
import sys

from bench.process import ROOT


def run(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_data_growth_bench_runs():
    out = run("bench.data_growth", "--sizes", "200", "--runs", "1")
    assert "/discuss results" in out and "targets (each query" in out


def test_the_acknowledgement_path_bench_runs():
    out = run("bench.ack_path", "--requests", "40")
    for kind in ("poll votes", "quiz answers", "digest next", "thread replies"):
        assert f"{kind}" in out and "CPU per request" in out
