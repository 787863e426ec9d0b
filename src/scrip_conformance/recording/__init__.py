"""The run's recorded exchanges: every request the suite sent and the answer it got, as a HAR 1.2
file (``exchanges.har``) in the report dir, each with a stable id that findings name."""
