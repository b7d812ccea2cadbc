"""Reports: the analyses of :mod:`coodiag.analyses` assembled for one SIAE
(:mod:`~coodiag.reports.diagnostic`) or one territory (:mod:`~coodiag.reports.territory_atlas`),
statistical secrecy applied once, ready for :mod:`coodiag.outputs` to render."""
