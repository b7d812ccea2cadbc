"""The data mirror: the sources registry (:mod:`~coodiag.mirror.sources`), the verified copy into
``data/raw/`` (:mod:`~coodiag.mirror.sync`) and one loader per dataset
(:mod:`~coodiag.mirror.loaders`). Nothing here knows the COG 2025 base."""
