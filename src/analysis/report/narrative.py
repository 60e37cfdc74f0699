"""The parts of a report that say what it is for and what to do: purpose and object, key
messages, conclusions, recommendations, lessons, limitations and the evaluation matrix.

Conclusions, recommendations and lessons are the evaluation team's judgement, never the
toolkit's. They are written by people, as one TOML file per report and language in the folder
``narrative/`` beside the package's ``datapackage.json`` (``narrative/annual_2024.vi.toml``,
``narrative/phase.en.toml``, ``narrative/commune_23536.vi.toml``; see ``docs/narrative.md``)::

    status = "draft"                 # draft | final
    author = "Nhóm đánh giá"
    date = 2025-03-15

    [[conclusions]]
    finding = "EQ4"                  # an evaluation question, or a criterion or section id
    text = "Năm {year}, kinh phí được giải ngân {execution_rate} so với kế hoạch."

    [[recommendations]]
    to = "Ban Gia đình - Xã hội, Hội LHPN Hà Nội"
    finding = "EQ4"
    text = "..."

    [[lessons]]
    text = "..."

The figures a text cites are named placeholders (``{execution_rate}``) filled in from the
package, formatted in the report's language (:meth:`NarrativeMixin.narrative_figures` lists
them); an unknown placeholder, key or reference is an error naming the file and the line. When
no file has been written, each section shows a draft mark and tells the analyst which file to
write. The text is escaped like any data (:mod:`analysis.report.html`): it is plain text,
paragraphs separated by a blank line.

Example:
    >>> check_placeholders("Spent {spent} ({rate})", {"spent", "rate"}, "f.toml", "")
    ['spent', 'rate']
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.i18n import count_text, format_date, format_number, label, localized, sort_key
from analysis.report import html as H
from analysis.report.matrix import matrix_section, questions

NARRATIVE_DIR = "narrative"
"""The folder of the narrative files, beside ``datapackage.json``."""
NARRATIVE_PARTS = ("conclusions", "recommendations", "lessons")
"""The sections written by the evaluation team, in the order the report prints them."""
STATUSES = ("draft", "final")
ITEM_KEYS = {
    "conclusions": ({"text"}, {"finding"}),
    "recommendations": ({"text", "to", "finding"}, set()),
    "lessons": ({"text"}, {"finding"}),
}
"""Each part's (required, optional) keys of an item: a recommendation names its addressee
(``to``) and the finding it rests on."""
FIELD_REPORT_KINDS = ("report", "workbook")
"""Source kinds that are monitoring reports from the field (a province's workbook, a report)."""


class NarrativeError(ValueError):
    """A narrative file is wrong; the message names the file and the line."""


@dataclass(frozen=True)
class Item:
    """One conclusion, recommendation or lesson as written (placeholders not yet filled)."""

    text: str
    line: int
    to: str = ""
    finding: str = ""


@dataclass(frozen=True)
class Narrative:
    """A narrative file, checked."""

    path: Path
    status: str
    author: str
    date: dt.date | None
    parts: dict[str, list[Item]] = field(default_factory=dict)
    raw: str = ""


def _line_of(raw: str, needle: str, start_line: int = 1) -> int:
    """The first line (from ``start_line``) holding ``needle``; ``start_line`` when none."""
    lines = raw.splitlines()
    for n in range(max(start_line, 1), len(lines) + 1):
        if needle in lines[n - 1]:
            return n
    return start_line


def check_placeholders(text: str, known, path, raw: str, start_line: int = 1) -> list[str]:
    """The placeholders of ``text`` (in order), each checked against ``known``.

    Raises:
        NarrativeError: an unknown placeholder, a format specification or a stray brace,
            naming ``path`` and the line.
    """
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        line = _line_of(raw, "{", start_line) if raw else start_line
        raise NarrativeError(f"{path}:{line}: {exc} (write {{{{ and }}}} for a brace)") from None
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        line = _line_of(raw, "{" + name, start_line) if raw else start_line
        if name not in known:
            raise NarrativeError(
                f"{path}:{line}: unknown placeholder {{{name}}}; known placeholders: "
                + ", ".join(f"{{{k}}}" for k in sorted(known))
            )
        if spec or conversion:
            raise NarrativeError(
                f"{path}:{line}: placeholder {{{name}}} takes no format: the report formats it"
            )
        names.append(name)
    return names


def load_narrative(path: Path, refs, figures) -> Narrative | None:
    """Read and check a narrative file; None when it does not exist.

    Args:
        path: The TOML file.
        refs: The references a finding may name (question ids, criteria, section ids).
        figures: The placeholder names the report can fill.

    Raises:
        NarrativeError: the file is not TOML, has an unknown key, a missing or wrong field,
            an unknown finding or placeholder; the message names the file and the line.
    """
    if not path.is_file():
        return None
    raw = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise NarrativeError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"status", "author", "date", *NARRATIVE_PARTS})
    if unknown:
        raise NarrativeError(f"{path}:{_line_of(raw, unknown[0])}: unknown key {unknown[0]!r}")
    status = data.get("status")
    if status not in STATUSES:
        raise NarrativeError(
            f"{path}:{_line_of(raw, 'status')}: status must be one of {', '.join(STATUSES)}"
        )
    author = data.get("author")
    if not isinstance(author, str) or not author.strip():
        raise NarrativeError(f"{path}:{_line_of(raw, 'author')}: author is required")
    date = data.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = None
    if not isinstance(date, dt.date):
        raise NarrativeError(f"{path}:{_line_of(raw, 'date')}: date must be a date (2025-03-15)")
    parts = {p: _items(data.get(p, []), p, path, raw, refs, figures) for p in NARRATIVE_PARTS}
    return Narrative(path, status, author.strip(), date, parts, raw)


def _items(entries, part: str, path: Path, raw: str, refs, figures) -> list[Item]:
    """The items of one part, each checked (keys, addressee, finding, placeholders)."""
    if not isinstance(entries, list):
        raise NarrativeError(f"{path}:{_line_of(raw, part)}: write [[{part}]] tables")
    required, optional = ITEM_KEYS[part]
    items, line = [], 0
    for entry in entries:
        line = _line_of(raw, f"[[{part}]]", line + 1)
        if not isinstance(entry, dict):
            raise NarrativeError(f"{path}:{line}: write [[{part}]] tables")
        missing = sorted(required - set(entry))
        extra = sorted(set(entry) - required - optional)
        if missing or extra:
            what = f"needs {', '.join(missing)}" if missing else f"unknown key {extra[0]!r}"
            raise NarrativeError(f"{path}:{line}: [[{part}]] {what}")
        for key in entry:
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise NarrativeError(f"{path}:{line}: [[{part}]] {key} must be non-empty text")
        finding = entry.get("finding", "").strip()
        if finding and finding not in refs:
            raise NarrativeError(
                f"{path}:{_line_of(raw, finding, line)}: finding {finding!r} is neither an "
                f"evaluation question nor a section; known: {', '.join(refs)}"
            )
        check_placeholders(entry["text"], figures, path, raw, line)
        items.append(Item(entry["text"].strip(), line, entry.get("to", "").strip(), finding))
    return items


def paragraphs(text: str) -> list[str]:
    """Plain text split into paragraphs at blank lines (lines within a paragraph joined)."""
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b]


class NarrativeMixin:
    """Purpose, key messages, conclusions, recommendations, lessons, limitations and the
    evaluation matrix, for any report of :mod:`analysis.report.registry` (a report class
    inherits it before :class:`~analysis.report.base.BaseReport`)."""

    # ------------------------------------------------------------------ what report this is
    def report_kind(self) -> str:
        """``annual``, ``phase`` or ``commune``: the registry's kind of this report."""
        from analysis.report.registry import REPORTS

        return next(s.kind for s in REPORTS if isinstance(self, s.report_class))

    def narrative_path(self) -> Path:
        """The narrative file of this report and language, beside ``datapackage.json``:
        the kind, the parameters that pick the report, the language
        (``narrative/annual_2024.vi.toml``, ``narrative/phase.en.toml``)."""
        picks = [str(v) for k, v in self.parameters().items() if k not in ("lang", "min_cell")]
        stem = "_".join([self.report_kind(), *picks])
        return Path(self.pkg.path).parent / NARRATIVE_DIR / f"{stem}.{self.lang}.toml"

    def _narrative_label(self) -> str:
        return f"{NARRATIVE_DIR}/{self.narrative_path().name}"

    def _scope_key(self) -> str:
        return self.narrative_path().stem.rsplit(".", 1)[0]

    # ------------------------------------------------------------------ figures
    def people_key(self, name: str = "reached") -> tuple:
        """The ledger's key of the report's count ``name`` (people ``reached``) for its
        scope: its year, the phase or the commune (the summary's figure and the annex's)."""
        kind = self.report_kind()
        if kind == "annual":
            return (name, self.year)
        if kind == "phase":
            return (name, "phase")
        return (name, self.commune_code)

    def _resource_share(self, *resources: str) -> float:
        """Share of illustrative rows among this report's rows of ``resources``."""
        share = self._share.set_index("resource")
        found = [r for r in resources if r in share.index]
        rows = float(sum(share.loc[r, "rows"] for r in found))
        return float(sum(share.loc[r, "illustrative_rows"] for r in found)) / rows if rows else 0.0

    def _overall_share(self) -> float:
        """Share of illustrative rows among all the rows this report uses."""
        return self._resource_share("all")

    def _headline(self) -> dict:
        """The report's headline figures (raw values), shared by the key messages and the
        placeholders of the narrative texts."""
        from analysis import indicators as ind
        from analysis.indicators import phase as ph

        kind = self.report_kind()
        out: dict = {"people": self.people_key()}
        if kind == "commune":
            spent = self.rows()["transactions"]
            spent = spent[spent["transaction_type"].isin(["disbursement", "expenditure"])]
            return out | {"spent": float(spent["amount_vnd"].sum())}
        totals = self.indicator(ph.totals_by_year)
        totals = totals.set_index(totals["year"].astype(int))
        year = self.year if kind == "annual" else None
        if year is not None:
            totals = totals.loc[[year]] if year in totals.index else totals.iloc[0:0]
            rates = self.indicator(ind.budget_execution, None, by="year")
            rate = dict(zip(rates["year"].astype(int), rates["execution_rate"], strict=True))
            out["execution_rate"] = rate.get(year, float("nan"))
        out |= {
            "planned": float(totals["planned_vnd"].sum()),
            "spent": float(totals["spent_vnd"].sum()),
            "mobilised": float(totals["mobilised_vnd"].sum()),
        }
        shares = self.indicator(ind.targeting_shares, year)
        overall = shares[shares["activity_type"] == "all"]
        value = float(overall["share_poor_or_near_poor"].iloc[0]) if len(overall) else None
        if self.ledger.values.get(out["people"]):
            prefix = (*out["people"], "poverty_status_entry")
            status = [k for k in self.ledger.values if k[: len(prefix)] == prefix]
            out["share_poor"] = self.withheld(self.share(value, out["people"]), *status)
        did = self._did()
        out["did"] = None if isinstance(did, Exception) else did.result
        out["did_error"] = did if isinstance(did, Exception) else None
        return out

    def narrative_figures(self) -> dict[str, tuple[str, bool]]:
        """The placeholders a narrative text of this report may use: name → (the figure as
        the report prints it, whether it rests on illustrative rows)."""
        if "narrative_figures" in self._computed:
            return self._computed["narrative_figures"]
        h = self._headline()
        money = self._resource_share("plans", "transactions") > 0
        people = self._resource_share("beneficiaries") > 0
        overall = self._overall_share()
        figures = {
            "people_reached": (self.people_text(h["people"]), people),
            "spent": (self._money(h["spent"]), money),
            "illustrative_share": (self._pct(overall), False),
        }
        kind = self.report_kind()
        if kind == "commune":
            figures["commune"] = (str(self.info["name_in_source"]), False)
        else:
            figures |= {
                "planned": (self._money(h["planned"]), money),
                "mobilised": (self._money(h["mobilised"]), money),
                "share_poor_or_near_poor": (self._pct(h.get("share_poor")), people),
            }
            stats = self._resource_share("commune_statistics") > 0
            if h["did"] is not None:
                figures["did_points"] = (format_number(h["did"].estimate, self.lang, 1), stats)
                figures["did_p_value"] = (format_number(h["did"].p_value, self.lang, 4), stats)
        if kind == "annual":
            figures["year"] = (str(self.year), False)
            figures["execution_rate"] = (self._pct(h["execution_rate"]), money)
        if kind == "phase":
            figures["first_year"] = (str(self.first_year), False)
            figures["last_year"] = (str(self.last_year), False)
        self._computed["narrative_figures"] = figures
        return figures

    def _refs(self) -> dict[str, str]:
        """What a ``finding`` may name: question ids, then the report's sections."""
        refs = {}
        qs = questions(self.pkg)
        if len(qs):
            text = localized("question", self.lang, qs.columns)
            refs = {q: f"{q}. {v}" for q, v in zip(qs["question_id"], qs[text], strict=True)}
        for s in self.SECTIONS:
            refs.setdefault(s, self.section_title(s) if self.NAV else s)
        from analysis.indicators.registry import CRITERIA

        for c in CRITERIA:
            refs.setdefault(c, label("dac", c, self.lang))
        return refs

    def narrative(self) -> Narrative | None:
        """This report's narrative file, read and checked once (None when not written)."""
        if "narrative" not in self._computed:
            self._computed["narrative"] = load_narrative(
                self.narrative_path(), self._refs(), set(self.narrative_figures())
            )
        return self._computed["narrative"]

    # ------------------------------------------------------------------ purpose
    def purpose(self) -> H.Fragment:
        """The programme, its partners, objectives and theory of change, the evaluation's
        purpose and users, and its questions."""
        kind = self.report_kind()
        parts = [H.p(self._programme_sentence())]
        if kind == "commune":
            parts.append(H.p(self._t("narr.purpose.commune")))
            return H.section("purpose", self.section_title("purpose"), *parts)
        parts += [H.p(self._t("narr.objectives")), H.p(self._theory_sentence())]
        years = {"first": self._years()[0], "last": self._years()[-1]}
        if kind == "annual":
            parts.append(H.p(self._t("narr.purpose.annual", year=self.year)))
        else:
            parts.append(H.p(self._t("narr.purpose.phase", **years)))
        parts.append(H.h(3, self._t("narr.questions_title")))
        qs = questions(self.pkg)
        if qs.empty:
            parts.append(H.missing(self._t("narr.no_questions")))
        else:
            text = localized("question", self.lang, qs.columns)
            items = [
                self._t(
                    "narr.question_item",
                    id=q.question_id,
                    criterion=label("dac", q.criterion, self.lang),
                    question=getattr(q, text),
                )
                for q in qs.itertuples()
            ]
            parts += [H.ul(items), H.p(self._t("narr.questions_note"), "note")]
        return H.section("purpose", self.section_title("purpose"), *parts)

    def _years(self) -> list[int]:
        return sorted(int(y) for y in self.pkg["plans"]["year"].dropna().unique())

    def _programme_sentence(self) -> str:
        """Who carries the programme out, with whom and where (names from the package)."""
        units = self.pkg["implementing_units"]
        name = localized("name", self.lang, units.columns)
        lead = ", ".join(units.loc[units["level"] == "city", name]) or "—"
        districts = (
            ", ".join(
                sorted(
                    units.loc[units["level"] == "district", name],
                    key=lambda n: sort_key(n, self.lang),
                )
            )
            or "—"
        )
        communes = self.pkg["communes"]
        partners = communes[communes["role"] == "partner"]
        partners = partners.iloc[
            sorted(
                range(len(partners)),
                key=lambda i: (
                    sort_key(partners["province_name"].iloc[i], self.lang),
                    sort_key(partners["name_in_source"].iloc[i], self.lang),
                ),
            )
        ]
        if self.report_kind() == "commune":
            c = self.info
            return self._t(
                "narr.programme_commune",
                name=c["name_in_source"],
                province=c["province_name"],
                lead=lead,
                years=self._partner_years(c),
            )
        provinces = ", ".join(dict.fromkeys(partners["province_name"].astype(str)))
        places = ", ".join(
            f"{r.name_in_source} ({r.province_name}, {self._partner_years(r._asdict())})"
            for r in partners.itertuples()
        )
        years = self._years()
        return self._t(
            "narr.programme",
            first=years[0],
            last=years[-1],
            lead=lead,
            provinces=provinces,
            districts=districts,
            communes=places,
        )

    def _partner_years(self, row) -> str:
        first, last = (
            self._t("missing_value") if pd.isna(row[k]) else str(int(row[k]))
            for k in ("partner_from", "partner_to")
        )
        return self._t("narr.commune_years", first=first, last=last)

    def _theory_sentence(self) -> str:
        """The theory of change as a chain of levels, from the package's nodes."""
        from analysis.theory import LEVELS

        nodes = self.pkg["toc_nodes"]
        if nodes.empty:
            return self._t("narr.theory_missing")
        lbl = localized("label", self.lang, nodes.columns)
        steps = [
            self._t(
                "narr.theory_level",
                level=self._t(f"toc.level.{level}"),
                items="; ".join(nodes.loc[nodes["level"] == level, lbl].astype(str)),
            )
            for level in LEVELS
            if (nodes["level"] == level).any()
        ]
        return self._t("narr.theory", chain=" → ".join(steps))

    # ------------------------------------------------------------------ evaluation matrix
    def evaluation_matrix(self) -> H.Fragment:
        """The annex: question → criterion → indicators → sources → judgement rule, and
        every indicator's value for the report's scope (see
        :func:`analysis.report.matrix.matrix_section`)."""
        return matrix_section(self)

    # ------------------------------------------------------------------ the team's texts
    def conclusions(self) -> H.Fragment:
        return self._narrative_section("conclusions")

    def recommendations(self) -> H.Fragment:
        return self._narrative_section("recommendations")

    def lessons(self) -> H.Fragment:
        return self._narrative_section("lessons")

    def _narrative_section(self, part: str, *, compact: bool = False) -> H.Fragment:
        """One of the team's parts: its items with figures filled in, the file's status; or
        a draft mark and the file to write."""
        title = self.section_title(part)
        found = self.narrative()
        items = found.parts[part] if found else []
        mark = H.element("strong", self._t("narr.draft_mark"), class_="draft-mark")
        if not items:
            file = H.element("code", self._narrative_label())
            if compact:
                text = H.join([self._t("narr.not_written_compact"), " ", file, ")"])
            else:
                text = H.join([self._t("narr.not_written"), " ", file])
            return H.section(part, title, H.element("p", mark, " ", text, class_="draft"))
        when = format_date(found.date, self.lang)
        if found.status == "draft":
            status = H.element(
                "p",
                mark,
                " ",
                self._t("narr.draft_status", author=found.author, date=when),
                class_="draft",
            )
        else:
            status = H.p(self._t("narr.final_status", author=found.author, date=when), "note")
        figures = self.narrative_figures()
        used, entries = set(), []
        for item in items:
            names = check_placeholders(item.text, figures, found.path, found.raw, item.line)
            used |= set(names)
            entries.append(self._item_html(item, figures))
        parts = [status, H.element("ol", *entries)]
        if any(figures[n][1] for n in used):
            parts.append(H.p(self._t("narr.figures_illustrative"), "note"))
        return H.section(part, title, *parts)

    def _item_html(self, item: Item, figures) -> H.Fragment:
        """One item: its addressee, its paragraphs with the figures filled in (escaped, a
        figure on illustrative rows marked), and the finding it rests on."""
        pieces = []
        for para in paragraphs(item.text):
            chunks = []
            for literal, name, _, _ in string.Formatter().parse(para):
                chunks.append(literal)
                if name is not None:
                    value, illustrative = figures[name]
                    chunks.append(H.element("span", value, class_="figure"))
                    if illustrative:
                        chunks.append(
                            H.Fragment(f'<span class="mark">{H.ILLUSTRATIVE_MARK}</span>')
                        )
            pieces.append(H.element("p", *chunks))
        head = []
        if item.to:
            head = [H.element("p", H.element("strong", self._t("narr.to", body=item.to)))]
        tail = []
        if item.finding:
            ref = self._refs()[item.finding]
            target = item.finding if item.finding in self.SECTIONS else ""
            text = self._t("narr.finding_ref", ref=ref)
            link = H.element("a", text, href=f"#{target}") if target else text
            tail = [H.element("p", link, class_="note finding-ref")]
        return H.element("li", *head, *pieces, *tail)

    # ------------------------------------------------------------------ key messages
    def _evidence_note(self, *resources: str) -> str:
        """The rule of the ratings applied to a message: resting mostly on illustrative rows
        (above the rules' limit) it is a demonstration; partly, it says how much."""
        from analysis.ratings import load_rules

        share = self._resource_share(*resources)
        if share > load_rules()["max_illustrative_share"]:
            return " " + self._t("narr.key.mostly_illustrative", share=self._pct(share))
        if share > 0:
            return " " + self._t("narr.key.partly_illustrative", share=self._pct(share))
        return ""

    def key_messages(self) -> H.Fragment:
        """Three to five plain messages opening the summary, each saying what its number
        means, and whether it rests on illustrative rows."""
        h = self._headline()
        kind = self.report_kind()
        messages = []
        if kind == "annual":
            text = self._t(
                "narr.key.money",
                year=self.year,
                spent=self._money(h["spent"]),
                rate=self._pct(h["execution_rate"]),
            )
        else:
            years = self._years()
            text = self._t(
                "narr.key.money_phase",
                first=years[0],
                last=years[-1],
                planned=self._money(h["planned"]),
                mobilised=self._money(h["mobilised"]),
                spent=self._money(h["spent"]),
            )
        messages.append(text + self._evidence_note("plans", "transactions"))
        if self.ledger.values.get(h["people"]):
            text = self._t(
                "narr.key.people",
                people=self.people_text(h["people"]),
                share=self._pct(h.get("share_poor")),
            )
            messages.append(text + self._evidence_note("beneficiaries"))
        else:
            messages.append(self._t("narr.key.no_people"))
        messages.append(self._impact_message(h))
        if kind == "phase":
            messages.append(self._ratings_message())
        overall = self._overall_share()
        if overall > 0:
            messages.append(self._t("narr.key.evidence", share=self._pct(overall)))
        else:
            messages.append(self._t("narr.key.real"))
        return H.element(
            "div",
            H.h(3, self._t("narr.key_title")),
            H.element("ol", *(H.element("li", m) for m in messages)),
            class_="key-messages",
        )

    def _impact_message(self, h: dict) -> str:
        """The difference-in-differences in plain words: a negative difference is good."""
        from analysis.ratings import load_rules

        r = h["did"]
        if r is None:
            return self._t("narr.key.no_impact", reason=str(h["did_error"]))
        alpha = load_rules()["impact"]["alpha"]
        text = self._t(
            "narr.key.impact",
            treated=format_number(r.treated_change, self.lang, 1),
            control=format_number(r.control_change, self.lang, 1),
            did=format_number(r.estimate, self.lang, 1),
        )
        fmt = {"alpha": format_number(alpha, self.lang, 2)}
        if r.min_p_value > alpha:
            chance = self._t(
                "narr.key.chance_design", minp=format_number(r.min_p_value, self.lang, 4)
            )
        elif r.p_value <= alpha:
            chance = self._t("narr.key.chance_low", p=format_number(r.p_value, self.lang, 4), **fmt)
        else:
            chance = self._t(
                "narr.key.chance_high", p=format_number(r.p_value, self.lang, 4), **fmt
            )
        return f"{text} {chance}{self._evidence_note('commune_statistics')}"

    def _ratings_message(self) -> str:
        """How many criteria the phase report rates, and why the others are not rated."""
        from analysis.ratings import findings, load_rules

        rated = findings(self._figures(), load_rules(), self._criterion_share())
        withheld = sum(f.reason == "illustrative" for f in rated)
        insufficient = sum(
            f.rating == "insufficient_evidence" and f.reason != "illustrative" for f in rated
        )
        return self._t(
            "narr.key.ratings",
            rated=len(rated) - withheld - insufficient,
            n=len(rated),
            withheld=withheld,
            insufficient=insufficient,
        )

    # ------------------------------------------------------------------ limitations
    def _attrition(self) -> tuple[int, int, int] | None:
        """Households with an entry survey who joined before the report's last year:
        (how many, how many were followed that year, the year); None without follow-ups.
        Pupils of pupil sponsorship are children, not households: left out."""
        ben = self.pkg["beneficiaries"]
        kind = self.report_kind()
        if kind == "commune":
            ben = ben[ben["commune_code"].eq(self.commune_code).fillna(False).to_numpy(bool)]
        types = self.pkg["plans"].set_index("activity_id")["activity_type"]
        ben = ben[ben["activity_id"].map(types).ne("pupil_sponsorship").fillna(True).to_numpy(bool)]
        follow = self.pkg["beneficiary_followups"]
        if follow.empty:
            return None
        year = self.year if kind == "annual" else int(max(self._years()))
        entry = dict(zip(ben["beneficiary_id"], ben["entry_year"], strict=True))
        seen = set(zip(follow["beneficiary_id"], follow["year"].astype(int), strict=True))
        baseline = {
            b for b, e in entry.items() if not pd.isna(e) and int(e) < year and (b, int(e)) in seen
        }
        followed = {b for b in baseline if (b, year) in seen}
        return len(baseline), len(followed), year

    def register_limitations(self, ledger) -> None:
        """The counts the limitations section publishes (households followed and lost)."""
        found = self._attrition()
        if not found or not found[0]:
            return
        n, followed, _ = found
        scope = self._scope_key()
        ledger.line(
            {
                ("attrition", scope, "followed"): followed,
                ("attrition", scope, "lost"): n - followed,
            },
            (("attrition", scope, "baseline"), n),
        )

    def limitations(self, *, compact: bool = False) -> H.Fragment:
        """Who collected the monitoring data, attrition of the followed households, the
        absence of qualitative evidence, and what the illustrative rows mean."""
        parts = []
        sub = (lambda key: []) if compact else (lambda key: [H.h(3, self._t(key))])
        parts += sub("narr.lim.collected_title") + self._collected_parts()
        parts += sub("narr.lim.attrition_title") + [self._attrition_paragraph(compact)]
        short = "_short" if compact else ""
        parts += sub("narr.lim.qualitative_title") + [H.p(self._t(f"narr.lim.qualitative{short}"))]
        overall = self._overall_share()
        text = (
            self._t(f"narr.lim.illustrative{short}", share=self._pct(overall))
            if overall > 0
            else self._t("narr.lim.no_illustrative")
        )
        parts += sub("narr.lim.illustrative_title") + [H.p(text)]
        if not compact:
            communes = self.pkg["communes"]
            n = int((communes["role"] == "partner").sum())
            partners = count_text("partner_commune", n, self.lang)
            parts.append(H.p(self._t("narr.lim.design", partners=partners), "note"))
        return H.section("limitations", self.section_title("limitations"), *parts)

    def _collected_parts(self) -> list[H.Fragment]:
        """The sources of the monitoring rows this report uses, with their row counts."""
        monitoring = set(self.pkg.schema.names(role="monitoring"))
        counts: dict[str, int] = {}
        for name, frame in self.rows().items():
            if name in monitoring and "source_id" in frame.columns:
                for s, n in frame["source_id"].value_counts().items():
                    counts[str(s)] = counts.get(str(s), 0) + int(n)
        sources = self.pkg["sources"].set_index("source_id")
        items, kinds = [], set()
        for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            row = sources.loc[s] if s in sources.index else None
            kind = "" if row is None else str(row["kind"])
            kinds.add(kind)
            rows = count_text("row", n, self.lang)
            if kind == "illustrative":
                items.append(self._t("narr.lim.illustrative_item", rows=rows))
                continue
            issuer = s if row is None or pd.isna(row["issuer"]) else str(row["issuer"])
            items.append(
                self._t(
                    "narr.lim.source_item",
                    issuer=issuer,
                    rows=rows,
                    kind=label("source_kind", kind, self.lang) if kind else "—",
                    reliability=label("reliability", row["reliability"], self.lang)
                    if row is not None
                    else "—",
                )
            )
        parts = [H.p(self._t("narr.lim.collected_intro")), H.ul(items)]
        if not kinds & set(FIELD_REPORT_KINDS):
            parts.append(H.p(self._t("narr.lim.no_field_reports")))
        return parts

    def _attrition_paragraph(self, compact: bool = False) -> H.Fragment:
        found = self._attrition()
        if not found or not found[0]:
            year = found[2] if found else (self.year if self.report_kind() == "annual" else "")
            return H.p(self._t("narr.lim.no_followups", year=year or max(self._years())))
        n, followed, year = found
        scope = self._scope_key()
        base, lost = ("attrition", scope, "baseline"), ("attrition", scope, "lost")
        share = self.withheld(self.share((n - followed) / n, base), lost)
        return H.p(
            self._t(
                "narr.lim.attrition_short" if compact else "narr.lim.attrition",
                baseline=self.people_text(base),
                year=year,
                lost=self.people_text(lost),
                share=self._pct(share),
            )
        )

    # ------------------------------------------------------------------ the commune profile
    def narrative_compact(self) -> list[H.Fragment]:
        """The commune profile's short versions: the team's three parts and the limits."""
        return [
            *(self._narrative_section(p, compact=True) for p in NARRATIVE_PARTS),
            self.limitations(compact=True),
        ]
