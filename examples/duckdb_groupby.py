"""DuckDB's plain group-by over the same report files, for the benchmark.

    pip install duckdb
    python3 examples/duckdb_groupby.py /tmp/national 2025-12-31 [--by-unit]

Sums `value` by indicator (or by unit and indicator) for periods up to the
as-of date, with 2 threads. Like most engines it compares periods as
strings, which silently drops quarters and halves (`2025-Q1` > `2025-12`);
`track` compares period ends. Only the time is comparable, not the answer.
"""

import sys
import time

import duckdb

folder, as_of = sys.argv[1], sys.argv[2]
by_unit = "--by-unit" in sys.argv[3:]
period = as_of[:7]
keys = "unit, indicator" if by_unit else "indicator"
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET threads TO 2")
rows = con.execute(
    f"""
    SELECT {keys}, SUM(TRY_CAST(value AS DOUBLE)) AS total, COUNT(*) AS n
    FROM read_csv('{folder}/reports/*.csv', header = true, all_varchar = true)
    WHERE period <= '{period}'
    GROUP BY {keys}
    """
).fetchall()
print(f"duckdb: {len(rows)} groups in {time.perf_counter() - started:.3f} s", file=sys.stderr)
