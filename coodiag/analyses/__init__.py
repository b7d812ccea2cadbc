"""The analyses of the Coodiag method: pure functions on (Geo)DataFrames of the base.

- :mod:`~coodiag.analyses.offer`: capacity, weight of the offer per territory, denominators;
- :mod:`~coodiag.analyses.impact`: impact on unemployment (if the SIAE stopped);
- :mod:`~coodiag.analyses.demand`: the need per commune (unemployed, estimated where unknown);
- :mod:`~coodiag.analyses.access`: distance to the nearest SIAE, 2SFCA accessibility, on
  :mod:`~coodiag.analyses.points` (positions in metres) and :mod:`~coodiag.analyses.fca` (the
  two-step floating catchment method);
- :mod:`~coodiag.analyses.coverage`: coverage classes crossing need and offer, terciles over
  an explicit reference; :mod:`~coodiag.analyses.scenario`: opening / closing scenarios;
- :mod:`~coodiag.analyses.typology`: PCA + hierarchical clustering (HCPC-grade) typologies;
- :mod:`~coodiag.analyses.specificity`: sector specificity (location quotients);
- :mod:`~coodiag.analyses.occupations`: occupations hiring (BMO), métiers en tension, through
  :mod:`coodiag.reference.nomenclatures` (FAP domains matching an SIAE's activities);
- :mod:`~coodiag.analyses.prospect`: SIRENE establishments to approach;
- :mod:`~coodiag.analyses.recommend`: rule-based préconisations computed from the results.

Each function's docstring gives its formula, unit and denominator; every result documents its
indicators (one :class:`~coodiag.base.indicators.Indicator` each, in
``attrs["indicateurs"]``); I/O stays at the edges.
"""
