"""The board's data access, figures, charts and maps. Pages only wire these together."""
