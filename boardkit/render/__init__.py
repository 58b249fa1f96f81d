"""Rendering, no data access: Plotly and Altair charts, maps, Chinese tables, escaped
markdown, and the CSV/XLSX downloads."""
