"""The read-only profile: contracts judged from the data a target already holds, GET only."""
