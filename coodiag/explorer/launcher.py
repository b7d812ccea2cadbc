"""``coodiag explorer``: the explorer served by Streamlit with the settings of
:data:`coodiag.explorer.components.STREAMLIT_OPTIONS`, its caches warmed in the background
(:mod:`coodiag.explorer.warmup`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from coodiag.explorer import warmup
from coodiag.explorer.components import streamlit_argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the explorer: ``streamlit run app.py`` with ``STREAMLIT_OPTIONS`` (extra
    arguments, e.g. ``--server.port 8600``, are passed to Streamlit and win over these).

    No request leaves the machine, whatever the working directory: no usage statistics, and
    the address given to browsers is ``localhost`` (a headless Streamlit otherwise asks
    checkip.amazonaws.com for the machine's public address, to print it); serve another
    address with ``--browser.serverAddress``. The caches are warmed in the background
    (:mod:`coodiag.explorer.warmup`).
    """
    from streamlit.web import cli as stcli

    # The app's heavy imports done here, once, rather than during the first visitor's page
    # load; the base and the France map built in the background once the server listens.
    warmup.preload()
    warmup.start()
    sys.argv = streamlit_argv(list(sys.argv[1:] if argv is None else argv))
    try:
        stcli.main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
