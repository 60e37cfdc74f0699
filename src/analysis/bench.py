"""``python -m analysis bench``: the performance figures, measured side by side in one run.

Every target is a ratio of two timings taken on this machine in the same run, never an
absolute number asserted by a test:

* strict loading of a 1,000,000-row resource against ``frictionless validate`` of the same
  file (and the whole package against frictionless), with the loader's peak memory against
  the CSV's size;
* ``report --all --lang all`` on the bundled package and on the national synthetic package
  (100 communes in 30 provinces): its wall time per report against the median time of one
  report rendered with the ``papermill`` and ``jupyter nbconvert`` command lines (one report
  of each kind); target at least 3×;
* one report of each kind (annual, phase, commune profile) against the floor: an empty
  notebook executed and rendered the same way with the same kernel; target at most 2×.
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
from analysis.schema import Schema

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
    res = Schema.read(pkg_dir / "datapackage.json").resource(name)
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


def _cli_render(job, folder: Path) -> None:
    """One report through the ``papermill`` and ``jupyter nbconvert`` command lines, as an
    analyst would run it by hand."""
    bin_dir = Path(sys.executable).parent
    executed = folder / Path(job.html_path).with_suffix(".ipynb").name
    params = []
    for name, value in job.parameters.items():
        params += ["-p", name, str(value)]
    subprocess.run(
        [str(bin_dir / "papermill"), str(NOTEBOOKS_DIR / job.notebook), str(executed)]
        + params
        + ["-k", "bien-cuong", "--cwd", str(NOTEBOOKS_DIR)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
        check=True,
        capture_output=True,
    )


def _one_of_each_kind(package: Path, folder: Path) -> list:
    """The last report of each kind (annual, phase, commune), in Vietnamese.

    For the annual report that is the last plan year: the report an analyst renders each
    year, and the heaviest (it shows every earlier year beside its own; the first year's
    report, with one year of history, costs about a quarter less kernel time).
    """
    from analysis.package import load_package
    from analysis.render import make_job
    from analysis.report.registry import REPORTS

    pkg = load_package(package)
    return [
        make_job(spec.kind, "vi", package, folder, pkg=pkg, **spec.report_class.instances(pkg)[-1])
        for spec in REPORTS
    ]


def bench_renders(work: Path, log: Callable[[str], None], package: Path, label: str) -> dict:
    """``report --all`` on ``package`` against single renders through the command lines.

    The guardrail: the wall time of ``report --all --lang all`` divided by the number of
    reports it renders is at most a third of the median time of one report rendered through
    the ``papermill`` and ``jupyter nbconvert`` command lines (one report of each kind).
    """
    cli = work / f"cli_{label}"
    cli.mkdir()
    times = []
    for job in _one_of_each_kind(package, cli):
        t, _ = _timed(lambda j=job: _cli_render(j, cli))
        times.append(t)
        log(f"  {label}: {job.kind} report through the command lines {t:.1f} s")
    command = [
        sys.executable,
        "-m",
        "analysis",
        "report",
        "--all",
        "--lang",
        "all",
        "--package",
        str(package),
        "--reports-dir",
        str(work / f"all_{label}"),
    ]
    log(f"  {label}: report --all --lang all …")
    t_all, proc = _timed(
        lambda: subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT)
    )
    if proc.returncode:
        raise RuntimeError(f"report --all failed on the {label} package:\n{proc.stderr[-2000:]}")
    n = sum(1 for _ in (work / f"all_{label}").rglob("*.html")) - 1  # minus the index
    per_report = t_all / n
    median_cli = statistics.median(times)
    log(
        f"  {label}: report --all {t_all:.1f} s for {n} reports ({per_report:.2f} s each); "
        f"command lines {median_cli:.1f} s a report (median): {median_cli / per_report:.1f}×"
    )
    return {
        "package": label,
        "report_all_s": t_all,
        "n_reports": n,
        "report_all_per_report_s": per_report,
        "cli_single_s": dict(zip(("annual", "phase", "commune"), times, strict=True)),
        "cli_single_median_s": median_cli,
        "all_speedup": median_cli / per_report,
    }


def turn_ratios(times: Sequence[float], floor_times: Sequence[float]) -> dict:
    """The ratio of each turn's report time to the same turn's floor time: its median and
    range. The verdict is on the best of each; the spread says how near the line that is on
    a machine whose speed moves from minute to minute.

    >>> turn_ratios([2.0, 4.0, 3.0], [1.0, 2.0, 1.0])
    {'median': 2.0, 'low': 2.0, 'high': 3.0}
    """
    ratios = [t / f for t, f in zip(times, floor_times, strict=True)]
    return {"median": statistics.median(ratios), "low": min(ratios), "high": max(ratios)}


def bench_floor(work: Path, log: Callable[[str], None], package: Path = DATAPACKAGE) -> dict:
    """One report of each kind against the floor: an empty notebook rendered the same way.

    Best of five each, taking turns (single renders vary by a tenth of a second).
    """
    from analysis.render import Job, render

    nb_dir = work / "nb"
    nb_dir.mkdir()
    _empty_notebook(nb_dir)
    floor_job = Job("empty.ipynb", {"x": 2}, work / "floor" / "empty.html", "floor")
    jobs = _one_of_each_kind(package, work / "single")
    times = _timed_alternately(
        [lambda: render(floor_job, notebooks_dir=nb_dir)] + [lambda j=j: render(j) for j in jobs],
        repeat=5,
    )
    floor = min(times[0])
    out: dict = {"floor_s": floor, "kinds": {}}
    for job, kind_times in zip(jobs, times[1:], strict=True):
        best = min(kind_times)
        turns = turn_ratios(kind_times, times[0])
        out["kinds"][job.kind] = {"report_s": best, "vs_floor": best / floor, "turns": turns}
        log(
            f"  one {job.kind} report {best:.2f} s, floor {floor:.2f} s: {best / floor:.2f}× "
            f"(turn by turn {turns['low']:.2f}–{turns['high']:.2f}×, median {turns['median']:.2f}×)"
        )
    # The guardrail is set on the annual report (the report analysts render most, and the one
    # the earlier targets measured); the phase report and the profiles are shown beside it.
    out["report_vs_floor"] = out["kinds"]["annual"]["vs_floor"]
    return out


def bench_national(work: Path, log: Callable[[str], None]) -> dict:
    """Every report of the national synthetic package (100 communes in 30 provinces)."""
    from analysis.synthetic import make_package

    desc = make_package(work / "national", communes=100, provinces=30, followups=100_000)
    result = bench_renders(work, log, desc, "national")
    html = (work / "all_national" / "2024" / "annual_evaluation_2024_vi.html").read_text(
        encoding="utf-8"
    )
    result["annual_charts"] = html.count("<img")
    return result


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
            log("reports (several minutes: every report of two packages is rendered):")
            result["floor"] = bench_floor(work, log)
            result["reports"] = bench_renders(work, log, DATAPACKAGE, "bundled")
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
            all_speedup_bundled=result["reports"]["all_speedup"],
            all_speedup_national=result["national"]["all_speedup"],
            all_speedup_target=3.0,
            report_vs_floor=result["floor"]["report_vs_floor"],
            report_vs_floor_target=2.0,
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
        targets = result["targets"]
        lines += [
            "",
            "report | time (s) | against the empty-notebook floor (annual: ≤ 2) | "
            "turn by turn: median (range)",
        ]
        lines.append(f"floor | {result['floor']['floor_s']:.2f} | |")
        for kind, k in result["floor"]["kinds"].items():
            if kind == "annual":
                target = targets["report_vs_floor_target"]
                verdict = "met" if k["vs_floor"] <= target else "MISSED"
            else:
                verdict = "no target"
            turns = k.get("turns")
            spread = (
                f"{turns['median']:.2f}× ({turns['low']:.2f}–{turns['high']:.2f}×)" if turns else ""
            )
            lines.append(
                f"{kind} | {k['report_s']:.2f} | {k['vs_floor']:.2f}× ({verdict}) | {spread}"
            )
        lines += [
            "",
            "package | report --all (s) | reports | s a report | command lines, "
            "median s a report | speed-up (target ≥ 3)",
        ]
        for r in (result["reports"], result["national"]):
            verdict = "met" if r["all_speedup"] >= targets["all_speedup_target"] else "MISSED"
            lines.append(
                f"{r['package']} | {r['report_all_s']:.1f} | {r['n_reports']} | "
                f"{r['report_all_per_report_s']:.2f} | {r['cli_single_median_s']:.1f} | "
                f"{r['all_speedup']:.1f}× ({verdict})"
            )
    return "\n".join(lines)
