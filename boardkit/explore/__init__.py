"""The free-form query page (查询): its form and the link that carries a spec. The datasets a
spec may name and the SQL built from it are data access (boardkit/data/datasets.py)."""
