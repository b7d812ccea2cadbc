"""« PNG » button on the explorer's map: the map as drawn (areas, structures, pile counts, scale),
its legends unfolded in a column beside it (and the legends written under the map, e.g. the
accessibility surface's) and the title and source line under it, drawn on a
canvas in the browser and downloaded as a PNG file. Nothing is fetched: the page's own
shapes (SVG paths or the canvas of the national map) are redrawn."""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from folium.template import Template

from coodiag.outputs import webmap

#: Width of the legend column beside the map, pixels.
LEGEND_WIDTH = 300


class PngButton(MacroElement):
    """A Leaflet control (top left) that saves the map as ``<file_name>.png``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var title = {{ this.title|tojson }}, fileName = {{ this.file_name|tojson }};
            var LW = {{ this.legend_width }}, extra = {{ this.legends_json }};
            function wrap(ctx, text, width) {
                var words = String(text).split(/\\s+/), lines = [], line = "";
                words.forEach(function (w) {
                    var t = line ? line + " " + w : w;
                    if (ctx.measureText(t).width > width && line) { lines.push(line); line = w; }
                    else { line = t; }
                });
                if (line) { lines.push(line); }
                return lines;
            }
            function draw() {
                var box = map.getContainer(), r0 = box.getBoundingClientRect();
                var W = box.clientWidth, H = box.clientHeight, S = 2;
                var c = document.createElement("canvas"), ctx = c.getContext("2d");
                ctx.font = "12px 'DejaVu Sans', Arial, sans-serif";
                var source = (box.querySelector(".leaflet-control-attribution") || {})
                    .textContent || "";
                var foot = wrap(ctx, "Sources : " + source, W + LW - 20);
                c.width = (W + LW) * S; c.height = (H + 40 + 15 * foot.length) * S;
                ctx.scale(S, S);
                ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, W + LW, c.height / S);
                ctx.fillStyle = "#1a1a1a"; ctx.font = "bold 15px 'DejaVu Sans', Arial";
                ctx.fillText(title, 10, 20);
                ctx.save(); ctx.translate(0, 30);
                ctx.beginPath(); ctx.rect(0, 0, W, H); ctx.clip();
                ctx.fillStyle = "#f3f5f7"; ctx.fillRect(0, 0, W, H);
                // Image layers (the accessibility surface: an inline PNG) under the shapes.
                box.querySelectorAll("img.leaflet-image-layer").forEach(function (im) {
                    var r = im.getBoundingClientRect();
                    ctx.save(); ctx.imageSmoothingEnabled = false;
                    ctx.globalAlpha = parseFloat(getComputedStyle(im).opacity) || 1;
                    ctx.drawImage(im, r.left - r0.left, r.top - r0.top, r.width, r.height);
                    ctx.restore();
                });
                box.querySelectorAll(".leaflet-overlay-pane canvas").forEach(function (cv) {
                    var r = cv.getBoundingClientRect();
                    ctx.drawImage(cv, r.left - r0.left, r.top - r0.top, r.width, r.height);
                });
                box.querySelectorAll(".leaflet-overlay-pane svg").forEach(function (svg) {
                    var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
                    ctx.save();
                    ctx.translate(r.left - r0.left - (vb ? vb.x : 0),
                                  r.top - r0.top - (vb ? vb.y : 0));
                    svg.querySelectorAll("path").forEach(function (p) {
                        var d = p.getAttribute("d");
                        if (!d) { return; }
                        var path = new Path2D(d), fill = p.getAttribute("fill");
                        if (fill && fill !== "none") {
                            ctx.globalAlpha = +(p.getAttribute("fill-opacity") || 1);
                            ctx.fillStyle = fill.indexOf("url(") === 0 ? "#d9d9d9" : fill;
                            ctx.fill(path, "evenodd");
                        }
                        var stroke = p.getAttribute("stroke");
                        if (stroke && stroke !== "none") {
                            ctx.globalAlpha = +(p.getAttribute("stroke-opacity") || 1);
                            ctx.strokeStyle = stroke;
                            ctx.lineWidth = +(p.getAttribute("stroke-width") || 1);
                            ctx.stroke(path);
                        }
                    });
                    ctx.restore();
                });
                ctx.globalAlpha = 1;
                ctx.font = "bold 11px 'DejaVu Sans', Arial";
                box.querySelectorAll(".coodiag-pile").forEach(function (el) {
                    var r = el.getBoundingClientRect();
                    ctx.fillStyle = "#1a1a1a";
                    ctx.fillRect(r.left - r0.left, r.top - r0.top, r.width, r.height);
                    ctx.fillStyle = "#ffffff";
                    ctx.fillText(el.textContent, r.left - r0.left + 5, r.top - r0.top + 12);
                });
                var scale = box.querySelector(".leaflet-control-scale-line");
                if (scale) {
                    ctx.fillStyle = "#1a1a1a"; ctx.strokeStyle = "#1a1a1a"; ctx.lineWidth = 2;
                    var sw = scale.offsetWidth;
                    ctx.beginPath(); ctx.moveTo(12, H - 14); ctx.lineTo(12 + sw, H - 14);
                    ctx.stroke(); ctx.font = "11px 'DejaVu Sans', Arial";
                    ctx.fillText(scale.textContent, 14, H - 19);
                }
                ctx.restore();
                var y = 44;
                // The map's legends, then those written under the map (the surface's).
                var legends = Array.prototype.slice.call(
                    box.querySelectorAll(".coodiag-legend"));
                extra.forEach(function (text) {
                    var div = document.createElement("div");
                    div.innerHTML = text;
                    legends.push(div);
                });
                legends.forEach(function (lg) {
                    lg.childNodes.forEach(function (el) {
                        if (el.nodeType !== 1) { return; }
                        var cls = el.className || "";
                        if (cls.indexOf("title") >= 0) {
                            ctx.font = "bold 12px 'DejaVu Sans', Arial"; ctx.fillStyle = "#1a1a1a";
                            wrap(ctx, el.textContent, LW - 30).forEach(function (l) {
                                ctx.fillText(l, W + 15, y); y += 15;
                            });
                        } else if (cls.indexOf("row") >= 0) {
                            var sw = el.querySelector("i"), col = "#d9d9d9";
                            if (sw && sw.className.indexOf("hatch") < 0) {
                                col = sw.style.backgroundColor
                                    || getComputedStyle(sw).backgroundColor;
                            }
                            ctx.fillStyle = col; ctx.fillRect(W + 15, y - 10, 16, 11);
                            ctx.strokeStyle = "#9a9a9a"; ctx.lineWidth = 1;
                            ctx.strokeRect(W + 15, y - 10, 16, 11);
                            ctx.font = "11px 'DejaVu Sans', Arial"; ctx.fillStyle = "#1a1a1a";
                            wrap(ctx, el.textContent, LW - 55).forEach(function (l) {
                                ctx.fillText(l, W + 37, y); y += 14;
                            });
                        } else {
                            ctx.font = "italic 10px 'DejaVu Sans', Arial"; ctx.fillStyle = "#555";
                            wrap(ctx, el.textContent, LW - 30).forEach(function (l) {
                                ctx.fillText(l, W + 15, y); y += 13;
                            });
                        }
                    });
                    y += 12;
                });
                ctx.font = "10px 'DejaVu Sans', Arial"; ctx.fillStyle = "#444";
                foot.forEach(function (l, i) { ctx.fillText(l, 10, H + 48 + 15 * i); });
                c.toBlob(function (blob) {
                    var a = document.createElement("a");
                    a.href = URL.createObjectURL(blob); a.download = fileName + ".png";
                    document.body.appendChild(a); a.click();
                    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
                }, "image/png");
            }
            var control = L.control({position: "topleft"});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "leaflet-bar coodiag-png");
                var a = L.DomUtil.create("a", "", div);
                a.href = "#"; a.role = "button"; a.textContent = "PNG";
                a.title = "Enregistrer la carte (PNG, avec légende et sources)";
                a.style.cssText = "width:auto;padding:0 6px;font:bold 11px/30px Arial";
                L.DomEvent.on(a, "click", function (e) { L.DomEvent.preventDefault(e); draw(); });
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            control.addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, file_name: str = "carte", legends: Sequence[str] = ()) -> None:
        """``legends``: legends written under the map, not in it (HTML of
        :func:`coodiag.outputs.webmap.legend_html`), drawn after the map's own."""
        super().__init__()
        self._name = "CoodiagPngButton"
        self.title = title
        self.file_name = file_name
        self.legend_width = LEGEND_WIDTH
        self.legends_json = webmap.js_literal([t for t in legends if t])
