"""The suite's self-test: known-bad variants of the reference implementation and the kill rate.

- :mod:`variants`: the catalogue of variants, one realistic ledger bug each, by family; each
  declares the contract ids that must catch it.
- :mod:`server`: the reference server running one variant (the faults stay in this package: a
  :class:`~scrip_conformance.reference.ledger.Ledger` subclass through the reference's seam, or
  an ASGI middleware around the unchanged app).
- :mod:`worker`: one suite run against one server, in its own process.
- :mod:`killrate`: pure verdict logic (caught, caught by a declared contract, escaped).
- :mod:`plain`: the same variants under plain ``st run --checks all``, for comparison.
- :mod:`command`: ``scrip-conformance selftest``.
"""
