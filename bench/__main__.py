"""`python -m bench --scale subdistrict|district|city [--repeat N] [--skip-etl] [--skip-browser] [--seed S]`.

Modules, one concern each: build (the demo database, reused per scale and seed),
etl_speed, page_speed (AppTest), screen_speed (the wall screen's panels, AppTest with its
key), query_speed (inspect), naive (the st.cache_data +
pandas baseline, in a capped subprocess), browser (Chromium), report (the table and
RESULTS.md), run (the order of it all). bench/etl_ratio.py stays runnable on its own, and
`python -m bench.serving` (replicas behind the proxy under simulated viewers, a replica
killed, the rerun cost, the city screen and alarms) is a run of its own.
"""
from .run import main

raise SystemExit(main())
