"""The SDG monitoring pipeline, one package per step of the flow, in the order data moves through them.

``sources`` (official statistics: fetch raw answers, parse them into observation rows) → ``ingest`` (a series at a
time: fetch, keep the raw snapshot, parse, gate, load) → ``quality`` (Great Expectations gates and the quarantine)
→ ``warehouse`` (PostgreSQL: migrations, loads, the one connection) → ``indicators`` (Facts and progress from
mapped series and formulas) → ``reports`` (the order's Appendix 1 and 2 forms, the national extract, the overview)
→ ``delivery`` (sending issued reports once to the catalogue's recipients; deadlines).

Beside the flow: ``catalogue`` (the people-edited lists every step reads, mirrored into the warehouse), ``exports``
(the warehouse's values in other systems' formats), ``runtime`` (retry and stop rules, e-mail), ``config`` (every
setting), ``jobs`` (one function per DAG task, also called by the ``sdg`` command in ``cli``).
"""
