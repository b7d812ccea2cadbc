"""Compact encoding of the SIAE points in the offline web maps.

France's 3,900 structures written as GeoJSON features (``{"type": "Feature", "properties":
{...}, "geometry": {"type": "Point", "coordinates": [...]}}`` each, the commune, type, capacity
and address texts repeated) weighed 1.3 MB of the explorer's France page. Here each layer's
points are one array of rows ``[lon, lat, style, name, field, text, field, text...]`` whose
texts are indices into one table of distinct strings; a few lines of JavaScript rebuild the very
same GeoJSON features in the page, so :class:`coodiag.outputs.weblayers.GeoJsonLayer` draws the
same markers with the same tooltips and popups.
"""

from __future__ import annotations

from collections.abc import Sequence

from coodiag.outputs.webmap import js_literal

#: Rebuilds the GeoJSON FeatureCollection from the string table ``S`` and the rows ``D``.
_DECODE = (
    "(function (S, D) {{ return {{type: \"FeatureCollection\", features: D.map(function (r) {{"
    " var p = {{_c: r[2]}}; if (r[3] >= 0) {{ p._n = S[r[3]]; }}"
    " if (r.length > 4) {{ p._p = []; for (var i = 4; i < r.length; i += 2) {{"
    " p._p.push([r[i], S[r[i + 1]]]); }} }}"
    " return {{type: \"Feature\", properties: p,"
    " geometry: {{type: \"Point\", coordinates: [r[0], r[1]]}}}}; }})}}; }})({strings}, {rows})"
)


def compact_points(features: Sequence[dict]) -> str:
    """A JavaScript expression evaluating to the FeatureCollection of ``features`` (points
    whose properties are ``_c`` (style index), optionally ``_n`` (name, HTML) and ``_p``
    (popup cells ``[[label index, value HTML]...]``)), written compactly."""
    index: dict[str, int] = {}

    def ref(text: str) -> int:
        if text not in index:
            index[text] = len(index)
        return index[text]

    rows = []
    for f in features:
        props = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        row = [lon, lat, props["_c"], ref(props["_n"]) if "_n" in props else -1]
        for k, text in props.get("_p") or ():
            row += [k, ref(text)]
        rows.append(row)
    return _DECODE.format(strings=js_literal(list(index)), rows=js_literal(rows))
