"""What the workbook tools need to know about the package, all read from ``datapackage.json``.

Nothing here lists columns: the sheets, their columns, titles, types, constraints, keys and
the lookups (communes by name, enumeration labels) come from the descriptor, the CSV files
and the message catalogue.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path

from analysis.i18n import _catalogue
from analysis.intake.parse import CodeMatcher, canonical_number, fold
from analysis.package import FALSE_VALUES, ILLUSTRATIVE_KIND, TRUE_VALUES
from analysis.schema import Schema

__all__ = [
    "HELP_SHEET",
    "LISTS_SHEET",
    "META_SHEET",
    "PROVINCE_RESOURCES",
    "Field",
    "PackageData",
    "Resource",
]

PROVINCE_RESOURCES = tuple(Schema.load().intake_sheets())
"""The resources a province reports, one sheet each, in the workbook's order (their
``intakeSheet`` property in ``datapackage.json``)."""

HELP_SHEET = "Hướng dẫn"
LISTS_SHEET = "_lists"
META_SHEET = "_meta"
META_FORMAT = "bien-cuong-intake"
META_VERSION = 1
SOURCE_FIELD = "source_id"
COMMUNES = "communes"
ENTITY_LINKS = {"livestock_events": ("animal_id", "mother_animal_id")}
"""Rows of one resource that describe the same thing over time: an animal's ledger is its
events (``animal_id``), and a calf's ledger hangs from its mother's (``mother_animal_id``).
When an illustrative event is removed, the rest of the animal's illustrative ledger and the
ledgers of its illustrative calves go with it."""


@dataclass(frozen=True)
class Field:
    """One field of a resource, as the descriptor defines it."""

    name: str
    type: str
    title: str
    title_vi: str
    description: str
    constraints: dict

    @classmethod
    def from_descriptor(cls, fld: dict) -> Field:
        return cls(
            name=fld["name"],
            type=fld.get("type", "string"),
            title=fld.get("title", fld["name"]),
            title_vi=fld.get("title_vi", fld.get("title", fld["name"])),
            description=fld.get("description", ""),
            constraints=dict(fld.get("constraints", {})),
        )

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def enum(self) -> list[str] | None:
        values = self.constraints.get("enum")
        return [str(v) for v in values] if values else None

    @property
    def header(self) -> str:
        """The template's column header: Vietnamese title and field name."""
        return f"{self.title_vi} ({self.name})"

    @property
    def is_money(self) -> bool:
        """Amounts of đồng (names ending in ``_vnd``) accept ``đ`` and ``triệu``."""
        return self.name.endswith("_vnd")

    @property
    def digits_pattern(self) -> int | None:
        """N when the field's pattern is exactly N digits (a code that may lose zeros)."""
        found = re.fullmatch(r"\\d\{(\d+)\}", self.constraints.get("pattern", ""))
        return int(found.group(1)) if found else None


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    target: tuple[str, ...]


@dataclass
class Resource:
    """A resource's schema and its CSV rows as text (the bytes are kept for hashing)."""

    name: str
    path: Path
    rel: str
    title: str
    title_vi: str
    description: str
    fields: list[Field]
    primary_key: list[str]
    foreign_keys: list[ForeignKey]
    rows: list[dict[str, str]] = field(default_factory=list)
    raw: bytes = b""

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for fld in self.fields:
            if fld.name == name:
                return fld
        raise KeyError(f"no field {name!r} in {self.name}")

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def key(self, row: dict[str, str]) -> tuple[str, ...]:
        """The row's primary key, in canonical text (``2024`` and ``2024.0`` are one key)."""
        return tuple(canonical(self.field(f), row.get(f, "")) for f in self.primary_key)

    @cached_property
    def year_field(self) -> Field | None:
        """The field that dates a row: ``year``, then ``*_year``, then the required date."""
        for test in (
            lambda f: f.name == "year",
            lambda f: f.type == "integer" and f.name.endswith("_year"),
            lambda f: f.type == "date" and f.required,
        ):
            for fld in self.fields:
                if test(fld):
                    return fld
        return None

    def year_of(self, row: dict[str, str]) -> int | None:
        fld = self.year_field
        value = row.get(fld.name, "") if fld else ""
        if not value:
            return None
        try:
            return int(value[:4]) if fld.type == "date" else int(Decimal(value))
        except (ValueError, InvalidOperation):
            return None

    def sort_key(self, row: dict[str, str]) -> tuple:
        """Sort by primary key, numbers numerically (as the generator writes the files)."""
        out = []
        for name in self.primary_key:
            value = row.get(name, "")
            if self.field(name).type in ("integer", "number") and value:
                try:
                    out.append((0, float(value), ""))
                    continue
                except ValueError:
                    pass
            out.append((1, 0.0, value))
        return tuple(out)

    def render(self, rows: Iterable[dict[str, str]]) -> bytes:
        """The CSV bytes of ``rows`` (sorted by key; UTF-8, LF, the schema's column order)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        names = self.field_names
        writer.writerow(names)
        for row in sorted(rows, key=self.sort_key):
            writer.writerow([row.get(n, "") for n in names])
        return out.getvalue().encode("utf-8")


def canonical(fld: Field, value: str) -> str:
    """A field's value in one canonical text, to compare values rather than spellings."""
    if value == "":
        return ""
    try:
        if fld.type == "integer":
            return str(int(Decimal(value)))
        if fld.type == "number":
            return canonical_number(Decimal(value))
    except (InvalidOperation, ValueError):
        return value
    if fld.type == "boolean":
        if value in TRUE_VALUES:
            return "true"
        if value in FALSE_VALUES:
            return "false"
    return value


class PackageData:
    """The package as text rows, with the lookups the workbook tools need.

    Args:
        path: ``datapackage.json``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self.descriptor_bytes = self.path.read_bytes()
        self.descriptor = json.loads(self.descriptor_bytes.decode("utf-8"))
        self.resources: dict[str, Resource] = {}
        self._labels: dict[tuple, dict[str, str]] = {}
        self._matchers: dict[tuple, CodeMatcher] = {}
        for res in Schema.from_descriptor(self.descriptor).resources.values():
            schema = res["schema"]
            pk = schema.get("primaryKey") or []
            fks = []
            for fk in schema.get("foreignKeys", []):
                local = fk["fields"]
                ref = fk["reference"]
                target = ref["fields"]
                fks.append(
                    ForeignKey(
                        tuple([local] if isinstance(local, str) else local),
                        ref.get("resource") or res["name"],
                        tuple([target] if isinstance(target, str) else target),
                    )
                )
            file = self.path.parent / res["path"]
            raw = file.read_bytes()
            text = raw.decode("utf-8")
            rows = [
                {k: (v or "") for k, v in row.items() if k is not None}
                for row in csv.DictReader(io.StringIO(text, newline=""))
            ]
            self.resources[res["name"]] = Resource(
                name=res["name"],
                path=file,
                rel=res["path"],
                title=res.get("title", res["name"]),
                title_vi=res.get("title_vi", res.get("title", res["name"])),
                description=res.get("description", ""),
                fields=[Field.from_descriptor(f) for f in schema["fields"]],
                primary_key=[pk] if isinstance(pk, str) else list(pk),
                foreign_keys=fks,
                rows=rows,
                raw=raw,
            )

    def __getitem__(self, name: str) -> Resource:
        return self.resources[name]

    # ------------------------------------------------------------------ sources

    @cached_property
    def illustrative_sources(self) -> frozenset[str]:
        return frozenset(
            r["source_id"]
            for r in self.resources["sources"].rows
            if r.get("kind") == ILLUSTRATIVE_KIND
        )

    def is_illustrative(self, row: dict[str, str]) -> bool:
        return row.get(SOURCE_FIELD, "") in self.illustrative_sources

    # ------------------------------------------------------------------ communes, provinces

    @cached_property
    def communes(self) -> list[dict[str, str]]:
        return self.resources[COMMUNES].rows if COMMUNES in self.resources else []

    def place_names(self) -> list[str]:
        """Every commune, district and province name of the communes table (and the names
        they take after the 2025 merger): never read as a person's name."""
        from analysis.intake.pii import PLACE_COLUMNS

        return [r[c] for r in self.communes for c in PLACE_COLUMNS if r.get(c)]

    @cached_property
    def commune_display(self) -> dict[str, str]:
        """Commune code → the name shown in the template (district added when ambiguous)."""
        by_name: dict[str, list[str]] = {}
        for row in self.communes:
            by_name.setdefault(fold(row["name_in_source"]), []).append(row["commune_code"])
        out = {}
        for row in self.communes:
            name = row["name_in_source"]
            if len(by_name[fold(name)]) > 1:
                name = f"{name} – {row.get('district_name', '')}".strip(" –")
                if name in out.values():
                    name = f"{row['name_in_source']} ({row['commune_code']})"
            out[row["commune_code"]] = name
        return out

    @cached_property
    def commune_matcher(self) -> CodeMatcher:
        entries = [
            (
                r["commune_code"],
                [
                    r.get("name_in_source", ""),
                    r.get("name_official", ""),
                    self.commune_display[r["commune_code"]],
                ],
            )
            for r in self.communes
        ]
        width = self._code_width(COMMUNES, "commune_code") or 5
        return CodeMatcher(
            entries,
            prefix=r"xã|xa|x\.",
            code_length=width,
            unknown_rule="commune-unknown",
            ambiguous_rule="commune-ambiguous",
        )

    def key_display(self, resource: str) -> dict[str, str]:
        """Key → what a drop-down shows for a row of ``resource``: ``Name (key)`` when the
        resource has a Vietnamese name (``name_vi``: implementing units), else the key."""
        res = self.resources[resource]
        key = res.primary_key[0] if len(res.primary_key) == 1 else None
        if key is None:
            return {}
        return {
            row[key]: f"{row['name_vi']} ({row[key]})" if row.get("name_vi") else row[key]
            for row in res.rows
        }

    def key_of(self, resource: str, text: str) -> str:
        """The key in a drop-down's ``Name (key)`` (or the text itself when it is a key)."""
        found = re.fullmatch(r".*\(([^()]+)\)\s*", text)
        if found and found.group(1) in self.key_display(resource):
            return found.group(1)
        return text

    @cached_property
    def province_names(self) -> dict[str, str]:
        """Province code → name, from the communes table."""
        out: dict[str, str] = {}
        for row in self.communes:
            out.setdefault(row.get("province_code", ""), row.get("province_name", ""))
        out.pop("", None)
        return out

    @cached_property
    def province_matcher(self) -> CodeMatcher:
        width = self._code_width(COMMUNES, "province_code") or 2
        return CodeMatcher(
            [(code, [name]) for code, name in self.province_names.items()],
            prefix=r"tỉnh|tinh|t\.",
            code_length=width,
            unknown_rule="province-unknown",
            ambiguous_rule="province-ambiguous",
        )

    def _code_width(self, resource: str, name: str) -> int | None:
        if resource not in self.resources or not self.resources[resource].has(name):
            return None
        return self.resources[resource].field(name).digits_pattern

    @cached_property
    def _province_by_commune(self) -> dict[str, str]:
        return {r["commune_code"]: r.get("province_code", "") for r in self.communes}

    def province_of_commune(self, code: str) -> str | None:
        return self._province_by_commune.get(code) or None

    def lookup_kind(self, resource: str, fld: Field) -> str | None:
        """``commune`` or ``province`` when the field is entered by name, else None."""
        res = self.resources[resource]
        for fk in res.foreign_keys:
            if fk.fields == (fld.name,) and fk.resource == COMMUNES:
                return "commune"
        if (
            resource != COMMUNES
            and fld.name == "province_code"
            and self.province_names
            and not any(fld.name in fk.fields for fk in res.foreign_keys)
        ):
            return "province"
        return None

    # ------------------------------------------------------------------ enumerations

    @cached_property
    def _enum_groups(self) -> dict[str, dict[str, str]]:
        """Catalogue ``enum.<group>.<value>`` entries: group → value → Vietnamese label."""
        groups: dict[str, dict[str, str]] = {}
        for key, entry in _catalogue().items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "enum":
                groups.setdefault(parts[1], {})[parts[2]] = entry["vi"]
        return groups

    def enum_labels(self, fld: Field) -> dict[str, str]:
        """Enumeration value → Vietnamese label from the catalogue (empty when there is none).

        The catalogue group is ``enum.<field name>`` when it has a label for every value,
        else the one group that does (``event_type`` → ``enum.livestock_event``).
        """
        key = (fld.name, tuple(fld.enum or ()))
        if key not in self._labels:
            self._labels[key] = self._find_labels(fld)
        return self._labels[key]

    def _find_labels(self, fld: Field) -> dict[str, str]:
        values = fld.enum
        if not values:
            return {}
        groups = self._enum_groups
        complete = [g for g, labels in groups.items() if all(v in labels for v in values)]
        if fld.name in complete:
            group = fld.name
        elif len(complete) == 1:
            group = complete[0]
        else:
            stems = [g for g in complete if fld.name.startswith(g)]
            if len(stems) != 1:
                return {}
            group = stems[0]
        labels = {v: groups[group][v] for v in values}
        if len({fold(x) for x in labels.values()}) != len(labels):
            return {}  # two values with one label cannot be told apart
        return labels

    def enum_display(self, fld: Field) -> dict[str, str]:
        """Enumeration value → what the template shows: ``Label (code)`` or the code."""
        labels = self.enum_labels(fld)
        return {v: (f"{labels[v]} ({v})" if v in labels else v) for v in fld.enum or []}

    def enum_matcher(self, fld: Field) -> CodeMatcher:
        """Reads an enumeration cell: the code, the label or ``Label (code)``."""
        key = (fld.name, tuple(fld.enum or ()))
        if key not in self._matchers:
            labels = self.enum_labels(fld)
            display = self.enum_display(fld)
            self._matchers[key] = CodeMatcher(
                [(v, [labels.get(v, ""), display[v]]) for v in fld.enum or []],
                unknown_rule="enum",
                ambiguous_rule="enum",
            )
        return self._matchers[key]

    # ------------------------------------------------------------------ where a row is

    def place_of(
        self,
        resource: str,
        row: dict[str, str],
        tables: dict[str, dict[tuple[str, ...], dict[str, str]]],
        _depth: int = 0,
    ) -> str | None:
        """Where a row belongs: ``C<commune>``, ``P<province>``, ``*`` (programme) or None.

        A row with a commune is in that commune; with a province only, in that province;
        otherwise the place of the first row it refers to (an activity, a beneficiary); a row
        that refers to nothing with a place is programme-wide (``*``). None: the row refers
        to a row that does not exist.
        """
        res = self.resources[resource]
        if res.has("commune_code") or res.has("province_code"):
            if row.get("commune_code"):
                return "C" + row["commune_code"]
            if row.get("province_code"):
                return "P" + row["province_code"]
            if res.has("commune_code") and res.has("province_code"):
                return "*"
        if _depth > 5:
            return None
        for fk in res.foreign_keys:
            if fk.resource in ("sources", resource) or fk.resource not in tables:
                continue
            values = tuple(row.get(f, "") for f in fk.fields)
            if not all(values):
                continue
            target_res = self.resources[fk.resource]
            if tuple(fk.target) != tuple(target_res.primary_key):
                continue
            target = tables[fk.resource].get(
                tuple(
                    canonical(target_res.field(f), v)
                    for f, v in zip(fk.target, values, strict=True)
                )
            )
            if target is None:
                return None
            return self.place_of(fk.resource, target, tables, _depth + 1)
        return "*"

    def province_of_place(self, place: str | None) -> str | None:
        if not place or place == "*":
            return None
        if place.startswith("C"):
            return self.province_of_commune(place[1:])
        return place[1:]


def describe_key(res: Resource, key: tuple[str, ...]) -> str:
    """``activity_id=2024-23536-01`` (for messages)."""
    return ", ".join(f"{n}={v}" for n, v in zip(res.primary_key, key, strict=True))
