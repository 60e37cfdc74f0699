"""The project frame: declared dependencies agree, notebooks are clean, the doors exist."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from analysis.paths import KERNEL_NAME, NOTEBOOKS_DIR, PROJECT_ROOT


def _name(requirement: str) -> str:
    """Package name of a requirement string, normalised (PEP 503)."""
    name = re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            conda |= {_name(d) for d in entry.get("pip", [])}
    assert conda == declared, (
        f"only in environment.yml: {sorted(conda - declared)}; "
        f"only in pyproject.toml: {sorted(declared - conda)}"
    )


def _notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_notebooks():
    assert "annual_evaluation.ipynb" in {p.name for p in _notebooks()}


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name}: a code cell has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: execution count kept"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_uses_the_project_kernel(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME


def test_annual_notebook_parameters_are_typed_literals():
    nb = json.loads((NOTEBOOKS_DIR / "annual_evaluation.ipynb").read_text(encoding="utf-8"))
    params = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    source = "".join(params[0]["source"])
    for name, type_ in [
        ("year", "int"),
        ("lang", "str"),
        ("package_path", "str"),
        ("min_cell", "int"),
    ]:
        assert re.search(rf"^{name}: {type_} = ", source, re.M), name


def test_cli_help_lists_the_commands():
    out = subprocess.run(
        [sys.executable, "-m", "analysis", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    ).stdout
    for command in ("validate", "report", "generate", "dictionary", "bench", "template", "import"):
        assert command in out


def test_readme_and_ci_promise_the_two_commands():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make reports" in readme and "make test" in readme
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_makefile_help_lists_every_target():
    out = subprocess.run(
        ["make", "-s", "help"], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout
    for target in ("reports", "test", "test-fast", "lab", "setup", "validate"):
        assert f"make {target}" in out


def test_the_reported_commit_is_the_checkout_with_its_changes():
    """The footer's commit, against git's own plumbing: the abbreviated HEAD, ``+dirty`` when
    a tracked file differs from it."""
    from analysis.provenance import git_commit

    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    head = git("rev-parse", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no")
    commit = git_commit()
    assert commit.removesuffix("+dirty") == head[: len(commit.removesuffix("+dirty"))]
    assert len(commit.removesuffix("+dirty")) >= 12
    assert commit.endswith("+dirty") == bool(changed)


def test_no_language_branch_outside_the_catalogue():
    """Code picks texts and label columns through analysis.i18n (``t``, ``label``,
    ``localized``), never by comparing the language itself: adding a language then touches
    the catalogues and the data's label columns only."""
    import re

    from analysis.paths import PACKAGE_DIR

    pattern = re.compile(r"""lang\s*[!=]=\s*["'](vi|en)["']|["'](vi|en)["']\s*[!=]=\s*\w*lang""")
    found = [
        f"{path.relative_to(PACKAGE_DIR)}:{n}: {line.strip()}"
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if "i18n" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_readme_lines_that_read_the_csvs_keep_codes_as_text():
    """The README's pandas lines run as they stand (from the repository root) and keep the
    leading zero of a commune code."""
    import os
    import re

    from analysis.paths import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The data outside the toolkit") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    here = os.getcwd()
    try:
        os.chdir(PROJECT_ROOT)
        exec(compile(code, "README.md", "exec"), namespace)
    finally:
        os.chdir(here)
    communes = namespace["communes"]
    assert communes.loc[0, "commune_code"] == "03154"
    assert str(communes["partner_from"].dtype) == "Int64"
