"""Safety of a run against a target the suite does not own: keys scrubbed at the source
(:mod:`.keys`), bounds on everything a target sends (:mod:`.limits`), writes only to what the
run created (:mod:`.writes`), and one HTTP transport that applies all three (:mod:`.transport`)."""
