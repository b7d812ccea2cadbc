"""Reference tables over the mirror: the lineage of commune codes across COG vintages
(:mod:`~coodiag.reference.cog`) and geocoding by postcode and name
(:mod:`~coodiag.reference.geocode`)."""
