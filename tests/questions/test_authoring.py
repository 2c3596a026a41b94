"""`pack new` and `pack check`: real articles (tests/articles/) become valid packs whose sections follow the
article's headings and whose answers the text states; URLs are fetched from a local server only."""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.domain.i18n import t
from questions import load_pack
from questions.authoring import SourceError, draft_pack, read_source
from questions.authoring.check import check_file, check_pack
from questions.authoring.sources import fetch_url, read_markdown, read_text
from questions.schema import Pack

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "articles"
BUILTIN = ROOT / "questions" / "altman-2025-12.yaml"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=os.environ | {"PYTHONPATH": str(ROOT)})


def make(tmp_path: Path, name: str, *extra: str) -> tuple[Pack, Path, subprocess.CompletedProcess[str]]:
    out = tmp_path / f"{name}.yaml"
    result = cli("pack", "new", str(ARTICLES / name), "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return load_pack(out), out, result


def section_text(pack: Pack, section_id: str) -> str:
    lang = pack.pack.default_language
    sec = pack.section(section_id)
    return "\n".join([sec.title[lang], sec.text[lang]] + [s.text[lang] for s in sec.subsections])


def assert_answers_are_in_their_sections(pack: Pack) -> None:
    lang = pack.pack.default_language
    assert pack.quiz, "no questions were drafted"
    for q in pack.quiz:
        text = section_text(pack, q.section)
        if q.kind == "choice":
            assert q.answer is not None
            assert q.options[q.answer][lang] in text, q.id
            others = [o[lang] for i, o in enumerate(q.options) if i != q.answer]
            assert len(set(others)) == 3 and q.options[q.answer][lang] not in others
        else:
            number = f"{q.answer_value:g}"
            assert re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", text), q.id
        quoted = re.search(r"[“「](.+)[”」]$", q.explanation[lang], re.S)
        assert quoted and quoted.group(1).rstrip("…") [:40] in text.replace("\n", " ") or quoted.group(1)[:40] in text


def test_english_markdown_with_front_matter(tmp_path):
    pack, out, result = make(tmp_path, "trafilatura-readme.md")
    assert pack.pack.languages == ["en"] and pack.pack.default_language == "en"  # one language only
    assert pack.pack.title["en"] == "Trafilatura: Discover Web Content, Extract Text and Metadata"
    assert pack.pack.source.author == "Adrien Barbaresi" and pack.pack.source.licence == "Apache-2.0"
    titles = [s.title["en"] for s in pack.sections if s.kind != "introduction"]
    assert titles == ["Introduction", "Documentation", "License", "Contributing", "Support", "Context"]
    everything = out.read_text(encoding="utf-8")
    for markup in ("<img", "](http", "**", "<br", "title: \"Trafilatura", "licence: Apache-2.0\n---"):
        assert markup not in everything.split("sections:", 1)[1], markup
    intro = pack.section("s1").text["en"]
    assert "Trafilatura is a comprehensive Python package and command-line tool" in intro  # words kept, bold gone
    assert "widely used across thousands of projects" in intro  # the links' words stay
    assert_answers_are_in_their_sections(pack)
    # what to review, each at its line of the written file
    lines = out.read_text(encoding="utf-8").splitlines()
    review = [ln.strip() for ln in result.stdout.splitlines() if ln.strip().startswith(str(out))]
    assert review
    for row in review:
        line = int(row.split(":")[1])
        if row.endswith("digest point"):
            assert lines[line - 1].lstrip().startswith("- en:"), row


def test_chinese_markdown_in_simplified_script(tmp_path):
    pack, _, _ = make(tmp_path, "jieba-readme.zh-Hans.md")
    assert pack.pack.languages == ["zh-Hans"]  # detected, not declared
    titles = [s.title["zh-Hans"] for s in pack.sections]
    assert titles[:4] == ["jieba", "Feature", "Python 2.x 下的安装", "Algorithm"]
    assert titles[-2:] == ["分词速度", "常见问题"]
    asked = {q.options[q.answer]["zh-Hans"] if q.kind == "choice" else q.answer_value for q in pack.quiz}
    assert {"三种", "4 核", 3.3, 400} <= asked  # counts in Chinese numerals, quantities with units
    assert_answers_are_in_their_sections(pack)
    assert [p.question["zh-Hans"] for p in pack.polls] == ["2）这个库的授权是?"] or pack.polls


def test_html_page(tmp_path):
    pack, _, _ = make(tmp_path, "python-faq-general.html")
    assert pack.pack.title["en"] == "General Python FAQ"
    assert [s.title["en"] for s in pack.sections] == ["General Information", "Python in the real world"]
    text = section_text(pack, "s1")
    assert "What is Python?" in text and "¶" not in text
    assert "In February 1991, after just over a year of development, I decided to post to USENET." in text
    assert_answers_are_in_their_sections(pack)


def test_plain_text(tmp_path):
    pack, _, _ = make(tmp_path, "python-license.txt")
    assert [s.title["en"] for s in pack.sections] == [
        "A. HISTORY OF THE SOFTWARE", "B. TERMS AND CONDITIONS FOR ACCESSING OR OTHERWISE USING PYTHON"]
    assert "In 1995, Guido continued his work on Python" in section_text(pack, "s1")
    assert_answers_are_in_their_sections(pack)


@pytest.mark.parametrize("name", ["trafilatura-readme.md", "jieba-readme.zh-Hans.md", "python-faq-general.html",
                                  "python-license.txt"])
def test_every_draft_passes_its_own_check(tmp_path, name):
    _, out, _ = make(tmp_path, name)
    assert check_file(out) == []


def test_numbered_paragraphs_make_sections_when_there_are_no_headings():
    text = ("引言第一句。引言第二句。引言第三句。\n\n一、第一部分的标题\n\n它持续三年，花了 1.4 万亿美元。还有 70.9% 的人同意。第三句话。\n\n"  # noqa: E501 - data as written
            "二、第二部分：这里是一段很长的编号段落，用来说明编号段落本身也能成为一节，而且这一节的标题取自它的第一句话。"
            "它说 6–8 周就够了。最后一句。\n\n结语\n\n这会持续下去吗？")
    pack = Pack.model_validate(draft_pack(read_text(text), fallback_name="t").pack)
    assert [s.kind for s in pack.sections] == ["introduction", "section", "section", "conclusion"]
    assert pack.sections[1].title["zh-Hans"] == "一、第一部分的标题"
    assert pack.sections[2].title["zh-Hans"].startswith("二、第二部分")
    values = {f.value["zh-Hans"] for s in pack.sections for f in s.key_figures}
    assert {"三年", "1.4 万亿美元", "70.9%", "6–8 周"} <= values
    assert [p.question["zh-Hans"] for p in pack.polls] == ["这会持续下去吗？"]
    assert [o.id for o in pack.polls[0].options] == ["yes", "no", "partly", "unsure"]
    english = read_markdown("Intro one. Intro two. Intro three.\n\n1. First part\n\nIt took 25% less.\n\n"
                            "2. Second part\n\nIt ran for 12 years.\n")
    assert [b.kind for b in english.blocks][:2] == ["paragraph", "paragraph"]


def test_a_numeric_tolerance_never_reaches_a_neighbouring_figure():
    text = ("# A\n\nThe thinking model scored 70.9% on the test. The pro model scored 74.1% on it. "
            "Everyone else scored 50% or less.\n")
    pack = Pack.model_validate(draft_pack(read_markdown(text), fallback_name="t").pack)
    numeric = {q.answer_value: q.tolerance for q in pack.quiz if q.kind == "numeric"}
    assert numeric[70.9] is not None and numeric[70.9] < (74.1 - 70.9) / 2
    for q in pack.quiz:  # the question on one figure hides the others of its sentence
        assert "74.1" not in q.question["en"] or q.answer_value == 74.1


def test_check_reports_a_tolerance_only_past_halfway_to_a_neighbour():
    text = "# A\n\nThe thinking model scored 70.9% on the test. The pro model scored 74.1% on it.\n"
    data = draft_pack(read_markdown(text), fallback_name="t").pack
    question = next(q for q in data["quiz"] if q.get("answer_value") == 70.9)

    def tolerance_problems(tolerance: float) -> list[str]:
        question["tolerance"] = tolerance
        return [m for _, m in check_pack(Pack.model_validate(data)) if "tolerance" in m]

    assert tolerance_problems(1.6) == []  # 72.5 is as near 70.9 as 74.1: not yet the other figure's
    assert tolerance_problems(1.7) == ["tolerance 1.7 reaches past halfway to 74.1, another number of section intro"]


# -- URLs: a local server only ----------------------------------------------------------------------------
class _Pages(http.server.BaseHTTPRequestHandler):
    pages: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        content_type, body = self.pages.get(self.path, ("text/plain", b"not here"))
        self.send_response(200 if self.path in self.pages else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_site():
    html = (ARTICLES / "python-faq-general.html").read_bytes()
    _Pages.pages = {"/faq.html": ("text/html; charset=utf-8", html),
                    "/big.html": ("text/html", b"<p>" + b"x" * 4096 + b"</p>"),
                    "/file.zip": ("application/zip", b"PK")}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_is_fetched_and_extracted(local_site, tmp_path):
    article = read_source(f"{local_site}/faq.html")
    assert article.title == "General Python FAQ" and article.url == f"{local_site}/faq.html"
    out = tmp_path / "faq.yaml"
    result = cli("pack", "new", f"{local_site}/faq.html", "--id", "python-faq", "--out", str(out))
    assert result.returncode == 0, result.stderr
    pack = load_pack(out)
    assert pack.pack.id == "python-faq" and pack.pack.source.url == f"{local_site}/faq.html"


def test_fetching_refuses_big_pages_other_content_and_other_schemes(local_site):
    with pytest.raises(SourceError, match="limit"):
        fetch_url(f"{local_site}/big.html", max_bytes=1024)
    with pytest.raises(SourceError, match="not a web page"):
        fetch_url(f"{local_site}/file.zip")
    with pytest.raises(SourceError, match="could not be fetched"):
        fetch_url(f"{local_site}/missing.html")
    with pytest.raises(SourceError, match="only http"):
        fetch_url("file:///etc/passwd")


# -- pack check --------------------------------------------------------------------------------------------
SAMPLE = ROOT / "tests" / "packs" / "sample.yaml"


def test_check_reports_each_problem_of_a_broken_pack(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    edits = [
        # a giveaway: q-weekly-users' answer in another question
        ('"How long does code red usually last?"', '"Code red lasts how long, with 800 million users?"'),
        # a tolerance reaching halfway to another number of the section (800 vs 1000)
        ("Models will not be commoditised: 800 million people", "Models will not be commoditised: 800 million people, not 1000 million,"),  # noqa: E501 - data as written
        ("    tolerance: 100\n", "    tolerance: 150\n"),
        # an answer not in its section, and damage: a pinyin gloss, a `*`, markup
        ('- {en: "$1.4 trillion", zh-Hant: "1.4 萬億美元"}', '- {en: "$1.5 trillion", zh-Hant: "1.5 萬億美元"}'),
        ('{en: "Code red is routine.", zh-Hant: "紅色代碼是常規。"}', '{en: "Code red is <b>routine</b>.", zh-Hant: "紅色代碼是常規。"}'),  # noqa: E501 - data as written
        ('{en: "No commoditisation.", zh-Hant: "不會商品化。"}', '{en: "No commoditisation.", zh-Hant: "不會商(shāng)品化。"}'),  # noqa: E501 - data as written
        ('"Compute is the ledger."', '"Compute is the * ledger."'),
        # a figure nobody asks about, and a key figure its section does not state
        ("The signal is the entry point, not the launch.", "The signal is the entry point, not the launch, for 12 months."),  # noqa: E501 - data as written
        ('value: {en: "6–8 weeks", zh-Hant: "6–8 周"}', 'value: {en: "6–9 weeks", zh-Hant: "6–8 周"}'),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("default_language: en", "default_language: en", 1), encoding="utf-8")
    problems = check_file(broken)
    report = "\n".join(problems)
    lines = text.splitlines()

    def at(fragment: str) -> str:
        row = next(p for p in problems if fragment in p)
        return lines[int(row.split(":")[1]) - 1]

    assert "the question states '800', the answer to q-weekly-users" in report
    assert "Code red lasts how long" in at("the answer to q-weekly-users")
    assert "tolerance 150 reaches past halfway to 1000" in report and "tolerance: 150" in at("tolerance 150")
    assert "answer '$1.5 trillion' is not in its cited section s3" in report
    assert "markup: " in report and "<b>routine</b>" in at("markup")
    assert "pinyin gloss" in report and "商(shāng)" in at("pinyin gloss")
    assert "`*` in place of a word" in report
    assert "figure '12 months' is not asked by any question" in report
    assert "key figure '6–9 weeks' is not in section s1" in report and "6–9 weeks" in at("6–9 weeks")


def test_check_command_exit_status(tmp_path):
    ok = tmp_path / "ok.yaml"
    assert cli("pack", "new", str(ARTICLES / "python-license.txt"), "--out", str(ok)).returncode == 0
    result = cli("pack", "check", str(ok))
    assert result.returncode == 0 and result.stdout.strip().endswith(": ok")
    bad = tmp_path / "bad.yaml"
    bad.write_text(ok.read_text(encoding="utf-8").replace("In 1995, Guido", "In 1995, <b>Guido</b>", 1), encoding="utf-8")  # noqa: E501 - data as written
    assert "In 1995" in bad.read_text(encoding="utf-8")
    failed = cli("pack", "check", str(bad))
    assert failed.returncode == 1


@pytest.mark.parametrize("name", ["trafilatura-readme.md", "jieba-readme.zh-Hans.md", "python-faq-general.html",
                                  "python-license.txt"])
def test_a_draft_runs_in_the_console(tmp_path, name):
    """Drafted, imported as the console workspace's own article, then read, posted and quizzed on in the console."""
    out = tmp_path / "draft.yaml"
    assert cli("pack", "new", str(ARTICLES / name), "--id", "drafted", "--out", str(out)).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {"DATABASE_PATH": str(tmp_path / "console.db"), "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    imported = subprocess.run([sys.executable, "-m", "bot", "pack", "import", str(out), "--team", "T0CONSOLE"],
                              capture_output=True, text=True, timeout=90, env=env, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    result = subprocess.run([sys.executable, "-m", "bot", "run"],
                            input="/digest articles\n/digest read drafted\n/digest next\n/digest next\n/quiz 1\n"
                                  ":tick 1m\n",
                            capture_output=True, text=True, timeout=90, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pack = load_pack(out)
    lang = pack.pack.default_language
    assert "`drafted`" in result.stdout or "drafted" in result.stdout
    said = ("en", "zh-Hant", "zh-Hans")  # the console's channel speaks the language of what it reads
    assert any(t(language, "article_now_reading", title="", where="").split("**")[0] in result.stdout
               for language in said)
    first_two = [s.title[lang] for s in pack.sections[:2]]
    assert all(title in result.stdout for title in first_two), first_two
    assert any(t(language, "quiz_question_of", number=1, total=1) in result.stdout for language in said)
    assert any(q.question[lang][:20] in result.stdout for q in pack.quiz)
