"""Command line: `python -m bot run | serve [--socket|--http] | validate [PACK...] | console | manifest [--http URL]
| pack new SOURCE | pack check [PACK...] | pack export ID | pack import FILE --team T | export | backup DEST
| restore SRC | forget --team T | --user U`.

Exit status 2, with one line on stderr, for anything the operator must fix (settings, token, database,
packs); never a traceback for those.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, configure_logging, load_settings

if TYPE_CHECKING:
    from questions import PackError

WSGI_TARGET = "bot.web:create_wsgi_app"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The article reading-circle Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="Socket Mode if SLACK_APP_TOKEN is set, HTTP otherwise, the console without tokens")
    serve = sub.add_parser("serve", help="serve Slack: --socket (Socket Mode) or --http (waitress on $PORT)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--socket", action="store_true")
    mode.add_argument("--http", action="store_true")
    validate = sub.add_parser("validate", help="check content packs (default: every pack in CONTENT_DIR)")
    validate.add_argument("packs", nargs="*", type=Path)
    sub.add_parser("console", help="try the bot locally, without Slack")
    manifest = sub.add_parser("manifest", help="print the app manifest (JSON): Socket Mode, or HTTP and OAuth")
    manifest.add_argument("--http", metavar="https://HOST", help="the app's public origin, for request URLs")
    export = sub.add_parser("export", help="votes, comments and quiz answers as CSV or JSON")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--team")
    export.add_argument("--channel")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    # `/discuss export` runs the export in a process of its own at the lowest CPU priority (bot/flows/export.py)
    export.add_argument("--low-priority", action="store_true", help=argparse.SUPPRESS)
    pack = sub.add_parser("pack", help="make a content pack from an article, or check packs")
    pack_sub = pack.add_subparsers(dest="pack_command", required=True)
    new = pack_sub.add_parser("new", help="draft a pack from a Markdown, HTML or text file, or an http(s) URL")
    new.add_argument("source")
    new.add_argument("--lang", choices=["en", "zh-Hans", "zh-Hant"], help="the article's language (default: detected)")
    new.add_argument("--id", dest="pack_id", help="the pack id (default: from the title)")
    new.add_argument("--out", type=Path, help="file to write (default: ./<id>.yaml)")
    check = pack_sub.add_parser("check", help="review packs for unasked figures, loose tolerances, giveaways, damage")
    check.add_argument("packs", nargs="*", type=Path)
    export_pack = pack_sub.add_parser("export", help="write a pack (a workspace's own, or built in) as YAML to edit")
    export_pack.add_argument("pack_id")
    export_pack.add_argument("--team", help="the workspace, where several have a pack of that id")
    export_pack.add_argument("--out", type=Path, help="file to write (default: standard output)")
    import_pack = pack_sub.add_parser("import", help="validate a pack file and make it a workspace's own article")
    import_pack.add_argument("file", type=Path)
    import_pack.add_argument("--team", required=True, help="the workspace (Slack team id) that reads it")
    backup = sub.add_parser("backup", help="a consistent copy of the database (and its click journals), while serving")
    backup.add_argument("dest", type=Path)
    backup.add_argument("--force", action="store_true", help="replace DEST if it exists")
    restore = sub.add_parser("restore", help="put a backup in place as DATABASE_PATH (the app stopped)")
    restore.add_argument("source", type=Path)
    restore.add_argument("--force", action="store_true", help="move an existing database aside instead of refusing")
    forget = sub.add_parser("forget", help="delete a workspace's or a person's votes, answers, comments and scores")
    forget.add_argument("--team", help="the workspace (alone: everything it left; with --user: that person in it)")
    forget.add_argument("--user", help="the person's Slack user id")
    forget.add_argument("--export", type=Path, metavar="FILE", help="write what will be deleted to FILE (JSON) first")
    args = parser.parse_args(argv)

    try:
        if args.command == "pack":
            if args.pack_command in ("export", "import"):
                return transfer_pack(args)
            return new_pack(args) if args.pack_command == "new" else check_packs(args.packs)
        if args.command == "validate":
            return validate_packs(args.packs)
        if args.command == "manifest":
            return print_manifest(args.http)
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "export":
            return export_responses(settings, args)
        if args.command in ("backup", "restore"):
            return backup_or_restore(settings, args)
        if args.command == "forget":
            return forget_data(settings, args)
        if args.command == "console" or (args.command == "run" and not settings.has_slack_tokens):
            from bot.console import run_console

            return run_console(settings)
        socket = args.socket if args.command == "serve" else bool(settings.app_token)
        if args.command == "serve" and not (args.socket or args.http):
            socket = bool(settings.app_token)
        return serve_socket(settings) if socket else serve_http(settings)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def validate_packs(paths: list[Path]) -> int:
    from questions import PackError, load_pack, load_packs

    try:
        if paths:
            names = [load_pack(p).pack.id for p in paths]
        else:
            settings = load_settings()
            names = list(load_packs(settings.content_dir))
    except PackError as exc:
        return print_problems(exc)
    print(f"ok: {len(names)} pack(s): {', '.join(names)}")
    return 0


def new_pack(args: argparse.Namespace) -> int:
    """Draft, write, validate, and list what to review as `file:line: what`; exit 1 if it does not load."""
    from questions import PackError, load_pack
    from questions.authoring import SourceError, draft_pack, read_source
    from questions.authoring.render import write

    try:
        article = read_source(args.source)
        name = Path(args.source.rstrip("/")).stem or "article"
        draft = draft_pack(article, language=args.lang, pack_id=args.pack_id, fallback_name=name)
    except (SourceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = args.out or Path(f"{draft.pack['pack']['id']}.yaml")
    review = write(draft, out, args.source)
    try:
        pack = load_pack(out)
    except PackError as exc:
        return print_problems(exc)
    print(f"wrote {out}: {len(pack.sections)} sections, {len(pack.quiz)} questions, {len(pack.polls)} polls "
          f"({draft.language}); valid.")
    print("review:")
    for line in review:
        print(f"  {line}")
    return 0


def print_problems(exc: PackError) -> int:
    """A pack that does not load: each of its problems on stderr as `file:line: problem`; exit status 1."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    return 1


def check_packs(paths: list[Path]) -> int:
    """Every problem as `file:line: problem`; exit 1 if there are any."""
    from questions import PackError
    from questions.authoring.check import check_file

    if not paths:
        paths = sorted(load_settings().content_dir.glob("*.yaml"))
    found = 0
    for path in paths:
        try:
            problems = check_file(path)
        except PackError as exc:
            problems = [str(p) for p in exc.problems]
        found += len(problems)
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{path}: ok")
    return 1 if found else 0


def transfer_pack(args: argparse.Namespace) -> int:
    """`pack export ID [--team T] [--out FILE]` and `pack import FILE --team T`: a workspace's packs in and out of
    the database as YAML (a running app sees an imported pack within 30 s: bot/library.py)."""
    from bot.flows.articles import PackTransferError, export_text, import_file
    from questions import PackError, load_packs
    from store import open_store

    settings = load_settings()
    store = open_store(settings.database_path)
    try:
        if args.pack_command == "export":
            text = export_text(store, settings.content_dir, args.pack_id, args.team)
            if args.out:
                args.out.write_text(text, encoding="utf-8")
                print(f"wrote {args.out}", file=sys.stderr)
            else:
                sys.stdout.write(text)
            return 0
        pack, replaced = import_file(store, set(load_packs(settings.content_dir)), args.file, args.team)
    except PackTransferError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PackError as exc:
        return print_problems(exc)
    print(f"{'replaced' if replaced else 'added'} {pack.pack.id} for workspace {args.team}: {len(pack.sections)} "
          f"sections, {len(pack.quiz)} questions, {len(pack.polls)} polls")
    return 0


def print_manifest(http: str | None) -> int:
    """The manifest on stdout; no settings needed (`> manifest.json`, or paste into api.slack.com/apps)."""
    import json

    from bot.manifest import build, https_origin

    try:
        origin = https_origin(http) if http is not None else None
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(build(origin), indent=2, ensure_ascii=False) + "\n")
    return 0


def export_responses(settings: Settings, args: argparse.Namespace) -> int:
    """Rows streamed from SQLite to the file (or standard output) as they are read: constant memory."""
    from bot.flows.export import records, write_csv, write_json
    from bot.startup import prepare

    if args.low_priority:
        os.nice(19)
    services = prepare(settings, check_token=False, journal_dir=None)  # reads only: no journal of its own
    write = write_csv if args.format == "csv" else write_json
    rows = records(services, team_id=args.team, channel_id=args.channel)
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as out:
            count = write(rows, out)
        print(f"wrote {count} rows to {args.out}", file=sys.stderr)
    else:
        write(rows, sys.stdout)
    return 0


def backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from store.backup import BackupError, backup, restore

    try:
        if args.command == "backup":
            copied = backup(settings.database_path, args.dest, force=args.force)
        else:
            copied = restore(args.source, settings.database_path, force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    journals = f" and {len(copied.journals)} click journal(s)" if copied.journals else ""
    print(f"{args.command}: wrote {copied.database}{journals}"
          + ("; the next start applies the journals' clicks" if args.command == "restore" and journals else ""),
          file=sys.stderr)
    return 0


def forget_data(settings: Settings, args: argparse.Namespace) -> int:
    """`--team T`: everything the workspace left (store.teams.forget_team); `--user U` (optionally in `--team T`):
    the person's votes, clicks, comments and quiz answers (store.privacy), anonymous polls included."""
    import json

    from store import open_store, privacy, teams
    from store.backup import live_journals

    if not (args.team or args.user):
        print("error: forget needs --team T, --user U, or both", file=sys.stderr)
        return 2
    if args.export:
        if args.user:
            exported: object = privacy.rows_of_user(open_store(settings.database_path), args.user, args.team)
        else:
            from bot.flows.export import rows
            from bot.startup import prepare

            exported = rows(prepare(settings, check_token=False, journal_dir=None), team_id=args.team)
        args.export.write_text(json.dumps(exported, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        print(f"wrote what is to be deleted to {args.export}", file=sys.stderr)
    store = open_store(settings.database_path)
    deleted = (privacy.forget_user(store, args.user, args.team) if args.user else teams.forget_team(store, args.team))
    print("deleted " + (", ".join(f"{n} {table}" for table, n in deleted.items() if n) or "nothing"),
          file=sys.stderr)
    if live_journals(settings.database_path):
        print("note: the app is running; a click it acknowledged in the last seconds and has not written yet may "
              "still land: run forget again in a minute", file=sys.stderr)
    return 0


def serve_socket(settings: Settings) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.startup import prepare, start

    settings.require_socket()
    services = prepare(settings)
    app, scheduler = start(services, freeze=True)
    try:
        SocketModeHandler(app, settings.app_token).start()
    finally:  # Ctrl-C or SIGTERM: no new timers, queued Slack work and journaled clicks finish
        if scheduler is not None:
            scheduler.shutdown()
        services.stop()
    return 0


def serve_http(settings: Settings) -> int:
    """Serve exactly as the Procfile's `web:` line does (bot/server.py: waitress)."""
    from bot import server

    settings.require_http()
    return server.main([WSGI_TARGET])


if __name__ == "__main__":
    sys.exit(main())
