"""The streamed loader's parts, each against an independent method.

The loader reads files a block at a time and checks keys on Arrow arrays; these tests pin
the places where that could go wrong: rows cut by a block boundary, integer columns with
empty cells spread over many Arrow batches, and the duplicate and foreign-key checks, which
are compared with pandas' own ``duplicated`` and ``isin`` (and the csv module, for rows).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis.package as package_module
from analysis.package import read_package
from analysis.paths import PROJECT_ROOT

TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny_package"


def _scan_bytes(data: bytes, names: list[str]):
    digest = hashlib.sha256()
    problems, lines = package_module._scan(io.BytesIO(data), "x.csv", names, digest)
    return problems, lines, digest.hexdigest()


def _ragged_by_csv_module(data: bytes, n_fields: int) -> list[tuple[int, int]]:
    """The csv module's view; an empty line counts as one empty cell, as the loader counts."""
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    cells = [max(len(r), 1) for r in rows]
    return [(i + 1, k) for i, k in enumerate(cells) if k != n_fields]


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=40),
    block=st.integers(min_value=1, max_value=64),
    final_newline=st.booleans(),
)
def test_ragged_rows_are_found_whatever_the_block_size(cells, block, final_newline):
    """Row numbers and cell counts match the csv module's, however blocks cut the lines."""
    names = ["a", "b", "c"]
    lines = ["a,b,c"] + [",".join(["x"] * k) if k else "" for k in cells]
    data = ("\n".join(lines) + ("\n" if final_newline else "")).encode()
    expected = _ragged_by_csv_module(data, 3)
    old = package_module._SCAN_BLOCK
    package_module._SCAN_BLOCK = block
    try:
        problems, n_lines, digest = _scan_bytes(data, names)
    finally:
        package_module._SCAN_BLOCK = old
    found = [(p.row, p.params["found"]) for p in problems]
    if expected and expected[0][0] != 1:
        assert found == expected
    else:
        assert found == []
    assert digest == hashlib.sha256(data).hexdigest()  # the hash sees every byte once
    assert n_lines >= len(lines)  # an upper bound on the records


def test_windows_line_end_is_located_across_blocks():
    data = b"a,b\n1,2\n3,4\n5,6\r\n"
    old = package_module._SCAN_BLOCK
    package_module._SCAN_BLOCK = 3
    try:
        problems, _, _ = _scan_bytes(data, ["a", "b"])
    finally:
        package_module._SCAN_BLOCK = old
    assert [(p.row, p.rule) for p in problems] == [(4, "crlf")]


def test_integers_with_empty_cells_over_many_batches(monkeypatch):
    """Integer columns copied batch by batch equal pandas' own reading of the same text."""
    rng = np.random.default_rng(7)
    n = 5_000
    values = rng.integers(-(10**12), 10**12, size=n)
    empty = rng.random(n) < 0.2
    lines = ["id,count,label"] + [
        f"R{i:05d},{'' if empty[i] else values[i]},l{i % 7}" for i in range(n)
    ]
    data = ("\n".join(lines) + "\n").encode()
    monkeypatch.setattr(package_module, "_BLOCK", 1 << 12)  # about a hundred batches
    frame = package_module._parse_csv(io.BytesIO(data), frozenset({"count"}), len(lines))
    expected = pd.read_csv(
        io.BytesIO(data), dtype={"count": "Int64"}, keep_default_na=False, na_values={"count": [""]}
    )
    assert len(frame["count"]) == n
    assert frame["count"].isna().sum() == empty.sum()
    pd.testing.assert_series_equal(frame["count"], expected["count"], check_names=False)
    assert list(frame["id"]) == list(expected["id"])
    assert list(frame["label"]) == list(expected["label"])


def test_a_line_count_that_is_too_small_still_reads_every_record():
    data = b"n,t\n" + b"".join(b"%d,x\n" % i for i in range(1_000))
    frame = package_module._parse_csv(io.BytesIO(data), frozenset({"n"}), lines=1)
    assert list(frame["n"]) == list(range(1_000))


key_values = st.one_of(st.none(), st.sampled_from(["a", "b", "Đ", "ă", ""]))
int_values = st.one_of(st.none(), st.integers(min_value=-3, max_value=3), st.just(10**15))


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(key_values, int_values), max_size=30))
def test_duplicated_agrees_with_pandas(rows):
    frame = pd.DataFrame(
        {
            "k": pd.array([r[0] for r in rows], dtype=pd.StringDtype("pyarrow")),
            "n": pd.array([r[1] for r in rows], dtype="Int64"),
        }
    )
    for cols in (["k"], ["n"], ["k", "n"], ["n", "k"]):
        null = frame[cols].isna().any(axis=1).to_numpy()
        ours = package_module._duplicated(frame, cols) & ~null
        theirs = frame.duplicated(subset=cols, keep="first").to_numpy() & ~null
        assert ours.tolist() == theirs.tolist(), cols


@settings(max_examples=60, deadline=None)
@given(
    local=st.lists(st.one_of(st.none(), st.sampled_from(["x", "y", "z", "Ơ"])), max_size=20),
    allowed=st.lists(st.sampled_from(["x", "y", "Ơ", "w"]), max_size=6),
)
def test_foreign_key_lookup_agrees_with_pandas(local, allowed):
    frame = pd.DataFrame({"k": pd.array(local, dtype=pd.StringDtype("pyarrow"))})
    target = pd.DataFrame({"t": pd.array(allowed, dtype=pd.StringDtype("pyarrow"))})
    present = frame["k"].notna().to_numpy()
    ours = package_module._found_in(frame, ["k"], target, ["t"]) & present
    theirs = frame["k"].isin(set(allowed)).to_numpy() & present
    assert ours.tolist() == theirs.tolist()


def test_integer_key_against_text_key_compares_as_text():
    frame = pd.DataFrame({"k": pd.array([1, 2, None], dtype="Int64")})
    target = pd.DataFrame({"t": pd.array(["1", "3"], dtype=pd.StringDtype("pyarrow"))})
    assert package_module._found_in(frame, ["k"], target, ["t"])[:2].tolist() == [True, False]


def test_a_file_replaced_after_hashing_is_parsed_as_hashed(tmp_path, monkeypatch):
    """The open handle is parsed, so what was hashed is what is loaded."""
    shutil.copytree(TINY, tmp_path / "pkg")
    desc = tmp_path / "pkg" / "datapackage.json"
    plans = tmp_path / "pkg" / "data" / "plans.csv"
    original = plans.read_bytes()
    scan = package_module._scan

    def scan_then_replace(handle, rel, names, digest):
        result = scan(handle, rel, names, digest)
        if rel == "data/plans.csv":  # replaced atomically, as editors and our importer do
            tmp = plans.with_suffix(".new")
            tmp.write_bytes(original.replace(b",2024,", b",2031,"))
            tmp.replace(plans)
        return result

    monkeypatch.setattr(package_module, "_scan", scan_then_replace)
    pkg, problems = read_package(desc)
    assert problems == []
    assert 2031 not in set(pkg["plans"]["year"])


def test_bundled_hash_is_unchanged_by_streaming():
    """The package hash is still SHA-256 over the descriptor, then each name and file."""
    desc = PROJECT_ROOT / "datapackage.json"
    digest = hashlib.sha256(desc.read_bytes())
    for res in json.loads(desc.read_text(encoding="utf-8"))["resources"]:
        digest.update(res["name"].encode() + b"\0")
        digest.update((PROJECT_ROOT / res["path"]).read_bytes())
    pkg, problems = read_package(desc)
    assert problems == [] and pkg.sha256 == digest.hexdigest()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,n\nx,\ny,\n", [None, None]),  # an integer column with every cell empty
        (b"a,n\n", []),  # the header alone
        (b"a,n\nx,-7\n", [-7]),
    ],
)
def test_integer_columns_at_the_edges(data, expected):
    frame = package_module._parse_csv(io.BytesIO(data), frozenset({"n"}), lines=5)
    assert str(frame["n"].dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in frame["n"]] == expected
