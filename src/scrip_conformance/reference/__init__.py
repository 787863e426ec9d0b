"""The reference implementation of ``openapi/scrip.yaml``: a real Scrip server on SQLite.

Entry points: :func:`app.create_app` (the ASGI app), :class:`server.ReferenceServer` (uvicorn in a
background thread), :func:`demo.load_demo` (the seeded demo data set), :mod:`bulk` (fast loading
for benchmarks) and ``command`` (``scrip-conformance serve``).

Fault-injection seam (for known-bad variants): the HTTP layer only validates the request's shape
against the spec and calls :class:`ledger.Ledger`; all domain logic lives there, in small named
steps. A variant subclasses ``Ledger``, overrides one step, and passes the subclass as
``create_app(ledger_factory=...)`` or ``ReferenceServer(ledger_factory=...)``. The steps:

- auth and organization: ``authenticate``, ``org_for_key``
- time: ``now``, ``parse_time``, ``format_time``, ``lot_timestamp`` (D-ORDER strict created_at)
- amounts: ``parse_amount`` (D-AMOUNT-IN), ``format_amount`` (D-AMOUNT-OUT)
- pagination: ``encode_cursor``, ``decode_cursor``, ``filters_digest``, ``page``,
  ``keyset_clause``
- transactions: ``writing`` holds the process lock and one ``begin_transaction`` (BEGIN
  IMMEDIATE) around a whole write; a variant that yields the connection without them (autocommit
  per statement) lets concurrent requests interleave and lose updates. ``reading`` for reads.
- idempotency: ``fingerprint``, ``idempotency_lookup``, ``idempotency_store``
- lot status and clock: ``lot_status_sql``, ``lot_status_condition`` (D-CLOCK)
- FIFO and lots: ``fifo_order_sql``, ``plan_takes``, ``select_lots``, ``move_lot``,
  ``split_lot`` (D-LOT-SPLIT), ``take_from_lot``, ``create_lot`` (D-LOT-CREDIT)
- overdraft: ``overdraft_minor``, ``settle_overdraft``, ``settle_matured`` (D-OVERDRAFT)
- balances: ``balance_minor`` (D-BALANCE), ``active_assets``
- checks: ``check_writable`` (asset_archived), ``check_active`` (participant_inactive)
- filters: ``lot_filters``, ``like_pattern``
- schedule: ``period_start``, ``period_end``, ``schedule_periods`` (calendar alignment),
  ``count_periods`` (1000-period limit), ``window_conditions`` (before/after/never),
  ``bucket_condition`` (half-open buckets, inclusive window), ``outstanding_condition``,
  ``schedule_row``
- liability: ``liability_bucket_sql``, ``liability_report``
"""
