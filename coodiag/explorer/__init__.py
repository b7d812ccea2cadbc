"""The map explorer (Streamlit): :mod:`~coodiag.explorer.app` is the page,
:mod:`~coodiag.explorer.components` its non-UI parts (layers, legends, state), testable without
a browser. ``coodiag explorer`` runs the page from the installed package."""
