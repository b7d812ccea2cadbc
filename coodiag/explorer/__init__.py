"""The map explorer (Streamlit): :mod:`~coodiag.explorer.app` is the page (layout, widgets,
flow); :mod:`~coodiag.explorer.data` its cached loaders and session uploads,
:mod:`~coodiag.explorer.mapview` the map, :mod:`~coodiag.explorer.panels` and
:mod:`~coodiag.explorer.tabs` the side panel and tabs; :mod:`~coodiag.explorer.components` the
non-UI parts (compact layers, legends, reading an upload), testable without a browser.
``coodiag explorer`` runs the page from the installed package."""
