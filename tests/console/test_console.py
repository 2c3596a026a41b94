"""The console: driven through standard input, as a script would, against the real app."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_console(script: str, tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_PATH": str(tmp_path / "console.db"), "CONTENT_DIR": str(ROOT / "tests" / "packs"),
            "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
                          timeout=90, env=env, cwd=tmp_path)


def test_make_run_without_tokens_opens_the_console_and_ends_cleanly_at_end_of_input(tmp_path):
    script = "\n".join([
        "/digest show 1",
        "/digest next",
        "1",                       # the "Read the full section" button of the posted digest
        "/digest schedule daily 09:00 UTC",
        ":tick 1d",
        "/digest nonsense",
    ]) + "\n"
    result = run_console(script, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "┌─ only you\n  1. Code red" in out                 # show, only to the caller
    assert "┌─ #C0CONSOLE\n  Introduction" in out             # next, posted in the channel
    assert "┌─ form: Full text" in out                          # the button opened the modal
    # drawn as Slack shows it (rich): bold without its asterisks, emoji for shortcodes
    assert "📆 @U0YOU set this channel's reading plan: daily at 09:00" in out
    assert "💬 Is code red healthy?" in out and ":speech_balloon:" not in out
    # fast-forwarding a day delivers the scheduled post, in order, with the next time
    after_tick = out.split(":tick 1d", 1)[1]
    assert "1. Code red" in after_tick and "next on" in after_tick
    assert "⚠ I don't know nonsense." in out
    assert (tmp_path / "console.db").exists()                   # the embedded SQLite file


def test_console_explains_unknown_input_and_missing_buttons(tmp_path):
    result = run_console("hello\n7\n:tick soon\n", tmp_path)
    assert result.returncode == 0
    assert "Not understood." in result.stdout
    assert "There is no button [7] on screen." in result.stdout
    assert "Use `:tick 1d`" in result.stdout
