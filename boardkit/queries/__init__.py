"""Named, parameterised queries, one module per stream. Each takes the generation,
the clock and the viewer's scope, aggregates in DuckDB and returns a small frame."""
