"""Start the web process exactly as the Procfile's `web:` line does, against a local Web API stand-in."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def procfile_web_command() -> list[str]:
    line = next(entry for entry in (ROOT / "Procfile").read_text().splitlines() if entry.startswith("web:"))
    import shlex

    return shlex.split(line[len("web:"):].strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(env: dict[str, str], port: int, command: list[str] | None = None) -> tuple[subprocess.Popen, float]:
    """The web process and its cold-start time: spawn until /healthz (or the endpoint) answers."""
    command = command or procfile_web_command()
    command = [c.replace("$PORT", str(port)) for c in command]
    if command[0] in ("python", "python3"):
        command = [sys.executable, *command[1:]]
    full_env = {**os.environ, **env, "PORT": str(port), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    # the log goes to a file: a pipe nobody reads fills up and then blocks every thread that logs
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)  # its own process group: master and workers stop together
    proc.log = log  # type: ignore[attr-defined]
    deadline = started + 60
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"web process exited {proc.returncode}: {log.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5) as r:
                if r.status in (200, 404):
                    return proc, time.perf_counter() - started
        except urllib.error.HTTPError as e:  # a bare app answers 404 for /healthz: it is up
            if e.code == 404:
                return proc, time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    proc.kill()
    raise RuntimeError("web process did not answer within 60 s")


def peak_rss_kib(pid: int) -> int:
    """VmHWM of the process and its children (the server and anything it started)."""
    total = 0
    pids = [pid] + [int(p) for p in re.findall(r"\d+", _children(pid))]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+)", status)
        total += int(match.group(1)) if match else 0
    return total


def _children(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process and its children (the server and anything it started) have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid] + [int(c) for c in re.findall(r"\d+", _children(pid))]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def errors_logged(proc: subprocess.Popen) -> int:
    """ERROR lines the web process has logged so far."""
    log = proc.log  # type: ignore[attr-defined]
    log.seek(0)
    return sum(1 for line in log if b" ERROR " in line)


def rss_kib(pid: int) -> int:
    """VmRSS now of the process and its children (the server and anything it started): what it holds, not its peak."""
    total = 0
    for p in [pid] + [int(c) for c in re.findall(r"\d+", _children(pid))]:
        try:
            match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{p}/status").read_text())
        except OSError:
            continue
        total += int(match.group(1)) if match else 0
    return total


def rss_parts_kib(pid: int) -> dict[str, int]:
    """The server's resident memory by kind (RssAnon: heap, the Python objects and SQLite's page caches;
    RssFile: mapped files, the click journal among them; RssShmem: SQLite's WAL index), its children left out."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {kind: int(m.group(1)) for kind in ("RssAnon", "RssFile", "RssShmem")
            if (m := re.search(rf"{kind}:\s+(\d+)", text))}
