"""Users' own files: salariés en parcours, capacité, réseaux, SIRENE (see docs/formats.md).

Each reader returns an :class:`ImportResult`: the clean table, the rejected rows with a French
reason (``ligne``, ``colonne``, ``valeur``, ``motif``) and warnings, with
``n_read == n_used + n_rejected``.
"""

from coodiag.userfiles.capacite import read_capacite, read_flux_annexes
from coodiag.userfiles.reader import RawTable, header_key, read_table
from coodiag.userfiles.reseaux import read_reseaux
from coodiag.userfiles.result import ImportResult
from coodiag.userfiles.salaries import read_salaries
from coodiag.userfiles.sirene import read_sirene

__all__ = [
    "ImportResult",
    "RawTable",
    "header_key",
    "read_capacite",
    "read_flux_annexes",
    "read_reseaux",
    "read_salaries",
    "read_sirene",
    "read_table",
]
