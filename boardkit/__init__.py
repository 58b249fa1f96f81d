"""The board's data access, queries, figures, rendering and Streamlit glue; pages only wire
these together. Layers, each importing only those before it: `labels` and `data` (the
database, the moment, the named conditions), `queries` (every named SQL query, by stream),
`metrics` (figures and rules), `render`, `brief`, `app` (Streamlit glue), `explore` and
`screen` (the 查询 page and the wall screen)."""
