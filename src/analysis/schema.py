"""The data package's metadata, read in one place.

``datapackage.json`` is the single source of truth for names, types and keys, and also for
what each resource is to the toolkit, as properties of the resource:

* ``role``: ``monitoring`` (what the programme planned, spent and delivered, and whom it
  reached), ``context`` (statistics about the communes), ``place`` (the communes themselves)
  or ``reference`` (sources, units, programmes, indicators, the theory of change);
* ``personLevel``: the rows describe people (beneficiaries, their follow-ups, their cows):
  never listed in a report, never shown in a notebook's output, scanned for personal data;
* ``intakeSheet``: the position of the resource's sheet in the province's workbook (the
  resources a province reports);
* ``generated``: the illustrative generator writes rows of it.

The loader, the intake, the generator, the synthetic packages, the data dictionary, the
benchmark and the reports ask this object rather than walking the descriptor by hand: a
loaded package gives it as ``pkg.schema`` (:meth:`Schema.from_descriptor`), a file as
:meth:`Schema.load` (read once per path) or :meth:`Schema.read` (read now).

Two readers keep their own parsing on purpose: the strict loader
(:mod:`analysis.package`), which parses an untrusted descriptor and reports each defect as a
problem before anything else may trust it, and the write guards of :mod:`analysis.paths` and
:mod:`analysis.storage`, which must still find the resources' folders in a broken descriptor.

Example:
    >>> schema = Schema.load()
    >>> schema.intake_sheets()[:3]
    ['plans', 'transactions', 'beneficiaries']
    >>> schema.names(person_level=True)
    ['beneficiaries', 'beneficiary_followups', 'livestock_events']
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from analysis.paths import DATAPACKAGE

ROLES = ("monitoring", "context", "place", "reference")


class Schema:
    """The resources of a descriptor and what the toolkit needs to know about each."""

    def __init__(self, descriptor: dict):
        self.descriptor = descriptor
        self.resources = {r["name"]: r for r in descriptor["resources"]}

    @classmethod
    def from_descriptor(cls, descriptor: dict) -> Schema:
        """The schema of an already parsed descriptor (a loaded package's, say)."""
        return cls(descriptor)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Schema:
        """The schema of ``path`` (default: the bundled package), read once per path."""
        return _load(str(Path(path or DATAPACKAGE).absolute()))

    @classmethod
    def read(cls, path: str | Path) -> Schema:
        """The schema of ``path`` as the file is now (not cached: a package being written)."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def __contains__(self, resource: str) -> bool:
        return resource in self.resources

    def resource(self, name: str) -> dict:
        """The descriptor of resource ``name``.

        Raises:
            KeyError: naming the resource, when the descriptor has none of that name.
        """
        if name not in self.resources:
            raise KeyError(f"no resource named {name!r}")
        return self.resources[name]

    def names(
        self,
        *,
        role: str | None = None,
        person_level: bool | None = None,
        generated: bool | None = None,
    ) -> list[str]:
        """Resource names in the descriptor's order, filtered by their properties."""
        if role is not None and role not in ROLES:
            raise ValueError(f"role {role!r}: one of {', '.join(ROLES)}")
        return [
            name
            for name, res in self.resources.items()
            if (role is None or res.get("role") == role)
            and (person_level is None or bool(res.get("personLevel")) == person_level)
            and (generated is None or bool(res.get("generated")) == generated)
        ]

    def intake_sheets(self) -> list[str]:
        """The resources a province reports, in the order of the workbook's sheets."""
        sheets = [
            (res["intakeSheet"], name)
            for name, res in self.resources.items()
            if "intakeSheet" in res
        ]
        return [name for _, name in sorted(sheets)]

    def fields(self, resource: str) -> list[dict]:
        return self.resource(resource)["schema"]["fields"]

    def field(self, resource: str, name: str) -> dict:
        """The schema of field ``name`` of ``resource`` (KeyError naming both if absent)."""
        for fld in self.fields(resource):
            if fld["name"] == name:
                return fld
        raise KeyError(f"no field {name!r} in {resource!r}")

    def field_types(self, resource: str) -> dict[str, str]:
        """Each field's Table Schema type (``string`` when the field states none)."""
        return {f["name"]: f.get("type", "string") for f in self.fields(resource)}

    def fields_with(self, prop: str) -> list[tuple[str, dict]]:
        """``(resource, field)`` for every field carrying the property ``prop`` (such as
        ``equity``), in the descriptor's order."""
        return [
            (name, fld)
            for name, res in self.resources.items()
            for fld in res["schema"]["fields"]
            if fld.get(prop)
        ]

    def field_names(self, resource: str) -> list[str]:
        return [f["name"] for f in self.fields(resource)]

    def primary_key(self, resource: str) -> list[str]:
        pk = self.resources[resource]["schema"].get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    def path(self, resource: str) -> str:
        return self.resources[resource]["path"]


@functools.cache
def _load(path: str) -> Schema:
    return Schema(json.loads(Path(path).read_text(encoding="utf-8")))
