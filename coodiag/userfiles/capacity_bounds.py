"""Plausibility bounds of a capacity value (ETP, postes, salariés of one SIAE)."""

from __future__ import annotations

import pandas as pd

from coodiag import fr
from coodiag.userfiles._validate import reason_where

#: Plausibility bounds of one SIAE: a value above is rejected (it would publish an impact of
#: millions of %). DARES (31/12/2019) counts 16 to 79 salariés en insertion per SIAE on average
#: by type (EI 16, ACI 28, ETTI 46, AI 79): 2,000 ETP or postes, or 10,000 salariés over a
#: year, is far beyond these sizes: an error of unit or of decimal separator, not a structure.
MAX_PLAUSIBLE = {"etp": 2_000, "postes": 2_000, "salaries": 10_000}
#: Above these values a kept row is flagged « à vérifier ».
CHECK_ABOVE = {"etp": 500, "postes": 500, "salaries": 2_000}


def implausible(column: str, values: pd.Series) -> pd.Series:
    """The motif of values above :data:`MAX_PLAUSIBLE` (French, with the bound)."""
    bound = MAX_PLAUSIBLE[column]
    what = {"etp": "ETP", "postes": "postes", "salaries": "salariés"}[column]
    return reason_where(
        (values > bound).fillna(False).astype(bool),
        f"valeur invraisemblable : plus de {fr.integer(bound)} {what} pour une structure (les "
        "SIAE comptent en moyenne 16 à 79 salariés en insertion selon le type, DARES "
        "31/12/2019) ; vérifiez l'unité et le séparateur décimal",
    )
