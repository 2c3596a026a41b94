"""Content packs: the sample loads, and a broken pack names the file, the YAML line and the field."""

import subprocess
import sys
from pathlib import Path

import pytest

from questions import PackError, load_pack, load_packs

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "packs" / "sample.yaml"


def test_sample_pack_loads_with_every_text_in_every_language():
    pack = load_pack(SAMPLE)
    assert pack.pack.languages == ["zh-Hant", "zh-Hans", "en"]  # zh-Hans derived from zh-Hant
    assert [s.id for s in pack.sections][:2] == ["intro", "s1"]


def test_every_pack_in_the_builtin_directory_loads():
    packs = load_packs(ROOT / "questions")
    assert "altman-2025-12" in packs and "sample" not in packs  # the sample stays a test fixture


def broken(tmp_path, old, new):
    text = SAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text.replace(old, new, 1).splitlines()


def test_a_missing_translation_names_file_line_and_field(tmp_path):
    path, lines = broken(tmp_path, 'prompt: {en: "Is code red healthy?", zh-Hant: "紅色代碼健康嗎?"}',
                         'prompt: {en: "Is code red healthy?"}')
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value)
    assert str(path) in message and "prompt" in message and "zh-Hant" in message


def test_a_wrong_answer_index_points_at_the_question_line(tmp_path):
    path, lines = broken(tmp_path, "    answer: 1\n", "    answer: 7\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    problem = caught.value.problems[0]
    assert problem.path == path
    assert problem.field == "quiz.0"
    assert lines[problem.line - 1].strip().startswith("- id: q-code-red-weeks")
    assert "index" in problem.message


def test_an_unknown_field_is_an_error_at_its_own_line(tmp_path):
    path, lines = broken(tmp_path, "    difficulty: hard\n", "    difficulty: hard\n    dificulty: typo\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    problem = caught.value.problems[0]
    assert problem.field == "quiz.2.dificulty"
    assert lines[problem.line - 1].strip() == "dificulty: typo"


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("pack:\n  id: x\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.problems[0].field == "(yaml)"
    assert caught.value.problems[0].line >= 3


def test_validate_command_exits_non_zero_and_prints_file_and_line(tmp_path):
    path, _ = broken(tmp_path, "    answer: 2\n", "    answer: -1\n")
    result = subprocess.run([sys.executable, "-m", "bot", "validate", str(path)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 1
    assert f"{path}:" in result.stderr and "quiz.2" in result.stderr
    ok = subprocess.run([sys.executable, "-m", "bot", "validate", str(SAMPLE)], capture_output=True, text=True,
                        cwd=ROOT, timeout=60)
    assert ok.returncode == 0 and "sample" in ok.stdout


def test_a_quiz_question_citing_a_missing_section_is_refused(tmp_path):
    path, _ = broken(tmp_path, "    section: s3\n", "    section: s9\n")
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert "'s9' is not a section id" in str(caught.value)
