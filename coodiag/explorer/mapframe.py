"""The explorer's map in the page: the self-contained offline map page (Leaflet inlined) in an
iframe, through a small two-way Streamlit component (``st.components.v2``, inline JavaScript,
nothing fetched): a click on a commune, an EPCI or a zone comes back to Python (its
portrait), the side panel's search box zooms the map to a unit and outlines it, without
redrawing the page.

The map page talks to this component with ``postMessage``: ``{coodiag: "select", code,
level}`` from the map (see :class:`coodiag.explorer.components.CompactPolygons`), ``{coodiag:
"focus", code}`` to the map.

The page travels gzipped (a quarter of its size), unzipped by the browser's
``DecompressionStream``; a browser without it sets the component's state ``plain`` and gets
the page as is from the next run on (:func:`wants_plain`).
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib

import streamlit as st

#: The component's script (inline, nothing fetched): the map frame, clicks up, focus down.
SCRIPT = """
export default function (component) {
    const { data, parentElement, setTriggerValue, setStateValue } = component;
    let frame = parentElement.querySelector("iframe");
    if (!frame) {
        frame = document.createElement("iframe");
        frame.className = "coodiag-map";
        frame.title = "Carte";
        frame.style.cssText = "width:100%;border:0;display:block;";
        parentElement.appendChild(frame);
        window.addEventListener("message", (ev) => {
            const msg = ev.data || {};
            if (ev.source !== frame.contentWindow || msg.coodiag !== "select") { return; }
            frame._select({ code: String(msg.code), level: String(msg.level || "") });
        });
        frame.addEventListener("load", () => {
            frame._loaded = true;
            if (frame._focus) {
                frame.contentWindow.postMessage({ coodiag: "focus", code: frame._focus }, "*");
            }
        });
    }
    frame._select = (value) => setTriggerValue("select", value);
    frame.style.height = data.height + "px";
    const focusChanged = frame._focus !== data.focus;
    frame._focus = data.focus;
    if (frame._key !== data.key && data.gz && typeof DecompressionStream !== "function") {
        // An older browser cannot unzip: ask once for the page as is (the next run sends it).
        if (frame._askedPlain !== data.key) {
            frame._askedPlain = data.key;
            setStateValue("plain", true);
        }
    } else if (frame._key !== data.key) {
        frame._key = data.key;
        frame._loaded = false;
        // The page comes gzipped then base64-encoded (Streamlit's JSON path alters
        // backslashes): a quarter of its size on the websocket, unzipped by the browser.
        const key = data.key;
        const bytes = Uint8Array.from(atob(data.page), (c) => c.charCodeAt(0));
        const text = data.gz
            ? new Response(new Blob([bytes]).stream()
                .pipeThrough(new DecompressionStream("gzip"))).text()
            : Promise.resolve(new TextDecoder("utf-8").decode(bytes));
        text.then((page) => { if (frame._key === key) { frame.srcdoc = page; } });
    } else if (focusChanged && frame._loaded) {
        frame.contentWindow.postMessage({ coodiag: "focus", code: data.focus }, "*");
    }
}
"""

_COMPONENT = st.components.v2.component("coodiag_map", js=SCRIPT, isolate_styles=False)


@functools.lru_cache(maxsize=8)
def packed_page(page: str) -> tuple[str, str]:
    """(digest of ``page``, ``page`` gzipped then base64-encoded): the France page (1.3 MB)
    goes to the browser as 0.3 MB. base64: Streamlit's JSON path to the browser alters
    backslashes (the page's CSS escapes and regular expressions would change). Cached: a
    rerun of the script (a click, a widget) sends the same page again."""
    raw = page.encode("utf-8")
    digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
    return digest, base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def plain_page(page: str) -> tuple[str, str]:
    """(digest of ``page``, ``page`` base64-encoded, not gzipped): for a browser without
    ``DecompressionStream`` (Chrome < 80, Firefox < 113, Safari < 16.4), which asks for it."""
    raw = page.encode("utf-8")
    return packed_page(page)[0], base64.b64encode(raw).decode("ascii")


def wants_plain(key: str = "map") -> bool:
    """Whether the browser of this session asked for the map pages not gzipped (the
    component's state ``plain``, set by its script when ``DecompressionStream`` is missing)."""
    state = st.session_state.get(key)
    try:
        return bool(state and state.get("plain"))
    except AttributeError:
        return False


def show(page: str, height: int, *, focus: str | None = None, key: str = "map") -> dict | None:
    """Show the map ``page``; ``focus``: the code of a unit to zoom to and outline. Returns
    the unit clicked during this run (``{"code", "level"}``), else ``None``. The page goes
    gzipped, or as is to a browser that cannot unzip (:func:`wants_plain`)."""
    plain = wants_plain(key)
    digest, packed = plain_page(page) if plain else packed_page(page)
    result = _COMPONENT(
        key=key,
        data={"page": packed, "gz": not plain, "key": digest, "height": height,
              "focus": focus or ""},
        height=height,
        on_select_change=lambda: None,
        on_plain_change=lambda: None,
    )
    value = getattr(result, "select", None) if result is not None else None
    return value if isinstance(value, dict) and value.get("code") else None
