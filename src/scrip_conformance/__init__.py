"""scrip-conformance: conformance and contract-testing suite for the Scrip loyalty-ledger API."""

__version__ = "0.1.0"
