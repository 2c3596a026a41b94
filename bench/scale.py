"""Many workspaces and years of data (issue #20): OAuth mode against single-token mode, and acknowledgements
during a whole-workspace export.

    python -m bench --scenarios --fanout 0 --oauth 10000 --export-rows 2000000

`--oauth N`: the app served twice as the Procfile serves it, once with a bot token and once in OAuth mode
over N stored installations; `/digest help` from 500 of the workspaces (each seen once before the rounds,
so the rounds measure a warm process), in alternating rounds. Prints the ratios and the Web API calls per
request OAuth mode made during the rounds.

`--export-rows N`: N/2 votes and N/2 quiz answers in one workspace (bench.data_growth fills the file);
`python -m bot export` of all of them (peak RSS against an export of nothing), then the served app
acknowledging `/digest help` rounds before, during and after a `/discuss export` of the workspace.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import Target, fire, percentile
from bench.data_growth import fill
from bench.process import ROOT, procfile_web_command, rss_kib
from bench.standin import standin_process
from tests.support.signing import slash_command_body

WARM_TEAMS = 500


def help_bodies(stub, teams: list[str], n: int, prefix: str) -> list[str]:
    return [slash_command_body("/digest", "help", user_id=f"U{prefix}{i % 97:03d}", channel_id=f"C{i % 50:04d}",
                               team_id=teams[i % len(teams)], trigger_id=f"{prefix}-{i}",
                               response_url=stub.response_url()) for i in range(n)]


def store_installations(db: Path, count: int, client_id: str) -> None:
    """`count` workspaces installed, through slack_sdk's own SQLite store (the tables the app reads)."""
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore

    from store import open_store

    open_store(db).close()
    installs = SQLite3InstallationStore(database=str(db), client_id=client_id)
    installs.init()
    for n in range(count):
        installs.save(Installation(app_id="A0001", team_id=f"T{n:05d}", user_id="UINSTALLER",
                                   bot_token=f"xoxb-bench-{n:05d}", bot_id="B0001", bot_user_id="UBOT",
                                   bot_scopes=["commands", "chat:write"]))


def burst(target: Target, bodies: list[str], clients: int) -> dict[str, float]:
    latencies, wall, errors = fire(target.url, bodies, clients)
    return {"tput": len(bodies) / wall, "p99": percentile(latencies, 99), "max": max(latencies), "errors": errors}


def verdict(name: str, base: list[dict[str, float]], other: list[dict[str, float]], p99_limit: float) -> str:
    tput = statistics.median(r["tput"] for r in other) / statistics.median(r["tput"] for r in base)
    p99 = statistics.median(r["p99"] for r in other) / statistics.median(r["p99"] for r in base)
    return (f"{name}: throughput {tput:.2f}× (target ≥ 0.90) {'ok' if tput >= 0.9 else 'MISS'}; "
            f"p99 {p99:.2f}× (target ≤ {p99_limit:.2f}) {'ok' if p99 <= p99_limit else 'MISS'}; "
            f"slowest {max(r['max'] for r in other):.0f} ms; errors {sum(r['errors'] for r in other)}")


def run_oauth(installations: int, clients: int, requests: int, rounds: int) -> None:
    command = procfile_web_command()
    teams = [f"T{n:05d}" for n in range(0, installations, max(1, installations // WARM_TEAMS))][:WARM_TEAMS]
    with contextlib.ExitStack() as stack:
        targets = {}
        for name in ("single", "oauth"):
            stub = stack.enter_context(standin_process())
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            env = {}
            if name == "oauth":
                started = time.perf_counter()
                store_installations(tmp / f"{name}.db", installations, "111.222")
                print(f"oauth: {installations:,} installations stored in {time.perf_counter() - started:.1f} s")
                env = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "bench"}
            target = Target(name, command, stub, tmp, env)
            stack.callback(target.stop)
            fire(target.url, help_bodies(stub, teams, len(teams), f"W{name}"), clients)  # each workspace once
            targets[name] = (target, stub)
        results: dict[str, list[dict[str, float]]] = {"single": [], "oauth": []}
        auth_before = len(targets["oauth"][1].calls("auth.test"))
        for r in range(rounds):
            for name, (target, stub) in targets.items():
                results[name].append(burst(target, help_bodies(stub, teams, requests, f"R{r}{name}"), clients))
                stub.wait_until_quiet()
        calls = len(targets["oauth"][1].calls("auth.test")) - auth_before
        for name, rows in results.items():
            print(f"oauth scenario, {name:<6}: {statistics.median(x['tput'] for x in rows):.0f} req/s, p99 "
                  f"{statistics.median(x['p99'] for x in rows):.1f} ms")
        print(verdict(f"OAuth mode, {installations:,} installations vs single token", results["single"],
                      results["oauth"], 1.2) + f"; auth.test calls per request {calls / (requests * rounds):.3f}")


def cli_export_peak_kib(db: Path, team: str) -> tuple[int, float, int]:
    """(peak RSS KiB, seconds, rows) of `python -m bot export --team T --out FILE` in a process of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_PATH": str(db), "CONTENT_DIR": str(ROOT / "tests" / "packs"), "LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        started = time.perf_counter()
        # /usr/bin/time reports the export's own peak: a child forked straight from this process would count
        # this process's pages too, until it execs
        done = subprocess.run(["/usr/bin/time", "-f", "maxrss-kib %M", sys.executable, "-m", "bot", "export",
                               "--team", team, "--out", f"{tmp}/out.csv"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    rows = int(re.search(r"wrote (\d+) rows", done.stderr).group(1))  # type: ignore[union-attr]
    return int(re.search(r"maxrss-kib (\d+)", done.stderr).group(1)), seconds, rows  # type: ignore[union-attr]


def export_child_peak_kib(worker_root: int) -> int:
    """VmHWM of any `bot export` process under the web process (the export runs there, not in the worker)."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"export\x00--format" in status.read_bytes():
                text = (status.parent / "status").read_text()
                peak = max(peak, int(re.search(r"VmHWM:\s+(\d+)", text).group(1)))  # type: ignore[union-attr]
        except (OSError, AttributeError):
            continue
    return peak


def run_export(rows: int, clients: int, requests: int, rounds: int) -> None:
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        db = tmp / "app.db"
        started = time.perf_counter()
        fill(db, rows // 2, 1)  # N/2 answers and N/2 votes (their log rows): N export rows, one workspace
        print(f"export: {rows:,} rows stored in {time.perf_counter() - started:.1f} s")
        empty_kib, _, _ = cli_export_peak_kib(db, "TNOBODY")
        full_kib, seconds, written = cli_export_peak_kib(db, "T0001")
        extra = (full_kib - empty_kib) / 1024
        print(f"python -m bot export: {written:,} rows in {seconds:.1f} s, peak RSS {full_kib / 1024:.0f} MiB against "
              f"{empty_kib / 1024:.0f} MiB exporting nothing: +{extra:.0f} MiB (target < 100) "
              f"{'ok' if extra < 100 else 'MISS'}")

        stub = stack.enter_context(standin_process())
        target = Target("app", procfile_web_command(), stub, tmp, {"ADMIN_USER_IDS": "UADMIN"}, db=db)
        stack.callback(target.stop)
        teams = ["T0001"]
        fire(target.url, help_bodies(stub, teams, 200, "W"), clients)
        before = [burst(target, help_bodies(stub, teams, requests, f"B{r}"), clients) for r in range(rounds)]
        rss_before = rss_kib(target.proc.pid)
        asked = time.perf_counter()
        fire(target.url, [slash_command_body("/discuss", "export", user_id="UADMIN", channel_id="C0000",
                                             team_id="T0001", response_url=stub.response_url())], 1)
        during, child_peak, worker_peak = [], 0, rss_before
        while not stub.calls("files.completeUploadExternal") and time.perf_counter() - asked < 1800:
            round_ = burst(target, help_bodies(stub, teams, requests, f"D{len(during)}"), clients)
            child_peak = max(child_peak, export_child_peak_kib(target.proc.pid))
            worker_peak = max(worker_peak, rss_kib(target.proc.pid))
            if not stub.calls("files.completeUploadExternal"):
                during.append(round_)  # only rounds wholly within the export count
        took = time.perf_counter() - asked
        after = [burst(target, help_bodies(stub, teams, requests, f"A{r}"), clients) for r in range(rounds)]
        print(f"/discuss export of {rows:,} rows: file in the requester's DMs {took:.0f} s after the command; the "
              f"export process peaked at {child_peak / 1024:.0f} MiB; the web process {rss_before / 1024:.0f} → "
              f"{worker_peak / 1024:.0f} MiB at most during it; {len(during)} rounds measured during it")
        if during:
            print(verdict("acks during the export vs without it", before + after, during, 1.2))


def main_scale(oauth: int, export_rows: int, clients: int, requests: int, rounds: int) -> None:
    if oauth:
        run_oauth(oauth, clients, requests, rounds)
    if export_rows:
        run_export(export_rows, clients, requests, max(3, rounds // 2))
