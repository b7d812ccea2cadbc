"""The analyses of the Coodiag method: pure functions on (Geo)DataFrames of the base.

- :mod:`~coodiag.analyses.impact`: impact on unemployment (if the SIAE stopped);
- :mod:`~coodiag.analyses.access`: distances, 2SFCA accessibility, coverage classes, scenarios;
- :mod:`~coodiag.analyses.typology`: PCA + hierarchical clustering (HCPC-grade) typologies;
- :mod:`~coodiag.analyses.prospect`: sector specificity, BMO occupations, SIRENE prospects;
- :mod:`~coodiag.analyses.recommend`: rule-based préconisations computed from the results.

Each function's docstring gives its formula, unit and denominator; I/O stays at the edges.
"""
