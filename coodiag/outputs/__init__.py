"""Outputs of coodiag: what a reader sees, rendered from the results of :mod:`coodiag.reports`.

- classes and colours: :mod:`~coodiag.outputs.classify` (one ``classify()`` entry),
  :mod:`~coodiag.outputs.palettes`;
- map text and furniture: :mod:`~coodiag.outputs.captions` (source line, units),
  :mod:`~coodiag.outputs.furniture` (scale bar, north arrow, legend),
  :mod:`~coodiag.outputs.labels`, :mod:`~coodiag.outputs.geometry`;
- static maps for the PDF (:mod:`~coodiag.outputs.maps`), offline web maps for the HTML atlas
  and the explorer (:mod:`~coodiag.outputs.webmap`, :mod:`~coodiag.outputs.weblayers`);
- the document model (:mod:`~coodiag.outputs.document`), built from a report by
  :mod:`~coodiag.outputs.builders`, exported by format (:mod:`~coodiag.outputs.exports`) and
  rendered to PDF and HTML (:mod:`~coodiag.outputs.views`, :mod:`~coodiag.outputs.atlas`).

Outputs never compute an analysis. The submodules import their heavy dependencies (matplotlib,
mapclassify, folium) on import of the submodule only, so that ``import coodiag.outputs`` stays
cheap.
"""
