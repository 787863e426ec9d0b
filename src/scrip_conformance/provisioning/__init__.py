"""Write-side conformance: a per-run sandbox on the target and a session that mirrors every
write into :class:`scrip_conformance.model.LedgerModel` and judges the answers against it.

Used by the ``provisioning``, ``extension``, ``concurrency`` and ``isolation`` profiles.
"""
