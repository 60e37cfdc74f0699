"""The theory of change as data: confidence per link from the evidence present, and a diagram.

A link's confidence follows from its indicators (``toc_evidence``) and the rows behind each
indicator (``indicators.evidence_resource``). An indicator's evidence is *real* when at
least ``real_share`` (config, default one half) of those rows come from non-illustrative
sources, *partial* when some do, *illustrative* when none do, *none* without rows. A link is
``high`` when every indicator is real, ``medium`` when at least one is real or partial,
``low`` when there are only illustrative rows, ``none`` when there is nothing. Illustrative
rows are never counted as evidence.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from analysis.i18n import localized
from analysis.package import Package

LEVELS = ("input", "activity", "output", "outcome", "impact")
CONFIDENCE = ("high", "medium", "low", "none")


def link_confidence(
    pkg: Package, rows: dict[str, pd.DataFrame], real_share: float = 0.5
) -> pd.DataFrame:
    """One row per link: its nodes, indicators, real/illustrative evidence and confidence.

    Args:
        pkg: the package.
        rows: the rows in scope per resource (e.g. the whole phase).
    """
    links = pkg["toc_links"]
    evidence = pkg["toc_evidence"]
    resource_of = pkg["indicators"].set_index("indicator_id")["evidence_resource"]
    status = {}
    for indicator, resource in resource_of.items():
        frame = rows.get(resource)
        if frame is None or frame.empty:
            status[indicator] = "none"
        else:
            share = float((~pkg.is_illustrative(frame)).mean())
            status[indicator] = (
                "real" if share >= real_share else "partial" if share > 0 else "illustrative"
            )
    out = []
    for link in links.itertuples():
        inds = sorted(evidence.loc[evidence["link_id"] == link.link_id, "indicator_id"])
        kinds = [status.get(i, "none") for i in inds]
        if inds and all(k == "real" for k in kinds):
            level = "high"
        elif "real" in kinds or "partial" in kinds:
            level = "medium"
        elif "illustrative" in kinds:
            level = "low"
        else:
            level = "none"
        out.append(
            {
                "link_id": link.link_id,
                "from_node": link.from_node,
                "to_node": link.to_node,
                "indicators": inds,
                "real": sum(k == "real" for k in kinds),
                "partial": sum(k == "partial" for k in kinds),
                "illustrative": sum(k == "illustrative" for k in kinds),
                "confidence": level,
            }
        )
    return pd.DataFrame(out)


def diagram(
    pkg: Package,
    confidence: pd.DataFrame,
    lang: str,
    *,
    level_names: dict[str, str],
    legend: dict[str, str],
    title: str,
):
    """Draw the chain inputs → activities → outputs → outcomes → impact as boxes and arrows.

    Arrow style shows confidence (greyscale-safe): solid high, dashed medium, dotted low,
    faint dotted none.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    from analysis.charts import STYLE, new_figure

    nodes = pkg["toc_nodes"]
    label_col = localized("label", lang, nodes.columns)
    positions = {}
    with plt.rc_context(STYLE):
        fig = new_figure(figsize=(9.5, 4.6))
        ax = fig.subplots()
        ax.set_axis_off()
        width, height = 1.55, 0.9
        for col, level in enumerate(LEVELS):
            members = nodes[nodes["level"] == level].sort_values("node_id")
            n = len(members)
            ax.text(
                col * 2,
                4.3,
                level_names[level],
                ha="center",
                va="bottom",
                fontsize=9,
                fontweight="bold",
            )
            for i, node in enumerate(members.itertuples()):
                y = 4.0 - (i + 0.5) * (4.0 / max(n, 1))
                positions[node.node_id] = (col * 2, y)
                ax.add_patch(
                    FancyBboxPatch(
                        (col * 2 - width / 2, y - height / 2),
                        width,
                        height,
                        boxstyle="round,pad=0.03",
                        fc="#f4f4f4",
                        ec="#222222",
                        lw=0.8,
                    )
                )
                ax.text(
                    col * 2,
                    y,
                    "\n".join(textwrap.wrap(getattr(node, label_col), 22)),
                    ha="center",
                    va="center",
                    fontsize=7,
                )
        styles = {
            "high": ("-", 1.6, "#222222"),
            "medium": ("--", 1.3, "#222222"),
            "low": (":", 1.3, "#444444"),
            "none": (":", 0.8, "#aaaaaa"),
        }
        for row in confidence.itertuples():
            if row.from_node not in positions or row.to_node not in positions:
                continue
            (x0, y0), (x1, y1) = positions[row.from_node], positions[row.to_node]
            style, lw, colour = styles[row.confidence]
            ax.add_patch(
                FancyArrowPatch(
                    (x0 + width / 2, y0),
                    (x1 - width / 2, y1),
                    arrowstyle="-|>",
                    mutation_scale=9,
                    lw=lw,
                    linestyle=style,
                    color=colour,
                    connectionstyle="arc3,rad=0.05",
                )
            )
        for i, level in enumerate(CONFIDENCE):
            style, lw, colour = styles[level]
            y = -0.35 - 0.0 * i
            x = i * 2.2
            ax.plot([x, x + 0.5], [y, y], linestyle=style, lw=lw, color=colour)
            ax.text(x + 0.6, y, legend[level], va="center", fontsize=7)
        ax.set_xlim(-1, 9)
        ax.set_ylim(-0.7, 4.6)
        ax.set_title(title, loc="left", wrap=True)
    return fig
