"""Turn analysis results into atlas documents (:mod:`coodiag.outputs.document`).

:func:`diagnostic_document` for the diagnosis of one SIAE (:mod:`.diagnostic`);
:func:`territory_document` for the atlas of a territory, a CDIAE or a réseau
(:mod:`.territory`); the pieces both use are in :mod:`.common`. Texts are computed from the
figures, never invented.
"""

from __future__ import annotations

from typing import Any

from coodiag.outputs.builders.common import COVERAGE_CLASSES, COVERAGE_COLORS
from coodiag.outputs.builders.diagnostic import diagnostic_document
from coodiag.outputs.builders.territory import territory_document, zones_layer
from coodiag.outputs.document import AtlasDocument

__all__ = [
    "COVERAGE_CLASSES",
    "COVERAGE_COLORS",
    "diagnostic_document",
    "document_of",
    "territory_document",
    "zones_layer",
]


def document_of(result: Any) -> AtlasDocument:
    """The document of a diagnosis (it has a ``siret``) or of a territory atlas."""
    return diagnostic_document(result) if hasattr(result, "siret") else territory_document(result)
