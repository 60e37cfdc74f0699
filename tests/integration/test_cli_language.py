"""One language rule for every command: Vietnamese unless --lang en or ANALYSIS_LANG=en says
otherwise (Vietnamese under --lang all); help, usage and errors included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis.cli import main
from analysis.paths import PROJECT_ROOT

# the commands run in new processes
pytestmark = pytest.mark.slow


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if k != "ANALYSIS_LANG"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environ,
    )


def test_validate_speaks_vietnamese_by_default_and_english_when_asked():
    vi = run("validate", "--skip-frictionless")
    assert vi.returncode == 0 and "Hợp lệ:" in vi.stdout
    # money in messages as the language writes it: the generator's one overspent house,
    # 2023-23536-51, disbursed 54,900,000 in one payment (data/transactions.csv, T2023-0021)
    assert "54.900.000 đồng" in vi.stdout
    en = run("validate", "--skip-frictionless", "--lang", "en")
    assert en.returncode == 0 and "Valid:" in en.stdout and "54,900,000" in en.stdout
    env = run("validate", "--skip-frictionless", env={"ANALYSIS_LANG": "en"})
    assert "Valid:" in env.stdout


def test_help_and_errors_are_in_the_language_of_the_messages():
    vi = run("--help")
    assert vi.stdout.startswith("Cách dùng: python -m analysis") and "Tuỳ chọn:" in vi.stdout
    en = run("--help", "--lang", "en")
    assert en.stdout.startswith("usage: python -m analysis")
    err = run("report", "--year", "2024", "--jobs", "x")
    assert err.returncode == 2 and "lỗi" in err.stderr


@pytest.mark.parametrize(
    ("lang", "expected"), [("vi", "Có phải bạn muốn viết --year?"), ("en", "Did you mean --year?")]
)
def test_a_misspelt_option_gets_a_suggestion(lang, expected):
    proc = run("report", "--yaer", "2024", "--lang", lang)
    assert proc.returncode == 2 and expected in proc.stderr


def test_messages_are_vietnamese_under_lang_all(capsys):
    assert main(["report", "--year", "2019", "--lang", "all"]) == 1
    err = capsys.readouterr().err
    assert "2019" in err and "Năm" in err or "năm" in err


def test_a_commune_is_accepted_by_its_name_with_or_without_diacritics(tmp_path, capsys):
    code = main(
        ["report", "--commune", "xa mo rai", "--lang", "en", "--reports-dir", str(tmp_path)]
    )
    assert code == 0
    assert (tmp_path / "communes" / "23536_en.html").exists()
