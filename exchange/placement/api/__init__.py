"""REST API of the placement domain, one blueprint per part: parse → service → dump (the
request commits)."""
