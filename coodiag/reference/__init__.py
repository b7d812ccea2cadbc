"""Reference tables over the mirror: the lineage of commune codes across COG vintages
(:mod:`~coodiag.reference.cog`), geocoding by postcode and name
(:mod:`~coodiag.reference.geocode`) and the nomenclatures of occupations, FAP / ROME / NAF
(:mod:`~coodiag.reference.nomenclatures`)."""
