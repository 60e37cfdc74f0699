"""The analyst's everyday tools: the README's by-hand lines and ``make lab``.

The papermill and nbconvert lines are read from the README's "Papermill by hand" section, so
these tests break when the README drifts from what works. They give the page ``report``
writes: same offline template (installed as a named nbconvert template), same hidden cells,
same Content-Security-Policy.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from analysis.kernel import TEMPLATE_NAME, install_template
from analysis.paths import PROJECT_ROOT, TEMPLATES_DIR
from analysis.render import CSP, HIDDEN_CELL_TAGS, export_html

# papermill, nbconvert and `make lab`, run as the README says
pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
"""The environment the tests run in (the README says ``.venv/bin``: the same one under make)."""


def readme_commands() -> dict[str, list[str]]:
    """The commands of the README's "Papermill by hand" block, by program name."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Papermill by hand") :]
    section = section[: re.search(r"\n##", section).start()]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = [shlex.split(line) for line in block.replace("\\\n", " ").splitlines()]
    return {Path(command[0]).name: command for command in commands if command}


def in_this_environment(command: list[str], notebook: Path) -> list[str]:
    """``command`` with its program taken from this environment's ``bin`` and the notebook
    it writes or reads under ``/tmp`` replaced by ``notebook``."""
    program = command[0]
    assert program.startswith(".venv/bin/"), command  # the README runs the project's tools
    rest = [str(notebook) if arg.startswith("/tmp/") else arg for arg in command[1:]]
    return [str(BIN / Path(program).name), *rest]


class _Page(HTMLParser):
    """The tags and attributes of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """The README's papermill line, run from the repository root as it stands."""
    command = readme_commands()["papermill"]
    notebook = tmp_path_factory.mktemp("by_hand") / "03154.ipynb"
    out = subprocess.run(
        in_this_environment(command, notebook),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return notebook


def test_the_papermill_line_runs_from_the_root_with_a_zero_padded_code(executed):
    command = readme_commands()["papermill"]
    assert "--cwd" not in command
    assert command[1] == "notebooks/commune_profile.ipynb"
    assert "-p commune_code 03154" in " ".join(command)
    nb = nbformat.read(executed, as_version=4)
    # papermill reads 03154 as a number; the notebook pads it back to the commune's code.
    assert nb.metadata.papermill.parameters["commune_code"] == 3154
    html = "".join(
        output.get("data", {}).get("text/html", "")
        for cell in nb.cells
        for output in cell.get("outputs", [])
    )
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert "Sín Thầu" in heading and "Điện Biên" in heading  # 03154, a partner 2021–2023
    assert "commune code 03154" in html  # the provenance footer's parameters, in words


def test_the_nbconvert_line_gives_the_reports_offline_page(executed, tmp_path):
    command = readme_commands()["jupyter"]
    assert command[1:4] == ["nbconvert", "--to", "html"]
    assert command[command.index("--template") + 1] == TEMPLATE_NAME
    # The template as `make setup` installs it, found from another folder than the root.
    prefix = tmp_path / "prefix"
    install_template(prefix=str(prefix))
    env = {**os.environ, "JUPYTER_PATH": str(prefix / "share" / "jupyter")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = subprocess.run(
        in_this_environment(command, executed),
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    page_text = executed.with_suffix(".html").read_text(encoding="utf-8")
    page = _Page(page_text)

    assert "<script" not in page_text.lower()
    for tag, attrs in page.tags:
        for name in ("src", "href"):
            value = attrs.get(name, "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, name, value)
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert images and all(src.startswith("data:image/") for src in images)
    metas = [attrs for tag, attrs in page.tags if tag == "meta"]
    policies = [m["content"] for m in metas if m.get("http-equiv") == "Content-Security-Policy"]
    assert policies == [CSP]  # nbconvert passes no CSP by hand: the template's own is render's
    assert "Sín Thầu" in page.title
    assert ("html", {"lang": "en"}) in page.tags
    # No code, no prompts, no parameters or injected-parameters cell.
    for hidden in ("CommuneProfile", "report.page()", "package_sha256", "commune_code = 3154"):
        assert hidden not in page_text
    for hidden_class in ("jp-InputArea", "jp-InputPrompt", "jp-OutputPrompt"):
        assert hidden_class not in page_text
    for tag in HIDDEN_CELL_TAGS:
        assert f"celltag_{tag}" not in page_text

    # The very page `report` writes from the same executed notebook.
    from analysis.package import load_package
    from analysis.report.commune import CommuneProfile

    title = CommuneProfile.title_for(load_package(), "en", commune_code="03154")
    assert export_html(nbformat.read(executed, as_version=4), title) == page_text


def test_the_template_hides_the_cells_render_hides():
    conf = json.loads((TEMPLATES_DIR / "offline" / "conf.json").read_text(encoding="utf-8"))
    removers = [
        p
        for p in conf["preprocessors"].values()
        if p["type"] == "nbconvert.preprocessors.TagRemovePreprocessor"
    ]
    assert [set(p["remove_cell_tags"]) for p in removers] == [set(HIDDEN_CELL_TAGS)]


def test_installing_the_template_again_replaces_the_old_copy(tmp_path):
    folder = install_template(prefix=str(tmp_path))
    assert folder == tmp_path / "share" / "jupyter" / "nbconvert" / "templates" / TEMPLATE_NAME
    (folder / "stale.j2").write_text("old", encoding="utf-8")
    assert install_template(prefix=str(tmp_path)) == folder
    source = sorted(p.name for p in (TEMPLATES_DIR / "offline").iterdir())
    assert sorted(p.name for p in folder.iterdir()) == source


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _live_members(pgid: int) -> list[int]:
    """Processes of the group ``pgid`` that are still running (zombies excluded)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_make_lab_starts_as_root_with_options(tmp_path):
    port = _free_port()
    log = tmp_path / "lab.log"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with log.open("wb") as out:
        lab = subprocess.Popen(
            ["make", "lab", f"LAB_ARGS=--port {port} --no-browser"],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    answered = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and lab.poll() is None:
            try:
                with opener.open(f"http://127.0.0.1:{port}/api/status", timeout=2) as response:
                    answered = response.status
            except urllib.error.HTTPError as exc:  # 403 without the token: it answers
                answered = exc.code
            except OSError:
                time.sleep(0.5)
                continue
            break
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait(timeout=10)
        deadline = time.monotonic() + 20
        while _live_members(lab.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _live_members(lab.pid)
        if left:
            os.killpg(lab.pid, signal.SIGKILL)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert answered in (200, 302, 403), text[-3000:]  # as root: make added --allow-root
    assert left == []
