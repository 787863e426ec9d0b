"""``scrip-conformance run``: runs the contract suite against a target and writes its reports.

The pieces, one job each: ``preflight`` (is the target this API, does the key work),
``embedded`` (the reference server as the default target), ``session`` (pytest in-process with
``collector``, which turns test outcomes into per-contract ``outcomes``), ``baseline`` (known
findings), ``summary`` / ``html_report`` / ``console`` (what people and CI read), ``command``
(the sub-command that ties them together).
"""
