"""Getting issued reports to people: delivery to the catalogue's recipients, and the order's deadlines.

In: issued reports (``sdg.report``) and the recipients of ``catalogue/recipients.csv``. Out: e-mails and copies
sent once per report version and recipient, every attempt in ``sdg.delivery``; a warning as a deadline nears.
"""
