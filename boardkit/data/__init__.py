"""Data access: the one database module, the report day and its moment, the named
conditions of docs/metrics.md, the open-record shortcuts, the 查询 datasets (allow-listed
identifiers and the SQL built from a spec), range limits, freshness."""
