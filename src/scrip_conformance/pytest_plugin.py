"""The pytest plugin of scrip-conformance (loaded through the ``pytest11`` entry point).

It only registers hooks and options; everything it checks lives in ``scrip_conformance.invariants``.
"""
