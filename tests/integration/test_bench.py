"""The benchmark stays runnable: a tiny run of its loading part (figures checked, never timed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis import bench


@pytest.mark.slow
def test_a_tiny_benchmark_run_reports_every_figure_and_ratio(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "analysis", "bench", "--scale", "0.0001", "--no-reports", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(out.stdout)
    sizes = result["sizes"]
    assert [s["followup_rows"] > 0 for s in sizes] == [True] * len(bench.BASE_SIZES)
    for s in sizes:
        # each ratio is the quotient of the two figures it is made of
        assert s["resource_speedup"] == s["frictionless_resource_s"] / s["strict_load_resource_s"]
        assert s["peak_memory_ratio"] == s["strict_peak_bytes"] / s["csv_bytes"]
        assert s["strict_peak_bytes"] > 0
    targets = result["targets"]
    assert targets["resource_speedup_target"] == 10.0
    assert targets["peak_memory_ratio_target"] == 3.0
    assert targets["peak_memory_ratio_at_largest"] == sizes[-1]["peak_memory_ratio"]
    table = bench.format_table(result)
    assert table.count("\n") == 1 + len(sizes)  # header, rule, one line per size
    bench.chart(result, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_alternate_timing_takes_turns_and_keeps_every_time():
    order = []
    times = bench._timed_alternately([lambda: order.append("a"), lambda: order.append("b")], 3)
    assert order == ["a", "b"] * 3
    assert [len(t) for t in times] == [3, 3]
    assert all(x >= 0 for t in times for x in t)


def test_the_rendering_figures_are_tabled_with_their_verdicts():
    """format_table states each guardrail's verdict from the figures (made-up times)."""
    result = {
        "sizes": [],
        "targets": {"report_vs_floor_target": 2.0, "all_speedup_target": 3.0},
        "floor": {
            "floor_s": 2.0,
            "kinds": {
                "annual": {
                    "report_s": 3.0,
                    "vs_floor": 1.5,
                    "turns": {"median": 1.8, "low": 1.5, "high": 2.25},
                },
                "phase": {"report_s": 5.0, "vs_floor": 2.5},
            },
        },
        "reports": {
            "package": "bundled",
            "report_all_s": 30.0,
            "n_reports": 24,
            "report_all_per_report_s": 1.25,
            "cli_single_median_s": 5.0,
            "all_speedup": 4.0,
        },
        "national": {
            "package": "national",
            "report_all_s": 200.0,
            "n_reports": 80,
            "report_all_per_report_s": 2.5,
            "cli_single_median_s": 6.0,
            "all_speedup": 2.4,
        },
    }
    table = bench.format_table(result)
    assert "annual | 3.00 | 1.50× (met) | 1.80× (1.50–2.25×)" in table
    assert "phase | 5.00 | 2.50× (no target) | " in table
    assert "bundled | 30.0 | 24 | 1.25 | 5.0 | 4.0× (met)" in table
    assert "national | 200.0 | 80 | 2.50 | 6.0 | 2.4× (MISSED)" in table


def test_the_timed_reports_are_the_last_of_each_kind(tmp_path):
    """The report timed against the floor is the annual report of the package's last plan
    year (the heaviest: it shows every earlier year), not the lightest first one."""
    from analysis.package import load_package
    from analysis.paths import DATAPACKAGE

    years = sorted(set(load_package(DATAPACKAGE)["plans"]["year"].astype(int)))
    jobs = bench._one_of_each_kind(DATAPACKAGE, tmp_path)
    assert [job.kind for job in jobs] == ["annual", "phase", "commune"]
    assert jobs[0].parameters["year"] == years[-1] == 2025
    assert jobs[0].parameters["lang"] == "vi"
