"""``python -m analysis bench``: the performance figures, measured side by side in one run.

Every target is a ratio of two timings taken on this machine in the same run, never an
absolute number asserted by a test:

* strict loading of a 1,000,000-row resource against ``frictionless validate`` of the same
  file (and the whole package against frictionless), with the loader's peak memory against
  the CSV's size;
* ``report --all`` on the bundled package against the same notebooks run one after another
  with the ``papermill`` and ``jupyter nbconvert`` command lines;
* one annual report against the floor: an empty notebook executed and rendered the same way
  with the same kernel;
* an annual report for a 500-commune package (it must render, its charts aggregated).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from analysis.paths import DATAPACKAGE, NOTEBOOKS_DIR, PROJECT_ROOT

BASE_SIZES = (10_000, 100_000, 1_000_000)
RESOURCE = "beneficiary_followups"


def _timed(fn: Callable, repeat: int = 1) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _timed_alternately(fns: Sequence[Callable], repeat: int) -> list[list[float]]:
    """Every time of each of ``fns``, run in turn ``repeat`` times (a, b, a, b, ...).

    Taking turns compares them under the same conditions: a machine that slows down or
    speeds up during the run (other work on it, CPU frequency) affects each alike, where
    timing all runs of one and then all runs of the other would bias their ratio.
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return times


def _single_resource_package(pkg_dir: Path, name: str) -> Path:
    """A descriptor holding one resource of ``pkg_dir`` without its foreign keys."""
    desc = json.loads((pkg_dir / "datapackage.json").read_text(encoding="utf-8"))
    res = next(r for r in desc["resources"] if r["name"] == name)
    res["schema"].pop("foreignKeys", None)
    path = pkg_dir / f"only_{name}.json"
    path.write_text(json.dumps({"name": "only", "resources": [res]}), encoding="utf-8")
    return path


# Peak memory is read from VmHWM (this process's own high-water mark): ru_maxrss would
# include the RSS of the parent that forked the probe, which Linux carries across exec.
_MEMORY_PROBE = """
import json, sys
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) * 1024
import pyarrow
from analysis.package import read_package
before = status('VmRSS')
pkg, problems = read_package(sys.argv[1])
print(json.dumps({"before": before, "peak": status('VmHWM'), "problems": len(problems)}))
"""


def _peak_memory(descriptor: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(descriptor)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def _indicators(pkg, year: int = 2024) -> None:
    from analysis import indicators as ind

    ind.plan_vs_delivery(pkg, year)
    ind.beneficiaries_reached(pkg, year, by=("sex", "ethnicity"))
    ind.budget_execution(pkg, year)
    ind.cost_per_beneficiary(pkg, year)
    ind.cost_vs_benchmark(pkg, year)
    ind.funds_mobilised(pkg, year)
    ind.targeting_shares(pkg, year)
    ind.programme_alignment(pkg, year)
    ind.poverty_did(pkg, year)
    ind.income_change(pkg, year)
    ind.livestock_summary(pkg, year)
    ind.poverty_persistence(pkg, year)


def bench_sizes(scale: float, work: Path, log: Callable[[str], None]) -> list[dict]:
    """Loading, validating and computing at several package sizes."""
    import frictionless

    from analysis.checks import check_package
    from analysis.package import read_package
    from analysis.synthetic import make_package

    rows = []
    for base in BASE_SIZES:
        n = max(1_000, int(base * scale))
        pkg_dir = work / f"size_{n}"
        make_package(pkg_dir, communes=100, provinces=30, followups=n)
        desc = pkg_dir / "datapackage.json"
        csv = pkg_dir / "data" / f"{RESOURCE}.csv"
        total_rows = sum(
            max(0, sum(1 for _ in p.open("rb")) - 1) for p in (pkg_dir / "data").glob("*.csv")
        )
        single = _single_resource_package(pkg_dir, RESOURCE)
        t_load, (pkg, problems) = _timed(lambda d=desc: read_package(d))
        assert not problems, problems[:3]
        t_checks, _ = _timed(lambda p=pkg: check_package(p))
        t_indicators, _ = _timed(lambda p=pkg: _indicators(p))
        t_res_strict, _ = _timed(lambda s=single: read_package(s), repeat=2)
        log(f"  {n:>9,} follow-up rows: frictionless on the resource …")
        t_res_fl, report = _timed(lambda s=single: frictionless.validate(str(s)))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])[:3]
        log(f"  {n:>9,} follow-up rows: frictionless on the package …")
        t_pkg_fl, report = _timed(lambda d=desc: frictionless.validate(str(d)))
        assert report.valid
        memory = _peak_memory(single)
        rows.append(
            {
                "followup_rows": int(sum(1 for _ in csv.open("rb")) - 1),
                "package_rows": total_rows,
                "csv_bytes": csv.stat().st_size,
                "strict_load_package_s": t_load,
                "cross_table_checks_s": t_checks,
                "indicators_s": t_indicators,
                "strict_load_resource_s": t_res_strict,
                "frictionless_resource_s": t_res_fl,
                "frictionless_package_s": t_pkg_fl,
                "strict_peak_bytes": memory["peak"] - memory["before"],
                "resource_speedup": t_res_fl / t_res_strict,
                "package_speedup": t_pkg_fl / (t_load + t_checks),
                "peak_memory_ratio": (memory["peak"] - memory["before"]) / csv.stat().st_size,
            }
        )
        log(
            f"  {rows[-1]['followup_rows']:>9,} follow-up rows: strict {t_res_strict:.2f} s, "
            f"frictionless {t_res_fl:.2f} s ({rows[-1]['resource_speedup']:.0f}×)"
        )
        shutil.rmtree(pkg_dir)
    return rows


def _empty_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "bien-cuong",
        "display_name": "Python (bien-cuong)",
        "language": "python",
    }
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})
    nb.cells = [cell]
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    return path


_PARALLEL_ANNUAL = """
import os, sys
from pathlib import Path
from analysis.cli import gate
from analysis.render import jobs_for, render_many
package, out = Path(sys.argv[1]), Path(sys.argv[2])
pkg, _ = gate(package, "en")
jobs = jobs_for(pkg, ("annual",), ("vi", "en"), out)
results = render_many(jobs, workers=os.cpu_count() or 1)
sys.exit(1 if any(r.error for r in results) else 0)
"""


def bench_reports(work: Path, log: Callable[[str], None], package: Path = DATAPACKAGE) -> dict:
    """One report against the floor, and ``report --all`` against the command lines."""
    from analysis.render import Job, make_job, render

    out: dict = {}
    nb_dir = work / "nb"
    nb_dir.mkdir()
    _empty_notebook(nb_dir)
    floor_job = Job("empty.ipynb", {"x": 2}, work / "floor" / "empty.html", "floor")
    # Best of seven each, taking turns: single renders on this kind of machine vary by 0.1 s.
    one_job = make_job("annual", "vi", package, work / "one", year=2024)
    floors, ones = _timed_alternately(
        [lambda: render(floor_job, notebooks_dir=nb_dir), lambda: render(one_job)],
        repeat=7,
    )
    t_floor, t_one = min(floors), min(ones)
    # How steady the ratio is: each report against the floor rendered just before it.
    pairs = [one / floor for floor, one in zip(floors, ones, strict=True)]
    out.update(
        floor_s=t_floor,
        annual_report_s=t_one,
        report_own_work_s=t_one - t_floor,
        report_vs_floor=t_one / t_floor,
        report_vs_floor_pairs=pairs,
        report_vs_floor_pairs_median=statistics.median(pairs),
    )
    log(f"  one annual report {t_one:.2f} s, empty-notebook floor {t_floor:.2f} s")

    # The parallel renderer (what `report --all` runs) on exactly the notebooks the command
    # lines below run: every annual report in both languages, in a fresh process.
    command = [sys.executable, "-c", _PARALLEL_ANNUAL, str(package), str(work / "all")]
    t_all, _ = _timed(
        lambda: subprocess.run(command, check=True, capture_output=True, cwd=PROJECT_ROOT)
    )
    from analysis.package import load_package

    years = sorted(int(y) for y in load_package(package)["plans"]["year"].unique())
    bin_dir = Path(sys.executable).parent
    seq = work / "sequential"
    seq.mkdir()

    def sequential() -> None:
        for year in years:
            for lang in ("vi", "en"):
                executed = seq / f"{year}_{lang}.ipynb"
                subprocess.run(
                    [
                        str(bin_dir / "papermill"),
                        str(NOTEBOOKS_DIR / "annual_evaluation.ipynb"),
                        str(executed),
                        "-p",
                        "year",
                        str(year),
                        "-p",
                        "lang",
                        lang,
                        "-p",
                        "package_path",
                        str(package),
                        "-k",
                        "bien-cuong",
                        "--cwd",
                        str(NOTEBOOKS_DIR),
                    ],
                    check=True,
                    capture_output=True,
                )
                subprocess.run(
                    [
                        str(bin_dir / "jupyter"),
                        "nbconvert",
                        "--to",
                        "html",
                        "--no-input",
                        str(executed),
                    ],
                    check=True,
                    capture_output=True,
                )

    log(f"  parallel renderer: {t_all:.1f} s; now the command lines one after another …")
    t_seq, _ = _timed(sequential)
    out.update(
        report_all_s=t_all,
        sequential_cli_s=t_seq,
        all_speedup=t_seq / t_all,
        n_reports=2 * len(years),
    )
    log(f"  command lines one after another: {t_seq:.1f} s ({t_seq / t_all:.1f}×)")
    return out


def bench_national(work: Path, log: Callable[[str], None], communes: int = 500) -> dict:
    """An annual report for a package of ``communes`` communes."""
    from analysis.render import make_job, render
    from analysis.synthetic import make_package

    desc = make_package(work / "national", communes=communes, provinces=30, followups=50_000)
    job = make_job("annual", "vi", desc, work / "national_out", year=2024)
    t, result = _timed(lambda: render(job))
    html = result.job.html_path.read_text(encoding="utf-8")
    log(f"  {communes}-commune annual report: {t:.1f} s, {html.count('<img')} charts")
    return {
        "communes": communes,
        "report_s": t,
        "charts": html.count("<img"),
        "html_bytes": len(html.encode()),
    }


def run(scale: float = 1.0, reports: bool = True, log: Callable[[str], None] = print) -> dict:
    """Run every benchmark and return the figures and their ratios."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        log("sizes:")
        result = {
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "scale": scale,
            "sizes": bench_sizes(scale, work, log),
        }
        if reports:
            log("reports:")
            result["reports"] = bench_reports(work, log)
            result["national"] = bench_national(work, log)
    largest = result["sizes"][-1]
    result["targets"] = {
        "resource_speedup_at_largest": largest["resource_speedup"],
        "resource_speedup_target": 10.0,
        "peak_memory_ratio_at_largest": largest["peak_memory_ratio"],
        "peak_memory_ratio_target": 3.0,
    }
    if reports:
        result["targets"].update(
            all_speedup=result["reports"]["all_speedup"],
            all_speedup_target=3.0,
            report_vs_floor=result["reports"]["report_vs_floor"],
            report_vs_floor_target=1.5,
        )
    return result


def chart(result: dict, path: Path) -> None:
    """Time against rows: strict loader and frictionless, log–log."""
    import matplotlib.pyplot as plt

    from analysis.charts import STYLE, new_figure

    sizes = result["sizes"]
    x = [s["followup_rows"] for s in sizes]
    with plt.rc_context(STYLE):
        fig = new_figure(figsize=(6.5, 3.8), layout="constrained")
        ax = fig.subplots()
        ax.loglog(
            x,
            [s["frictionless_resource_s"] for s in sizes],
            "s--",
            color="#8c8c8c",
            label="frictionless validate (resource)",
        )
        ax.loglog(
            x,
            [s["strict_load_resource_s"] for s in sizes],
            "o-",
            color="#222222",
            label="analysis strict loader (resource)",
        )
        ax.loglog(
            x,
            [s["indicators_s"] for s in sizes],
            "^:",
            color="#5a5a5a",
            label="all indicators (package)",
        )
        ax.set_xlabel("rows in beneficiary_followups")
        ax.set_ylabel("seconds")
        ax.set_title("Time against rows", loc="left")
        ax.legend()
        fig.savefig(path, dpi=110, metadata={"Software": None})


def format_table(result: dict) -> str:
    lines = [
        "rows (followups) | package rows | strict resource s | frictionless resource s | "
        "speed-up | strict package+checks s | frictionless package s | indicators s | "
        "peak mem / CSV",
        "---|---|---|---|---|---|---|---|---",
    ]
    for s in result["sizes"]:
        lines.append(
            f"{s['followup_rows']:,} | {s['package_rows']:,} | {s['strict_load_resource_s']:.3f}"
            f" | {s['frictionless_resource_s']:.2f} | {s['resource_speedup']:.0f}× | "
            f"{s['strict_load_package_s'] + s['cross_table_checks_s']:.2f} | "
            f"{s['frictionless_package_s']:.2f} | {s['indicators_s']:.2f} | "
            f"{s['peak_memory_ratio']:.2f}"
        )
    if "reports" in result:
        r = result["reports"]
        lines += [
            "",
            f"one annual report: {r['annual_report_s']:.2f} s; empty-notebook floor: "
            f"{r['floor_s']:.2f} s; ratio {r['report_vs_floor']:.2f} (target ≤ 1.5; "
            f"report against the floor rendered just before it: median "
            f"{r['report_vs_floor_pairs_median']:.2f}, "
            f"{min(r['report_vs_floor_pairs']):.2f} to {max(r['report_vs_floor_pairs']):.2f})",
            f"parallel renderer, as in report --all ({r['n_reports']} annual reports): "
            f"{r['report_all_s']:.1f} s; "
            f"papermill + nbconvert command lines one after another: "
            f"{r['sequential_cli_s']:.1f} s; speed-up {r['all_speedup']:.1f}× "
            "(target ≥ 3)",
        ]
        n = result["national"]
        lines.append(
            f"{n['communes']}-commune annual report: {n['report_s']:.1f} s, {n['charts']} charts"
        )
    return "\n".join(lines)
