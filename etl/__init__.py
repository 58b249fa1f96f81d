"""ETL for 一屏观: raw files -> reader -> normalise -> validate -> derive -> DuckDB (atomically)."""
