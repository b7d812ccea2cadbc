"""The ``coodiag`` command line (Typer + rich), in French.

One module per command group, each with its own Typer ``app``; this package assembles them, so
that no command module imports another (no cycle).
"""

from __future__ import annotations

import typer

from coodiag.cli import (
    analyses,
    batch,
    common,
    data,
    deliverables,
    siae,
    surfaces,
    userfiles,
)


class FrenchTyper(typer.Typer):
    """The application, run so that no Python traceback ever reaches the user: an unexpected
    fault prints one French sentence and the path of a log holding the technical details."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit:
            raise
        except BaseException as exc:  # the last line of defence: no traceback, ever
            raise SystemExit(common.report_fault(exc)) from None


app = FrenchTyper(
    help="coodiag : diagnostic territorial de l'insertion par l'activité économique.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(data.data_app, name="data")
app.add_typer(data.app)
app.add_typer(siae.app, name="siae")
app.add_typer(userfiles.app)
analyses.app.command("surfaces")(surfaces.surfaces_cmd)
app.add_typer(analyses.app, name="analyse")
app.add_typer(deliverables.app)
app.add_typer(batch.app)

console = common.console
fail = common.fail


def main() -> None:  # pragma: no cover - console entry point
    app()
