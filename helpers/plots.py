"""Figures the lessons share: labelled 2-D maps, similarity heatmaps, and a hover scatter.

Introduced in lesson 04 (visualization).
Static plots take an optional matplotlib ``ax`` and return it, and never call
``plt.show()``. :func:`interactive_scatter` returns a plotly figure whose hover shows each
point's text; the matplotlib :func:`scatter_2d` of the same points is its static fallback.
:func:`map_explorer` puts sliders over maps computed in advance. Colours follow the sorted
set of labels, so a topic keeps its colour in every figure.

>>> import numpy as np
>>> ax = scatter_2d(np.array([[0.0, 0.0], [1.0, 1.0]]), ["cats", "dogs"], title="Two points")
>>> [t.get_text() for t in ax.get_legend().get_texts()]
['cats', 'dogs']

Lessons: 04.
"""

from __future__ import annotations

from helpers.figures import scatter_2d, scatter_grid, similarity_heatmap
from helpers.interactive import interactive_scatter, map_explorer
from helpers.plot_inputs import label_colors

__all__ = ["interactive_scatter", "label_colors", "map_explorer", "scatter_2d", "scatter_grid",
           "similarity_heatmap"]
