"""« France entière » on the explorer's map: the mainland frame, and a selector (a Leaflet
control, top left) that moves the map to each overseas département (Guadeloupe, Martinique,
Guyane, La Réunion, Mayotte) and back, without redrawing the page; and the sentence that
says where the indicator shown has no value overseas (rather than a silent hatched island).

The départements and their frames come from the data (the communes whose ``crs_zone`` is not
``"metro"``), not from a hand-written list.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from folium.template import Template

from coodiag import fr, levels
from coodiag.base import display
from coodiag.outputs import webmap

#: The ``crs_zone`` of the mainland communes.
METRO = "metro"
METRO_LABEL = "Métropole"


def frames(com_geo: gpd.GeoDataFrame, communes: pd.DataFrame) -> list[tuple[str, list]]:
    """``[(label, [[south, west], [north, east]])]``: the mainland, then each overseas
    département of ``communes`` (its région's name), in code order."""
    zone = dict(zip(communes["code"], communes["crs_zone"], strict=True))
    names = (communes[communes["crs_zone"] != METRO]
             .drop_duplicates("crs_zone").set_index("crs_zone")[levels.REGION.name])
    geo = com_geo.assign(_zone=com_geo["code"].map(zone))
    out = []
    for z in [METRO, *sorted(names.index)]:
        part = geo[geo["_zone"] == z]
        if not len(part):
            continue
        minx, miny, maxx, maxy = (float(v) for v in part.total_bounds)
        out.append((METRO_LABEL if z == METRO else str(names[z]),
                    [[miny, minx], [maxy, maxx]]))
    return out


class ViewSelector(MacroElement):
    """Buttons on the map (top left): each moves the view to one frame of :func:`frames`."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var views = {{ this.views_json }};
            var ctl = L.control({position: "topleft"});
            ctl.onAdd = function () {
                var div = L.DomUtil.create("div", "coodiag-views leaflet-bar");
                div.style.cssText = "background:#fff;padding:3px 5px;font:12px sans-serif;"
                    + "max-width:130px";
                div.innerHTML = "<b>Aller à</b>";
                views.forEach(function (v) {
                    var a = L.DomUtil.create("a", "coodiag-view", div);
                    a.href = "#"; a.textContent = v[0]; a.title = "Cadrer la carte : " + v[0];
                    a.style.cssText = "display:block;width:auto;height:auto;line-height:18px;"
                        + "text-align:left;padding:0 3px;border:0;";
                    a.addEventListener("click", function (ev) {
                        ev.preventDefault();
                        // the view is the reader's now: no refit to the territory on resize
                        map.getContainer().dispatchEvent(new KeyboardEvent("keydown"));
                        map.fitBounds(v[1], {animate: false, padding: [8, 8]});
                    });
                });
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            ctl.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, views: list[tuple[str, list]]) -> None:
        super().__init__()
        self._name = "CoodiagViewSelector"
        self.views_json = webmap.js_literal([[label, b] for label, b in views])


def add_selector(m, com_geo: gpd.GeoDataFrame, communes: pd.DataFrame) -> list[str]:
    """Add the view buttons to the map ``m`` when the communes hold overseas ones; returns
    the labels of the overseas frames (empty: none, no buttons)."""
    views = frames(com_geo, communes)
    overseas = [label for label, _b in views if label != METRO_LABEL]
    if overseas:
        m.add_child(ViewSelector(views))
    return overseas


def missing_note(values: pd.Series, level: str, communes: pd.DataFrame, *,
                 shown_as: str = "hachuré") -> str:
    """Where the values of ``level`` units (index: unit code) are missing overseas: « Aucune
    valeur outre-mer pour : Guadeloupe, Mayotte (hachuré sur la carte). » (``""``: values
    everywhere); the départements in code order."""
    col = display.LEVELS[level]
    pairs = communes[[col, "crs_zone", levels.REGION.name]].dropna(subset=[col])
    pairs = pairs[pairs["crs_zone"] != METRO].drop_duplicates(col)
    if not len(pairs):
        return ""
    v = pd.Series(values.to_numpy(), index=values.index.astype(str))
    known = pairs.assign(ok=pairs[col].astype(str).map(v).notna())
    none, partial = [], []
    for (_zone, name), grp in known.groupby(["crs_zone", levels.REGION.name], sort=True):
        if not grp["ok"].any():
            none.append(str(name))
        elif not grp["ok"].all():
            n = int((~grp["ok"]).sum())
            lv = levels.get(level)
            partial.append(f"{name} ({fr.number(n)} {lv.singular if n == 1 else lv.plural} "
                           f"sur {fr.number(len(grp))})")
    parts = []
    if none:
        parts.append(f"Aucune valeur outre-mer pour : {', '.join(none)} ({shown_as} sur la "
                     "carte)")
    if partial:
        parts.append(f"valeurs manquantes en partie : {', '.join(partial)}")
    text = " ; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}." if text else ""
