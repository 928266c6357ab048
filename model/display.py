"""Show tagged clauses: highlighted policy text for Jupyter and reports, and matplotlib charts.

Kept for the names it always offered: :class:`ClauseFrame` lives in :mod:`jprivacy.frame`,
the HTML in :mod:`jprivacy.render` and the charts in :mod:`jprivacy.render.plots`.
"""

from .frame import ClauseFrame
from .records import label_counts
from .render import (BACKGROUND_ALPHA, CLAUSE_CLASS, HTML, clause_style, clause_title, document_html,
                     highlight_html, legend_html)
from .render.plots import plot_heatmap, plot_label_counts, plot_pr_curves

__all__ = ["ClauseFrame", "label_counts", "HTML", "BACKGROUND_ALPHA", "CLAUSE_CLASS", "clause_style",
           "clause_title", "legend_html", "document_html", "highlight_html", "plot_label_counts",
           "plot_heatmap", "plot_pr_curves"]
