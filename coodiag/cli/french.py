"""Typer's own messages in French (« Option inconnue : --sirte », not « No such option »).

Typer (0.29) vendors click with its messages written as English f-strings; they are translated
where they are shown: :func:`install` wraps Typer's error printer so that each message goes
through :data:`PATTERNS` (regular expressions on click's English wording), and wraps the help
printer so that the help option reads « Afficher cette aide et quitter. », and click's usage
line so that it starts with « Utilisation : ». A message no pattern
matches stays as it is rather than failing.
"""

from __future__ import annotations

import re

import typer.rich_utils
from typer._click import formatting

HELP_EN = "Show this message and exit."
HELP_FR = "Afficher cette aide et quitter."
USAGE_FR = "Utilisation : "

#: (click's English message, French) — applied in order, each on the whole message.
PATTERNS: list[tuple[str, str]] = [
    (r"No such option: (\S+)", r"Option inconnue : \1"),
    (r"\(Possible options: (.*)\)", r"(options possibles : \1)"),
    (r"No such command '([^']*)'\.", r"Commande inconnue : « \1 »."),
    (r"Did you mean (.*)\?", r"Vouliez-vous dire \1 ?"),
    (r"Missing option '([^']*)'\.?", r"Option obligatoire manquante : « \1 »."),
    (r"Missing argument '([^']*)'\.?", r"Argument obligatoire manquant : « \1 »."),
    (r"Missing parameter: (\S+)", r"Paramètre obligatoire manquant : \1"),
    (r"Missing command\.", "Commande manquante."),
    (r"Option '([^']*)' requires an argument\.", r"L'option « \1 » attend une valeur."),
    (r"Option '([^']*)' requires (\d+) arguments\.", r"L'option « \1 » attend \2 valeurs."),
    (r"Option '([^']*)' does not take a value\.", r"L'option « \1 » ne prend pas de valeur."),
    (r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", r"Argument(s) en trop : \1"),
    (r"Invalid value for '([^']*)': ", r"Valeur invalide pour « \1 » : "),
    (r"Invalid value for ([^:]*): ", r"Valeur invalide pour \1 : "),
    (r"Invalid value: ", "Valeur invalide : "),
    (r"(?:Value )?'([^']*)' is not a valid integer( range)?\.",
     r"« \1 » n'est pas un nombre entier."),
    (r"(?:Value )?'([^']*)' is not a valid float( range)?\.",
     r"« \1 » n'est pas un nombre décimal."),
    (r"(?:Value )?'([^']*)' is not a valid (\w+)\.", r"« \1 » n'est pas un \2 valide."),
    (r"'([^']*)' is not one of (.*)\.", r"« \1 » n'est pas l'une des valeurs \2."),
    (r"(\S+) is not in the range (.*)\.", r"\1 n'est pas dans l'intervalle \2."),
    (r"Input should be a valid integer[^\n]*", "nombre entier attendu"),
    (r"Input should be a valid number[^\n]*", "nombre attendu"),
    (r"Input should be a valid boolean[^\n]*", "oui ou non attendu"),
    (r"Input should be a finite number[^\n]*", "nombre fini attendu"),
    (r"(?:File|Path|Directory) '([^']*)' does not exist\.", r"« \1 » introuvable."),
    (r"(?:File|Path|Directory) '([^']*)' is a directory\.", r"« \1 » est un dossier."),
    (r"(?:File|Path|Directory) '([^']*)' is a file\.", r"« \1 » est un fichier."),
    (r"(?:File|Path|Directory) '([^']*)' is not readable\.",
     r"« \1 » illisible (droits d'accès)."),
    (r"Could not open file '([^']*)': ", r"Impossible d'ouvrir le fichier « \1 » : "),
]


def translate(message: str) -> str:
    """A click/Typer message in French (unchanged where no pattern applies)."""
    for pattern, french in PATTERNS:
        message = re.sub(pattern, french, message)
    return message


def install() -> None:
    """French error panels, abort text, help option and panel titles for every command."""
    rich = typer.rich_utils
    if getattr(rich, "_coodiag_french", False):
        return
    show_error, show_help = rich.rich_format_error, rich.rich_format_help

    def french_error(self) -> None:
        english = self.format_message()
        self.format_message = lambda: translate(english)
        show_error(self)

    def french_help(*, obj, ctx, markup_mode):
        for param in obj.get_params(ctx):
            if getattr(param, "help", None) == HELP_EN:
                param.help = HELP_FR
        return show_help(obj=obj, ctx=ctx, markup_mode=markup_mode)

    rich.rich_format_error = french_error
    rich.rich_format_help = french_help
    usage = formatting.HelpFormatter.write_usage

    def french_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        usage(self, prog, args, USAGE_FR if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = french_usage
    rich.ERRORS_PANEL_TITLE = "Erreur"
    rich.ABORTED_TEXT = "Interrompu."
    rich.RICH_HELP = "Aide : [blue]« {command_path} {help_option} »[/]."
    rich.ARGUMENTS_PANEL_TITLE = "Arguments"
    rich.OPTIONS_PANEL_TITLE = "Options"
    rich.COMMANDS_PANEL_TITLE = "Commandes"
    rich.DEPRECATED_STRING = "(obsolète) "
    rich._coodiag_french = True
