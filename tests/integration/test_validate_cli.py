"""End-to-end tests of ``python -m analysis validate``, run as a user runs it.

Exit codes: 0 valid, 1 invalid, 2 bad usage. Problems go to stderr with file, row and field,
worded from the message catalogue in the language asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# each test runs `python -m analysis validate` in a new process
pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON if VENV_PYTHON.exists() else sys.executable)
MO_RAI_HOUSE = "2024-23536-01"


def validate(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [PYTHON, "-m", "analysis", "validate", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
        check=False,
    )


@pytest.fixture
def year_2031(package_copy, find_row, set_cell) -> tuple[Path, int]:
    """A copy whose Mô Rai house plan row has year 2031 (the maximum is 2025)."""
    row = find_row(package_copy, "plans", activity_id=MO_RAI_HOUSE)
    set_cell(package_copy, "plans", row, "year", "2031")
    return package_copy, row


def test_bundled_package_is_valid():
    result = validate("--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "frictionless: the package is valid." in result.stdout
    assert "Valid: 20 resources" in result.stdout  # datapackage.json lists 20
    assert "Traceback" not in result.stderr


def test_bundled_package_is_valid_in_vietnamese_without_frictionless():
    result = validate("--skip-frictionless", "--lang", "vi")
    assert result.returncode == 0, result.stderr
    assert "Hợp lệ: 20 bảng" in result.stdout
    assert "frictionless" not in result.stdout


def _assert_names_the_cell(stderr: str, row: int, lang: str) -> None:
    assert "Traceback" not in stderr
    if lang == "en":
        assert "The data package is invalid" in stderr
        assert f"data/plans.csv, row {row}, field year [maximum]" in stderr
        assert "above the maximum 2025" in stderr
    else:
        assert "Gói dữ liệu không hợp lệ" in stderr
        assert f"data/plans.csv, dòng {row}, trường year [maximum]" in stderr
        assert "lớn hơn mức tối đa 2025" in stderr


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_broken_copy_fails_with_file_row_and_field(year_2031, lang):
    pkg_path, row = year_2031
    result = validate("--package", str(pkg_path), "--lang", lang)
    assert result.returncode == 1
    _assert_names_the_cell(result.stderr, row, lang)


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_skip_frictionless_still_catches_the_error(year_2031, lang):
    pkg_path, row = year_2031
    result = validate("--package", str(pkg_path), "--lang", lang, "--skip-frictionless")
    assert result.returncode == 1
    _assert_names_the_cell(result.stderr, row, lang)
    assert "Valid" not in result.stdout and "Hợp lệ" not in result.stdout


def test_cross_table_error_fails(package_copy, find_row, get_row, append_row):
    # Frictionless cannot see this one (each row is valid): Sín Thầu (03154) in 2024, after its
    # partnership ended in 2023. The cross-table rules must stop the package.
    values = get_row(
        package_copy, "plans", find_row(package_copy, "plans", activity_id="2024-03158-01")
    )
    values.update(activity_id="2024-03154-91", commune_code="03154")
    row = append_row(package_copy, "plans", values)
    result = validate("--package", str(package_copy), "--lang", "en")
    assert result.returncode == 1, result.stdout
    assert "frictionless: the package is valid." in result.stdout
    assert f"data/plans.csv, row {row}, field commune_code [not-partner]" in result.stderr
    assert "commune 03154 is not a partner commune in 2024." in result.stderr


@pytest.mark.parametrize("skip", [False, True], ids=["with-frictionless", "skip-frictionless"])
@pytest.mark.parametrize("bad_path", ["../outside.csv", "https://example.org/data/plans.csv"])
def test_unsafe_path_is_refused(package_copy, edit_descriptor, bad_path, skip):
    def edit(descriptor):
        (res,) = [r for r in descriptor["resources"] if r["name"] == "plans"]
        res["path"] = bad_path

    edit_descriptor(package_copy, edit)
    args = ["--package", str(package_copy), "--lang", "en"]
    result = validate(*args, "--skip-frictionless") if skip else validate(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad_path} [unsafe-path]: unsafe path refused" in result.stderr


def test_malformed_descriptor_fails(package_copy):
    package_copy.write_text("{not json", encoding="utf-8")
    result = validate("--package", str(package_copy), "--lang", "vi")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "datapackage.json [descriptor]: datapackage.json không đọc được" in result.stderr


def test_unknown_language_is_bad_usage():
    result = validate("--lang", "fr")
    assert result.returncode == 2
    assert "--lang" in result.stderr


def test_report_outputs_never_go_into_the_package_or_a_file(tmp_path, capsys):
    """--reports-dir naming a file, the data folder or the project's code is refused (exit 2,
    a message, nothing written)."""
    from analysis.cli import main
    from analysis.paths import PROJECT_ROOT

    before = sorted(p.name for p in (PROJECT_ROOT / "data").iterdir())
    for target in (PROJECT_ROOT / "README.md", PROJECT_ROOT / "data", PROJECT_ROOT / "src" / "x"):
        assert main(["report", "--year", "2024", "--lang", "en", "--reports-dir", str(target)]) == 2
        assert "Not writing to" in capsys.readouterr().err
    assert sorted(p.name for p in (PROJECT_ROOT / "data").iterdir()) == before
    assert not (PROJECT_ROOT / "src" / "x").exists()


def test_the_dictionary_of_another_package_goes_beside_it(tmp_path):
    import shutil

    from analysis.cli import main
    from analysis.dictionary import DICTIONARY_PATH
    from analysis.paths import DATAPACKAGE

    own = DICTIONARY_PATH.read_bytes()
    shutil.copy(DATAPACKAGE, tmp_path / "datapackage.json")
    shutil.copytree(DATAPACKAGE.parent / "data", tmp_path / "data")
    assert main(["dictionary", "--package", str(tmp_path / "datapackage.json")]) == 0
    assert (tmp_path / "docs" / "data_dictionary.md").exists()
    assert DICTIONARY_PATH.read_bytes() == own


def test_validate_refuses_personal_data_in_the_package(tmp_path, capsys):
    """The import's personal-data scan also runs over data/: a name in a description is
    named by file, row and field, masked, and validate exits 1."""
    import csv
    import io
    import shutil

    from analysis.cli import main
    from analysis.paths import DATAPACKAGE

    shutil.copy(DATAPACKAGE, tmp_path / "datapackage.json")
    shutil.copytree(DATAPACKAGE.parent / "data", tmp_path / "data")
    plans = tmp_path / "data" / "plans.csv"
    rows = list(csv.reader(io.StringIO(plans.read_text(encoding="utf-8"))))
    col = rows[0].index("description_vi")
    rows[1][col] = "Hỗ trợ chị Giàng Thị Mỷ xây nhà"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    plans.write_text(out.getvalue(), encoding="utf-8")
    code = main(
        [
            "validate",
            "--skip-frictionless",
            "--lang",
            "en",
            "--package",
            str(tmp_path / "datapackage.json"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "data/plans.csv, row 2, field description_vi [personal-data]" in err
    assert "Giàng Thị Mỷ" not in err


def test_template_never_overwrites_the_package(tmp_path, capsys):
    from analysis.cli import main
    from analysis.paths import PROJECT_ROOT

    plans = PROJECT_ROOT / "data" / "plans.csv"
    before = plans.read_bytes()
    code = main(["template", "--year", "2025", "--out", str(plans), "--force", "--lang", "en"])
    assert code == 2 and "Not writing to" in capsys.readouterr().err
    assert plans.read_bytes() == before
