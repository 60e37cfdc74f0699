"""papermill → nbconvert with the project's offline template → atomic write.

A report is rendered in three steps: papermill executes a parameterised notebook into a
temporary file; nbconvert turns it into HTML with the ``offline`` template (no code, no
prompts, no injected-parameters cell, images inline, no network); the HTML, the executed
notebook and the tables workbook are then moved into place with ``os.replace``, so a reader
never sees a half-written file and a failed run leaves the previous report as it was.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from analysis.paths import KERNEL_NAME, NOTEBOOKS_DIR, REPORTS_DIR, TEMPLATES_DIR

HIDDEN_CELL_TAGS = ("injected-parameters", "parameters", "remove-cell")
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
"""Content-Security-Policy of every page: nothing may load from the network, no script runs."""


class RenderError(RuntimeError):
    """A report could not be rendered; the message names the notebook, cell and exception."""


@dataclass(frozen=True)
class Job:
    """One report to render.

    Attributes:
        notebook: Notebook file name in ``notebooks/`` (e.g. ``annual_evaluation.ipynb``).
        parameters: Values for the notebook's parameters cell.
        html_path: Where the HTML goes; the executed notebook and workbook go beside it.
        title: The HTML document's title.
    """

    notebook: str
    parameters: dict
    html_path: Path
    title: str
    kind: str = "annual"

    @property
    def notebook_path(self) -> Path:
        return self.html_path.with_suffix(".ipynb")

    @property
    def workbook_path(self) -> Path:
        return self.html_path.with_suffix(".xlsx")


@dataclass
class Result:
    job: Job
    seconds: float
    error: str | None = None
    outputs: list[Path] = field(default_factory=list)


def _params(lang: str, package_path: Path, min_cell: int, **extra) -> dict:
    return {
        **extra,
        "lang": lang,
        "package_path": str(Path(package_path).resolve()),
        "min_cell": int(min_cell),
    }


def annual_job(
    year: int, lang: str, package_path: Path, reports_dir: Path = REPORTS_DIR, min_cell: int = 5
) -> Job:
    """The job that renders the annual evaluation for ``year`` in ``lang``."""
    from analysis.i18n import t

    html = reports_dir / str(year) / f"annual_evaluation_{year}_{lang}.html"
    params = _params(lang, package_path, min_cell, year=int(year))
    return Job("annual_evaluation.ipynb", params, html, t("report.title", lang, year=year))


def phase_job(
    first: int,
    last: int,
    lang: str,
    package_path: Path,
    reports_dir: Path = REPORTS_DIR,
    min_cell: int = 5,
) -> Job:
    """The job that renders the phase evaluation (``first``–``last``) in ``lang``."""
    from analysis.i18n import t

    html = reports_dir / f"phase_{first}_{last}" / f"phase_evaluation_{lang}.html"
    return Job(
        "phase_evaluation.ipynb",
        _params(lang, package_path, min_cell),
        html,
        t("phase.title", lang, first=first, last=last),
        kind="phase",
    )


def commune_job(
    code: str,
    name: str,
    province: str,
    lang: str,
    package_path: Path,
    reports_dir: Path = REPORTS_DIR,
    min_cell: int = 5,
) -> Job:
    """The job that renders the profile of commune ``code`` in ``lang``."""
    from analysis.i18n import t

    html = reports_dir / "communes" / f"{code}_{lang}.html"
    params = _params(lang, package_path, min_cell, commune_code=code)
    return Job(
        "commune_profile.ipynb",
        params,
        html,
        t("commune.title", lang, name=name, province=province),
        kind="commune",
    )


def declared_parameters(notebook: Path) -> dict:
    """Parameters declared in a notebook's ``parameters`` cell (papermill's own parser)."""
    import papermill

    return papermill.inspect_notebook(str(notebook))


def check_parameters(notebook: Path, parameters: dict) -> dict:
    """Refuse parameters the notebook does not declare (papermill would only warn).

    Returns the declared parameters.
    """
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise RenderError(
            f"{notebook.name}: unknown parameter(s) {', '.join(unknown)}; "
            f"the notebook declares {', '.join(sorted(declared))}"
        )
    return declared


def kernel_name() -> str:
    """The project's kernel when registered, else the current environment's ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return KERNEL_NAME if KERNEL_NAME in specs else "python3"


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_EXPORTER_LOCK = threading.Lock()
"""The exporter is built, warmed and used by one thread at a time (see :func:`_warm_exporter`)."""


def export_html(nb, title: str) -> str:
    """Render an executed notebook to self-contained HTML with the offline template."""
    nb.metadata["title"] = title
    with _EXPORTER_LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources={"csp": CSP})
    return body


def _prepare_exporter() -> None:
    """Build the exporter and compile its templates (an empty notebook's export)."""
    import nbformat

    export_html(nbformat.v4.new_notebook(), "")


_EXPORTER_WARMING: list[threading.Thread] = []


def _after_fork_in_child() -> None:
    """A worker forked from this process starts with a free lock and no warming thread."""
    global _EXPORTER_LOCK
    _EXPORTER_LOCK = threading.Lock()
    _EXPORTER_WARMING.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _warm_exporter() -> None:
    """Prepare the HTML exporter in a thread, once per process (about 0.35 s of work).

    Started as a notebook's kernel boots, when this process is only waiting; the export
    after execution waits for it if needed (the exporter's lock).
    """
    if not _EXPORTER_WARMING and not _exporter.cache_info().currsize:
        thread = threading.Thread(target=_prepare_exporter, name="exporter")
        _EXPORTER_WARMING.append(thread)
        thread.start()


def warm_up(notebooks_dir: Path = NOTEBOOKS_DIR) -> None:
    """Start a kernel for the next notebook and return at once.

    For a command about to render one notebook: the kernel boots (about a second, its
    imports included) while the command validates the package. The next :func:`render` in
    ``notebooks_dir`` runs on this kernel as on a fresh one. Kernels read the package cache
    named in their environment when they start, so call this inside :func:`package_cache`.
    """
    _warm_kernel(notebooks_dir)
    _WARM["fresh"] = True


@functools.cache
def _exporter():
    """One exporter per process: its Jinja templates are compiled once, not per report."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from nbconvert.preprocessors import TagRemovePreprocessor

    class OfflineHTMLExporter(HTMLExporter):
        """nbconvert's HTML exporter without its closing BeautifulSoup pass.

        That pass re-parses the whole page (a third of the export time of a report with
        charts) to give images without ``alt`` a placeholder and outputs a ``tabindex``. The
        offline template writes the ``tabindex`` itself, and every image of the reports has
        its own alt text (tests/test_render.py checks both).
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            # What HTMLExporter.from_notebook_node does before rendering (nbconvert 7).
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    exporter = OfflineHTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    remover = TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_CELL_TAGS), enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    return exporter


_WARM: dict = {}
"""This process's warm kernel (``render_many`` reuses one kernel per worker process)."""


def _warm_kernel(cwd: Path):
    """This process's kernel, started on first use (or after a shutdown) in ``cwd``.

    Returns:
        The kernel manager, and whether the kernel has already run a notebook.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = _WARM.get("km")
    if km is not None and _WARM.get("cwd") == cwd and run_sync(km.is_alive)():
        return km, not _WARM.pop("fresh", False)
    _shutdown_warm_kernel()
    km = AsyncKernelManager(kernel_name=kernel_name())
    # The kernel's own stderr only carries start-up chatter (a TCP warning); cell errors
    # reach us through the messaging protocol.
    run_sync(km.start_kernel)(cwd=str(cwd), stderr=subprocess.DEVNULL)
    _WARM.update(km=km, cwd=cwd)
    if not _WARM.get("atexit"):
        atexit.register(_shutdown_warm_kernel)
        _WARM["atexit"] = True
    return km, False


def _shutdown_warm_kernel() -> None:
    from jupyter_core.utils import run_sync

    km = _WARM.pop("km", None)
    _WARM.pop("fresh", None)
    if km is not None:
        with contextlib.suppress(Exception):
            run_sync(km.shutdown_kernel)(now=True)


def _notebook(source: Path, reused_kernel: bool):
    """The source notebook; for a reused kernel, with a hidden first cell clearing its namespace."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    if not reused_kernel:
        return nb
    reset = nbformat.v4.new_code_cell(
        "get_ipython().reset(new_session=True)", metadata={"tags": ["remove-cell"]}
    )
    reset["id"] = "kernel-reset"
    nb.cells.insert(0, reset)
    return nb


def _cell_number(source: Path, cell_source: str) -> str:
    """1-based position, in the source notebook, of the (first) cell with ``cell_source``.

    Papermill inserts cells into the executed notebook (parameters, an error banner), so the
    failing cell is found by its text rather than by its index there.
    """
    import nbformat

    try:
        cells = nbformat.read(source, as_version=4).cells
    except (OSError, ValueError):
        return "?"
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and cell.source.strip() == (cell_source or "").strip():
            return str(i + 1)
    return "?"


def render(job: Job, notebooks_dir: Path = NOTEBOOKS_DIR, reuse_kernel: bool = False) -> Result:
    """Execute and export one job; raise :class:`RenderError` on failure, writing nothing.

    The notebook runs on a kernel this module starts (its start-up chatter silenced). With
    ``reuse_kernel`` that kernel is kept for the next notebook of this process (and replaced
    after a failure), and a kernel that already ran a notebook first runs a hidden cell that
    clears its namespace; without, the kernel is fresh and shut down afterwards. The executed
    notebook is written once, when execution ends, rather than before and after every cell.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    source = notebooks_dir / job.notebook
    declared = check_parameters(source, job.parameters)
    job.html_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=job.html_path.parent, prefix=".render-") as tmp:
        executed = Path(tmp) / job.notebook
        workbook = Path(tmp) / "tables.xlsx"
        # A kernel that is shut down afterwards hands its tables over, and this process
        # builds the workbook while the kernel shuts down (jupyter_client checks for the
        # kernel's exit every 0.1 s, time otherwise spent waiting); a kept kernel writes the
        # workbook itself.
        handover = Path(tmp) / "tables.pickle"
        params = dict(job.parameters)
        if "tables_path" in declared:
            params["tables_path"] = str(workbook if reuse_kernel else handover)
        if not reuse_kernel and not _WARM.get("fresh"):
            _shutdown_warm_kernel()  # a fresh kernel for this notebook alone
        km, reused = _warm_kernel(notebooks_dir)
        _warm_exporter()
        try:
            nb = papermill.execute_notebook(
                _notebook(source, reused),
                str(executed),
                parameters=params,
                kernel_name=kernel_name(),
                cwd=str(notebooks_dir),
                progress_bar=False,
                log_output=False,
                # Written once at the end (or on failure), not before and after every cell.
                request_save_on_cell_execute=False,
                km=km,
            )
        except PapermillExecutionError as exc:
            _shutdown_warm_kernel()
            raise RenderError(
                f"{job.notebook}: cell {_cell_number(source, exc.source)} "
                f"({(exc.source or '').strip().splitlines()[0][:60] if exc.source else ''}) "
                f"raised {exc.ename}: {exc.evalue}"
            ) from None
        except BaseException:
            _shutdown_warm_kernel()
            raise
        # The workbook and the HTML are built while the kernel shuts down.
        with ThreadPoolExecutor(max_workers=1) as pool:
            built = pool.submit(_workbook_from, handover, workbook)
            exported = pool.submit(export_html, nb, job.title)
            if not reuse_kernel:
                _shutdown_warm_kernel()
            built.result()
            html = exported.result()
        outputs = [job.html_path, job.notebook_path]
        atomic_write(job.notebook_path, executed.read_bytes())
        if workbook.exists():
            atomic_write(job.workbook_path, workbook.read_bytes())
            outputs.append(job.workbook_path)
        atomic_write(job.html_path, html)
    return Result(job, time.perf_counter() - start, outputs=outputs)


def _workbook_from(handover: Path, workbook: Path) -> None:
    """Build the workbook from the tables a kernel handed over (if it handed any)."""
    if handover.exists():
        import pickle

        from analysis.report.base import write_workbook

        write_workbook(pickle.loads(handover.read_bytes()), workbook)


@contextlib.contextmanager
def package_cache(pkg=None):
    """Share an already-validated package with the notebook kernels started in this block.

    Yields the cache folder. Without ``pkg`` the folder starts empty, so that kernels can
    start (see :func:`warm_up`) while the package is still being validated; store it with
    :func:`analysis.package.store_in_cache` before rendering.
    """
    from analysis.package import CACHE_ENV, store_in_cache

    previous = os.environ.get(CACHE_ENV)
    with tempfile.TemporaryDirectory(prefix="analysis-package-") as folder:
        if pkg is not None:
            store_in_cache(pkg, Path(folder))
        os.environ[CACHE_ENV] = folder
        try:
            yield Path(folder)
        finally:
            if previous is None:
                os.environ.pop(CACHE_ENV, None)
            else:
                os.environ[CACHE_ENV] = previous
            _shutdown_warm_kernel()  # its environment points at the folder removed here


def _render_safely(job: Job) -> Result:
    try:
        return render(job, reuse_kernel=True)
    except Exception as exc:  # noqa: BLE001 - reported to the caller with the job
        return Result(job, 0.0, error=str(exc) or type(exc).__name__)


def render_many(
    jobs: Iterable[Job],
    workers: int = 1,
    progress: Callable[[int, int, Result], None] | None = None,
) -> list[Result]:
    """Render jobs, in parallel on ``workers`` processes; failures are returned, not raised."""
    jobs = list(jobs)
    results: list[Result] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(_render_safely(job))
            if progress:
                progress(len(results), len(jobs), results[-1])
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_render_safely, job) for job in jobs]
        for fut in as_completed(futures):
            results.append(fut.result())
            if progress:
                progress(len(results), len(jobs), results[-1])
    order = {job.html_path: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.job.html_path])


def write_index(reports_dir: Path = REPORTS_DIR, commune_names: dict | None = None) -> Path:
    """Write ``reports/index.html`` linking every rendered report, grouped by kind."""
    import html
    import re

    from analysis.i18n import LANGUAGES, t

    commune_names = commune_names or {}
    kinds = (
        ("annual", "*/annual_evaluation_*.html", r"^annual_evaluation_(\d{4})_(vi|en)\.html$"),
        ("phase", "phase_*/phase_evaluation_*.html", r"^phase_evaluation_(vi|en)\.html$"),
        ("communes", "communes/*.html", r"^(\d{5})_(vi|en)\.html$"),
    )
    sections = []
    for kind, pattern, regex in kinds:
        found: dict[str, dict[str, str]] = {}
        for path in sorted(reports_dir.glob(pattern)):
            m = re.match(regex, path.name)
            if not m:
                continue
            key = path.parent.name if kind == "phase" else m.group(1)
            lang = m.group(m.lastindex)
            found.setdefault(key, {})[lang] = path.relative_to(reports_dir).as_posix()
        if not found:
            continue
        rows = []
        order = sorted(found, reverse=(kind == "annual"))
        for key in order:
            if kind == "phase":
                name = key.replace("phase_", "").replace("_", "–")
            elif kind == "communes":
                name = f"{commune_names.get(key, key)} ({key})"
            else:
                name = key
            links = " · ".join(
                f'<a href="{html.escape(found[key][lang])}" hreflang="{lang}">'
                f"{html.escape(t('lang.' + lang, lang))}</a>"
                for lang in LANGUAGES
                if lang in found[key]
            )
            rows.append(f'<tr><th scope="row">{html.escape(name)}</th><td>{links}</td></tr>')
        heading = f"{t('index.' + kind, 'vi')} / {t('index.' + kind, 'en')}"
        sections.append(
            f'<h2>{html.escape(heading)}</h2><table class="data"><tbody>'
            f"{''.join(rows)}</tbody></table>"
        )
    body = "".join(sections) or (
        f"<p>{html.escape(t('index.empty', 'vi'))} / {html.escape(t('index.empty', 'en'))}</p>"
    )
    css = (TEMPLATES_DIR / "offline" / "report.css").read_text(encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(t("index.title", "vi"))}</title>
<style>{css}</style>
</head>
<body><main class="report">
<h1>{html.escape(t("index.title", "vi"))}</h1>
<p class="subtitle">{html.escape(t("index.title", "en"))}</p>
{body}
</main></body>
</html>
"""
    index = reports_dir / "index.html"
    atomic_write(index, page)
    return index


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Headless Chromium as root on this machine kind, with no background traffic."""


class PdfUnavailable(RuntimeError):
    """Chromium (or the Playwright driver) is not installed; the message says how to fix it."""


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdfs(html_paths: Iterable[Path]) -> list[Path]:
    """Print each HTML file to an A4 PDF beside it, with page numbers, in headless Chromium.

    The browser runs offline (the reports need nothing from the network); the provenance
    footer, last in the HTML, lands on the last page. Each PDF is written atomically.

    Raises:
        PdfUnavailable: when Chromium or Playwright is missing.
    """
    browser_path = chromium_path()
    if not browser_path:
        raise PdfUnavailable(
            "--pdf needs Debian's Chromium: run `make browser` (or, as root, "
            "`apt-get install chromium`), then try again"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise PdfUnavailable(f"--pdf needs the playwright package ({exc})") from None
    footer = (
        '<div style="font-size:8px;width:100%;text-align:center;color:#555;'
        'font-family:sans-serif"><span class="pageNumber"></span> / '
        '<span class="totalPages"></span></div>'
    )
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            for html_path in html_paths:
                page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
                pdf = page.pdf(
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=footer,
                    margin={"top": "10mm", "bottom": "14mm", "left": "11mm", "right": "11mm"},
                )
                target = Path(html_path).with_suffix(".pdf")
                atomic_write(target, pdf)
                written.append(target)
        finally:
            browser.close()
    return written
