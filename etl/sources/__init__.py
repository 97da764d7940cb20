"""Official statistics sources: a client and a parser per source, behind one contract (:mod:`etl.sources.base`).

In: a declared series (:class:`etl.sources.series.Series`, from the catalogue). Out: the raw answers as received
(:class:`etl.sources.http.Fetched`) and, parsed, canonical observation rows (:mod:`etl.sources.observations`).
Nothing here touches the warehouse; :mod:`etl.sources.registry` names the sources the pipeline knows.
"""
