"""The reference implementation of ``openapi/scrip.yaml``: a real Scrip server on SQLite.

Entry points: :func:`app.create_app` (the ASGI app), :class:`server.ReferenceServer` (uvicorn in a
background thread), :func:`demo.load_demo` (the seeded demo data set), :mod:`bulk` (fast loading
for benchmarks) and ``command`` (``scrip-conformance serve``).

Which module to open for what:

- ``app.py``: HTTP routing, request validation against the spec, auth and rate-limit headers.
- ``store.py``: the SQLite schema and its indexes; ``errors.py``: the API's error answers.
- ``ledger.py``: :class:`ledger.Ledger`, the domain as one class, built in layers, each in the
  module named for its concern (each layer uses the ones listed before it):
  - ``base.py``: state (store, keys, clock, ids), auth, time and amount text, transactions;
  - ``pagination.py``: cursors and the one keyset paginator every list uses;
  - ``lot_status.py``: a lot's status as of now as SQL, its wire form, the lot list's filters;
  - ``lot_selection.py``: FIFO selection and the lot writes (take, move, split, create, record);
  - ``balances.py``: balances from lots and the journal, the overdraft and its settlement;
  - ``idempotency.py``: replays and conflicts of idempotency keys;
  - ``entities.py``: programs, assets, participants: lookups, wire forms, writes;
  - ``reads.py``: the list and get operations;
  - ``balance_operations.py``: adjust, hold, release, forfeit, void-hold;
  - ``reports.py``: the expiration schedule and the liability report.
- ``demo.py`` / ``bulk.py``: data sets; ``server.py`` / ``command.py``: running it.

Fault-injection seam (for known-bad variants): the HTTP layer only validates the request's shape
against the spec and calls :class:`ledger.Ledger`; all domain logic lives there, in small named
steps. A variant subclasses ``Ledger``, overrides one step, and passes the subclass as
``create_app(ledger_factory=...)`` or ``ReferenceServer(ledger_factory=...)``. No variant edits
the reference's SQL text: where a bug lives in SQL, the step is a named SQL fragment to replace
whole. The steps:

- auth and organization: ``authenticate``, ``org_for_key``
- time: ``now``, ``parse_time``, ``format_time``, ``lot_timestamp`` (D-ORDER strict created_at)
- amounts: ``parse_amount`` (D-AMOUNT-IN), ``format_amount`` (D-AMOUNT-OUT)
- pagination: ``encode_cursor``, ``decode_cursor``, ``filters_digest``, ``page``,
  ``keyset_clause``, ``keyset_page``, ``page_after``
- transactions: ``writing`` holds the process lock and one ``begin_transaction`` (BEGIN
  IMMEDIATE) around a whole write; a variant that yields the connection without them (autocommit
  per statement) lets concurrent requests interleave and lose updates. ``reading`` for reads.
- idempotency: ``fingerprint``, ``idempotency_lookup``, ``idempotency_store``
- lot status and clock (D-CLOCK): the SQL tests ``lot_is_expired``, ``lot_is_live``,
  ``lot_is_maturing``, ``lot_has_matured``, and ``lot_status_sql``, ``lot_status_condition``
  built from them; ``lot_json``
- FIFO and lots: ``fifo_order_sql``, ``plan_takes``, ``select_lots``, ``move_lot``,
  ``split_lot`` (D-LOT-SPLIT), ``take_from_lot``, ``create_lot`` (D-LOT-CREDIT)
- overdraft: ``overdraft_minor``, ``settle_overdraft``, ``settle_matured`` (D-OVERDRAFT)
- balances: ``balance_minor`` (D-BALANCE), ``balance_figures_json``, ``active_assets``
- operations: ``adjust``, ``credit``, ``debit``, ``move_between``, ``take_out``
- checks: ``check_writable`` (asset_archived), ``check_active`` (participant_inactive)
- filters: ``lot_filters``, ``expires_before_filter``, ``expires_after_filter``, ``like_pattern``
- schedule: ``period_start``, ``period_end``, ``schedule_periods`` (calendar alignment),
  ``count_periods`` (1000-period limit), ``window_conditions`` (never / before / after, from
  ``expires_before_window`` and ``expires_after_window``), ``bucket_condition`` (half-open
  buckets inside ``expires_inside_window``), ``outstanding_condition``, ``schedule_row``
- liability: ``liability_bucket_sql``, ``liability_sums``, ``liability_report``
"""
