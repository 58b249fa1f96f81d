"""Data access: the one database module, the report day and its moment, the named
conditions of docs/metrics.md, the open-record shortcuts, range limits, freshness."""
