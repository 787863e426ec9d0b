"""The suite's self-test: known-bad and known-good variants of the reference implementation,
the kill rate, the false-positive rate and the contract coverage.

- :mod:`variants`: the catalogue of known-bad variants, one realistic ledger bug each, by
  family; each declares the contract ids that must catch it.
- :mod:`good`: the catalogue of known-good variants, one legal freedom each (HTTP, JSON, the
  spec); each must be judged CONFORMANT, run with the ``--unsupported`` flags it declares.
- :mod:`server`: the reference server running one variant (the faults and freedoms stay in this
  package: a :class:`~scrip_conformance.reference.ledger.Ledger` subclass through the
  reference's seam, ASGI middleware around the unchanged app, or both).
- :mod:`worker`: one suite run against one server, in its own process.
- :mod:`records`: a worker's reports read back (findings, crashes, unexercised contracts).
- :mod:`killrate`: pure verdict logic (caught by a declared contract, crash-only, escaped;
  CONFORMANT or not for the reference and the known-good variants) and the coverage figures.
- :mod:`coverage`: ``uncovered.yaml``, the MUST contracts without a known-bad variant and why.
- :mod:`plain`: the same variants under plain ``st run --checks all``, for comparison.
- :mod:`command`: ``scrip-conformance selftest``.
"""
