"""The free-form query page (查询): the allow-listed datasets and the SQL built from a
spec, the form, and the link that carries a spec."""
