"""Piles of SIAE markers counted on the explorer's map: structures in the same town (or the
same address) overlap at the zoom of a département; the number of each pile is written beside
it and recomputed at each zoom, so that nine structures read « 9 », not six circles."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.template import Template

from coodiag.outputs import webmap


class PileCounts(MacroElement):
    """The number of structures of each pile of overlapping markers, written beside it and
    recomputed at each zoom (markers closer than ``gap`` pixels count as one pile): nine
    structures in one town read « 9 », not as six circles (not written when more than ``most``
    piles would be: a whole country)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var pts = {{ this.points_json }}, gap = {{ this.gap }}, most = {{ this.most }};
                var group = L.layerGroup().addTo(map);
                function draw() {
                    group.clearLayers();
                    var xy = pts.map(function (p) { return map.latLngToLayerPoint(p); });
                    var seen = new Array(pts.length).fill(false), cells = {}, found = [];
                    function key(x, y) { return Math.floor(x / gap) + ":" + Math.floor(y / gap); }
                    xy.forEach(function (p, i) {
                        var c = key(p.x, p.y);
                        (cells[c] = cells[c] || []).push(i);
                    });
                    for (var i = 0; i < pts.length; i++) {
                        if (seen[i]) { continue; }
                        var pile = [i], k = 0;
                        seen[i] = true;
                        while (k < pile.length) {  // single link: piles of touching markers
                            var a = xy[pile[k++]];
                            for (var dx = -gap; dx <= gap; dx += gap) {
                                for (var dy = -gap; dy <= gap; dy += gap) {
                                    var near = cells[key(a.x + dx, a.y + dy)] || [];
                                    near.forEach(function (j) {
                                        if (!seen[j] && a.distanceTo(xy[j]) < gap) {
                                            seen[j] = true;
                                            pile.push(j);
                                        }
                                    });
                                }
                            }
                        }
                        if (pile.length > 1) { found.push(pile); }
                    }
                    if (found.length > most) { return; }  // a whole country: zoom in first
                    found.forEach(function (pile) {
                        var lat = 0, lon = 0;
                        pile.forEach(function (q) { lat += pts[q][0]; lon += pts[q][1]; });
                        L.marker([lat / pile.length, lon / pile.length], {
                            interactive: false, keyboard: false,
                            icon: L.divIcon({className: "coodiag-pile", iconSize: null,
                                             iconAnchor: [-9, 22],
                                             html: String(pile.length)})
                        }).addTo(group);
                    });
                }
                map.on("zoomend", draw);
                map.whenReady(function () { setTimeout(draw, 0); });  // after the first paint
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, points: Sequence[tuple[float, float]], gap: float = 12,
                 most: int = 60) -> None:
        super().__init__()
        self._name = "CoodiagPileCounts"
        self.points_json = webmap.js_literal([[round(y, 5), round(x, 5)] for x, y in points])
        self.gap = float(gap)
        self.most = int(most)  # more piles than this: none written (the map would be unreadable)


#: Style of the pile counts (added to the page once).
PILE_CSS = (
    "<style>.coodiag-pile { background: #1a1a1a; color: #fff; font: bold 11px/16px "
    "'DejaVu Sans', Arial, sans-serif; padding: 0 5px; border-radius: 8px; "
    "white-space: nowrap; box-shadow: 0 0 0 1.5px #fff; }</style>"
)


def pile_counts(m: folium.Map, points: gpd.GeoDataFrame) -> None:
    """Add :class:`PileCounts` for ``points`` (WGS84) to ``m``."""
    pts = points[points.geometry.notna() & ~points.geometry.is_empty]
    if len(pts) < 2:
        return
    m.get_root().header.add_child(Element(PILE_CSS), name="coodiag_pile_css")
    m.add_child(PileCounts(list(zip(pts.geometry.x, pts.geometry.y, strict=True))))
