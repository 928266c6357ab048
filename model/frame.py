"""Clause records as a pandas DataFrame.

:class:`ClauseFrame` is what :meth:`jprivacy.Tagger.tag` returns: a DataFrame of clause
records that also holds the texts of its documents.  In Jupyter it displays as the policy text
with every labeled clause highlighted in its category's colour (drawn by :mod:`jprivacy.render`,
imported only when something is shown).
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from .records import label_counts


class ClauseFrame(pd.DataFrame):
    """Clause records (one row per clause) with the texts of their documents in ``texts``.

    ``texts`` maps each ``doc`` to the text that its clauses' ``start``/``end`` index; it
    follows the frame through filtering, sorting and copying.
    """

    _metadata = ["texts"]
    texts: dict[str, str] | None = None

    def __init__(self, data=None, *args, texts: Mapping[str, str] | None = None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if texts is not None:
            self.texts = dict(texts)

    @property
    def _constructor(self):
        return ClauseFrame

    def label_counts(self) -> pd.DataFrame:
        """Clauses per label for each document (documents x labels, in taxonomy order)."""
        return label_counts(self)

    def highlight(self, max_docs: int | None = 3):
        """The documents' text with labeled clauses highlighted, and a legend (HTML)."""
        from .render import highlight_html

        return highlight_html(self, self.texts, max_docs=max_docs)

    def _repr_html_(self) -> str | None:
        from .render import clause_frame_html

        table = pd.DataFrame(self).drop(columns=["scores"], errors="ignore")._repr_html_()
        if table is None or not {"doc", "start", "end", "text", "labels"} <= set(self.columns):
            return table
        return clause_frame_html(self.highlight(), table)

