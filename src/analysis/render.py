"""papermill → nbconvert with the project's offline template → atomic write.

A report is rendered in three steps: papermill executes a parameterised notebook into a
temporary file; nbconvert turns it into HTML with the ``offline`` template (no code, no
prompts, no injected-parameters cell, images inline, no network); the HTML, the executed
notebook and the tables workbook are then moved into place with ``os.replace``, so a reader
never sees a half-written file and a failed run leaves the previous report as it was.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import tempfile
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
        kind: The kind of report (a key of :data:`analysis.report.registry.SPECS`).
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


def make_job(
    kind: str,
    lang: str,
    package_path: Path | str,
    reports_dir: Path = REPORTS_DIR,
    *,
    min_cell: int = 5,
    pkg=None,
    **params,
) -> Job:
    """The job that renders the report of ``kind`` picked by ``params``, in ``lang``.

    The notebook gets the package's path and SHA-256 and loads it itself, refusing a package
    whose files no longer have that hash (so every report of a run describes one version).

    Args:
        kind: ``annual``, ``phase`` or ``commune`` (see :mod:`analysis.report.registry`).
        lang: Report language.
        package_path: The ``datapackage.json``.
        reports_dir: The reports folder.
        min_cell: Counts of people below this are suppressed.
        pkg: The package, already loaded and validated (else it is loaded here).
        params: What picks the report: ``year=`` for annual, ``commune_code=`` for commune.

    Example:
        >>> make_job("annual", "en", pkg.path, Path("reports"), pkg=pkg, year=2024).html_path
        PosixPath('reports/2024/annual_evaluation_2024_en.html')
    """
    from analysis.package import load_package
    from analysis.report.registry import SPECS

    spec = SPECS[kind]
    pkg = pkg or load_package(package_path)
    cls = spec.report_class
    relative = spec.relative_path(lang, **cls.path_fields(pkg, **params))
    parameters = {
        **params,
        "lang": lang,
        "package_path": str(Path(package_path).resolve()),
        "package_sha256": pkg.sha256,
        "min_cell": int(min_cell),
    }
    return Job(
        spec.notebook, parameters, reports_dir / relative, cls.title_for(pkg, lang, **params), kind
    )


def jobs_for(pkg, kinds, langs, reports_dir: Path = REPORTS_DIR, min_cell: int = 5) -> list[Job]:
    """Every report of ``kinds`` the package gives, in each of ``langs`` (language first)."""
    from analysis.report.registry import SPECS

    return [
        make_job(kind, lang, pkg.path, reports_dir, min_cell=min_cell, pkg=pkg, **params)
        for lang in langs
        for kind in kinds
        for params in SPECS[kind].report_class.instances(pkg)
    ]


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
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder and a
    rename (``.name.random.tmp``), so a reader never sees a half-written file."""
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


@functools.cache
def html_exporter():
    """nbconvert's HTML exporter with the project's ``offline`` template, built once per
    process (the first call pays for loading the template) and reused for every report, as
    ``jupyter nbconvert`` reuses one for every notebook it is given.

    The template shows no code, no prompts and no parameters cell, embeds images, forbids
    every network request (Content-Security-Policy) and loads no script.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
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


def export_html(nb, title: str) -> str:
    """Render an executed notebook to self-contained HTML with the offline template."""
    nb.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(nb, resources={"csp": CSP})
    return body


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


def render(job: Job, notebooks_dir: Path = NOTEBOOKS_DIR) -> Result:
    """Execute and export one job; raise :class:`RenderError` on failure, writing nothing.

    papermill runs the notebook on a fresh kernel in ``notebooks_dir``; the notebook writes
    its tables workbook into a private temporary folder; nbconvert exports the HTML. The
    HTML, the executed notebook and the workbook are then moved into place one by one with
    :func:`atomic_write` (the HTML last, so the page never links a workbook that is not there).
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
        params = dict(job.parameters)
        if "tables_path" in declared:
            params["tables_path"] = str(workbook)
        try:
            nb = papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=params,
                kernel_name=kernel_name(),
                cwd=str(notebooks_dir),
                progress_bar=False,
                log_output=False,
                # Written once at the end (or on failure), not before and after every cell.
                request_save_on_cell_execute=False,
                # nbclient's option: the kernel is stopped at once when the last cell has
                # run (every file it wrote is closed by then) instead of being given time
                # to clean up, which costs about 0.6 s a report here.
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError as exc:
            first_line = (exc.source or "").strip().splitlines()[0][:60] if exc.source else ""
            raise RenderError(
                f"{job.notebook}: cell {_cell_number(source, exc.source)} ({first_line}) "
                f"raised {exc.ename}: {exc.evalue}"
            ) from None
        html = export_html(nb, job.title)
        outputs = [job.notebook_path]
        atomic_write(job.notebook_path, executed.read_bytes())
        if workbook.exists():
            atomic_write(job.workbook_path, workbook.read_bytes())
            outputs.append(job.workbook_path)
        atomic_write(job.html_path, html)
        outputs.append(job.html_path)
    return Result(job, time.perf_counter() - start, outputs=outputs)


def _render_safely(job: Job) -> Result:
    try:
        return render(job)
    except Exception as exc:  # noqa: BLE001 - reported to the caller with the job
        return Result(job, 0.0, error=str(exc) or type(exc).__name__)


def render_many(
    jobs: Iterable[Job],
    workers: int = 1,
    progress: Callable[[int, int, Result], None] | None = None,
) -> list[Result]:
    """Render jobs on ``workers`` processes; failures are returned, not raised.

    Results come back in the order of ``jobs``; ``progress(done, total, result)`` is called
    as each one ends.
    """
    jobs = list(jobs)
    results: dict[int, Result] = {}

    def done(i: int, result: Result) -> None:
        results[i] = result
        if progress:
            progress(len(results), len(jobs), result)

    if workers <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            done(i, _render_safely(job))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_render_safely, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
    return [results[i] for i in range(len(jobs))]


def write_index(
    reports_dir: Path = REPORTS_DIR, communes=None, package_sha256: str | None = None
) -> Path:
    """Write ``reports/index.html`` linking every rendered report, by kind.

    Commune profiles are grouped by province, provinces and communes in Vietnamese
    alphabetical order, each province with its number of communes, so that dozens of
    profiles stay easy to find.

    Args:
        reports_dir: The reports folder.
        communes: The package's ``communes`` frame (names and provinces); without it the
            profiles are listed by code.
        package_sha256: The data version of the run that wrote the index.
    """
    from analysis.i18n import LANGUAGES, t
    from analysis.report.registry import REPORTS

    sections = []
    for spec in REPORTS:
        found: dict[tuple, dict[str, str]] = {}
        for fields, path in spec.find(reports_dir):
            lang = fields.pop("lang")
            key = tuple(fields.items())
            found.setdefault(key, {})[lang] = path.relative_to(reports_dir).as_posix()
        if not found:
            continue
        heading = _every_language("index." + spec.kind)
        sections.append(_h(2, heading))
        if spec.kind == "commune":
            sections += _commune_groups(found, communes)
        else:
            rows = [("–".join(v for _, v in key), found[key]) for key in found]
            rows.sort(key=lambda row: row[0], reverse=spec.kind == "annual")
            sections.append(_link_table(rows))
    body = "".join(sections) or (f"<p>{_esc(_every_language('index.empty'))}</p>")
    if package_sha256:
        versions = (_esc(t("index.data_version", x, sha256=package_sha256)) for x in LANGUAGES)
        body += f'<p class="note">{"<br>".join(versions)}</p>'
    css = (TEMPLATES_DIR / "offline" / "report.css").read_text(encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="{LANGUAGES[0]}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_esc(t("index.title", LANGUAGES[0]))}</title>
<style>{css}</style>
</head>
<body><main class="report">
<h1>{_esc(t("index.title", LANGUAGES[0]))}</h1>
{"".join(f'<p class="subtitle">{_esc(t("index.title", x))}</p>' for x in LANGUAGES[1:])}
{body}
</main></body>
</html>
"""
    index = reports_dir / "index.html"
    atomic_write(index, page)
    return index


def _every_language(key: str, **kwargs) -> str:
    """A message in every language of the catalogue, the first language first."""
    from analysis.i18n import LANGUAGES, t

    return " / ".join(t(key, x, **kwargs) for x in LANGUAGES)


def _esc(text: object) -> str:
    import html

    return html.escape(str(text), quote=True)


def _h(level: int, text: str) -> str:
    return f"<h{level}>{_esc(text)}</h{level}>"


def _link_table(rows: list[tuple[str, dict[str, str]]]) -> str:
    """One row per report: its name, then a link per language (Vietnamese first)."""
    from analysis.i18n import LANGUAGES, t

    cells = []
    for name, links in rows:
        shown = " · ".join(
            f'<a href="{_esc(links[lang])}" hreflang="{lang}">{_esc(t("lang." + lang, lang))}</a>'
            for lang in LANGUAGES
            if lang in links
        )
        cells.append(f'<tr><th scope="row">{_esc(name)}</th><td>{shown}</td></tr>')
    return f'<table class="data"><tbody>{"".join(cells)}</tbody></table>'


def _commune_groups(found: dict[tuple, dict[str, str]], communes) -> list[str]:
    """Commune profiles grouped by province, in Vietnamese order, with counts."""
    from analysis.i18n import LANGUAGES, count_text, sort_key

    info = {}
    if communes is not None:
        info = {
            row.commune_code: (row.name_in_source, row.province_name)
            for row in communes.itertuples()
        }
    groups: dict[str, list] = {}
    for key, links in found.items():
        code = dict(key)["commune_code"]
        name, province = info.get(code, (code, "—"))
        groups.setdefault(province, []).append((f"{name} ({code})", links))
    parts = []
    for province in sorted(groups, key=lambda p: sort_key(p, LANGUAGES[0])):
        rows = sorted(groups[province], key=lambda row: sort_key(row[0], LANGUAGES[0]))
        count = " / ".join(count_text("commune", len(rows), lang) for lang in LANGUAGES)
        parts.append(_h(3, f"{province} ({count})"))
        parts.append(_link_table(rows))
    return parts


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
"""Headless Chromium as root on this machine kind, with no background traffic (no host name
resolves: Debian's build otherwise looks up its extension-update servers)."""


class PdfUnavailable(RuntimeError):
    """PDFs cannot be printed: Chromium is missing or failed; the message says what to do."""


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdfs(
    html_paths: Iterable[Path], *, timeout: float = 120, workers: int | None = None
) -> list[Path]:
    """Print each HTML file to an A4 PDF beside it (``x.html`` → ``x.pdf``) with headless
    Chromium, one process per report, a few at a time.

    Paper size, margins and the "page / pages" numbers come from the report's CSS (``@page``
    and its ``@bottom-center`` margin box, which Chromium prints since version 131); the
    provenance footer, last in the HTML, lands on the last page. Chromium runs with a fresh
    temporary profile and no host name resolving (the reports need nothing from the network).
    Each PDF is written atomically: a failed print leaves no partial PDF and any previous one
    as it was. Chromium's chatter on stderr is shown only when it fails.

    Args:
        html_paths: The rendered reports.
        timeout: Seconds one report may take before its Chromium is killed.
        workers: Chromium processes at a time (default: up to 4, one per CPU).

    Returns:
        The PDFs written, in the order of ``html_paths``.

    Raises:
        PdfUnavailable: when Chromium is missing, fails, or takes longer than ``timeout``
            (the PDFs printed before the failure stay).
    """
    browser = chromium_path()
    if not browser:
        raise PdfUnavailable(
            "--pdf needs Debian's Chromium: run `make browser` (or, as root, "
            "`apt-get install chromium`), then try again"
        )
    html_paths = [Path(p) for p in html_paths]
    if not html_paths:
        return []

    def print_one(html_path: Path) -> Path:
        target = html_path.with_suffix(".pdf")
        if not html_path.is_file():
            raise PdfUnavailable(f"cannot print {html_path} to PDF: no such file")
        with tempfile.TemporaryDirectory(
            prefix="bien-cuong-pdf-", ignore_cleanup_errors=True
        ) as tmp:
            out = Path(tmp) / "out.pdf"
            cmd = [
                browser,
                "--headless",
                *CHROMIUM_ARGS,
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                html_path.resolve().as_uri(),
            ]
            # Its own session, so that a timeout kills the renderer processes too.
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                raise PdfUnavailable(f"cannot start Chromium ({browser}): {exc}") from None
            try:
                output, _ = proc.communicate(timeout=timeout)
            except BaseException as exc:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                if isinstance(exc, subprocess.TimeoutExpired):
                    raise PdfUnavailable(
                        f"Chromium took more than {timeout:g} s to print {html_path}; "
                        "no PDF written"
                    ) from None
                raise
            pdf = out.read_bytes() if out.is_file() else b""
            if proc.returncode != 0 or not pdf.startswith(b"%PDF-"):
                # Chromium exits 0 even when the page or the file fails: judge by the file.
                noise = ("dbus", "unexpected operator", "bytes written to file")
                lines = output.decode("utf-8", "replace").splitlines()
                said = [ln for ln in lines if ln.strip() and not any(n in ln for n in noise)]
                raise PdfUnavailable(
                    f"Chromium could not print {html_path} to PDF "
                    f"(exit status {proc.returncode}); no PDF written"
                    + ("".join(f"\n  {ln}" for ln in said[-8:]) if said else "")
                )
            atomic_write(target, pdf)
        return target

    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(html_paths)))) as pool:
        futures = [pool.submit(print_one, path) for path in html_paths]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()
