#!/usr/bin/env bash
# The benchmark of README "Performance": generates the national-scale data
# (10 M rows unless ROWS is set), then times, side by side in one run:
# track report (every core and one thread; reading the files, and with
# its cache in force), the bare parse-only loops,
# DuckDB's group-by over the same files (`pip install duckdb`), an ingest
# of one 1 M-row file, and startup on the shipped data. Medians of RUNS
# runs (hyperfine); peak memory from GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
RUNS=${RUNS:-5}
DATA=${DATA:-/tmp/track-bench}
cargo build --release --quiet --bin track --example gen_reports --example parse_only
track=target/release/track
if [ ! -f "$DATA/national/plan.toml" ]; then
  target/release/examples/gen_reports --rows "$ROWS" --out "$DATA/national"
fi
du -sh "$DATA/national/reports"
ls "$DATA/national/reports" | wc -l | sed 's/$/ files/'

median() { # [hyperfine options] "command" -> median seconds
  # -i: `track check` exits 1 or 2 by design (the data has warnings).
  rm -f /tmp/track-bench.json
  if ! hyperfine -i --runs "$RUNS" --warmup 1 --export-json /tmp/track-bench.json -N "$@" >/dev/null 2>/tmp/track-bench.err; then
    echo "FAILED: $* ($(tail -1 /tmp/track-bench.err))"
    return
  fi
  python3 -c "import json; print('%.${DIGITS:-2}f' % json.load(open('/tmp/track-bench.json'))['results'][0]['median'])"
}
peak() { # command... -> peak resident memory in MB
  /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'
}

echo "| what | wall (median of $RUNS) | peak memory |"
echo "|---|---|---|"
LAST=0
row() { LAST=$(median "${*:2}"); echo "| $1 | $LAST s | $(peak "${@:2}") MB |"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }
n="$DATA/national"
report="report --as-of 2026-06-30 --format csv"
# The first report reads the files and writes the cache (.cache/); the
# ones after it read the cache. --no-cache reads the files every time.
echo "| track report, first run: files read, cache written, all cores ($(nproc)) | $(median --prepare "rm -rf $n/.cache" "$track --data $n $report") s | $(rm -rf "$n/.cache"; peak $track --data "$n" $report) MB |"
row "track report, files read (--no-cache), all cores" $track --data "$n" --no-cache $report
cold_all=$LAST
row "track report, files read (--no-cache), one thread" $track --data "$n" --no-cache --threads 1 $report
cold_one=$LAST
# The reports run to 2030; at 2026-06-30 most values lie after the as-of
# date and count for no objective. At the plan's end every value counts.
row "track report, files read (--no-cache), one thread, as of 2030-12-31" $track --data "$n" --no-cache --threads 1 report --as-of 2030-12-31 --format csv
cold_end=$LAST
row "track report, cache in force, all cores" $track --data "$n" $report
all=$LAST
row "track report, cache in force, one thread" $track --data "$n" --threads 1 $report
one=$LAST
# The report right after one more file came in (as after an ingest): the
# cache holds every other file, the new one is read (and, just changed, not
# yet cached). Before each run: the file taken out, a report that caches
# the rest, the file put back.
last_file="$n/reports/$(ls "$n/reports" | tail -1)"
back="sh -c 'mv $last_file $DATA/held.csv && $track --data $n $report >/dev/null && mv $DATA/held.csv $last_file'"
echo "| track report after one more file, the rest cached, all cores | $(median --prepare "$back" "$track --data $n $report") s | $(sh -c "$back"; peak $track --data "$n" $report) MB |"
sleep 3 && $track --data "$n" $report >/dev/null # settled: the whole cache again
row "track check, cache in force, all cores" $track --data "$n" check --quiet --as-of 2026-06-30
# The other commands over the same store, cache in force, output to /dev/null.
declare -A other
row "track export (CSV, 624 MB), cache in force, all cores" $track --data "$n" export
other[export]=$LAST
row "track export --format json, cache in force, all cores" $track --data "$n" export --format json
other[export-json]=$LAST
row "track explain of a stock objective (250,000 values), JSON" $track --data "$n" explain stock-01-2030 --as-of 2026-06-30 --format json
other[explain]=$LAST
row "track completeness (the matrix as a table)" $track --data "$n" completeness --as-of 2026-06-30
other[completeness]=$LAST
row "track completeness --format json" $track --data "$n" completeness --as-of 2026-06-30 --format json
other[completeness-json]=$LAST
row "bare loop, parse only (simd-csv zero-copy), one thread" target/release/examples/parse_only "$DATA/national"
floor=$LAST
row "bare loop, parse only (track's reader), one thread" target/release/examples/parse_only "$DATA/national" --records
# The floor is the faster of the two.
floor=$(python3 -c "print(min($floor, $LAST))")
row "bare loop, parse and sum by indicator, one thread" target/release/examples/parse_only "$DATA/national" --sum
summed=$LAST
if python3 -c 'import duckdb' 2>/dev/null; then
  row "DuckDB group by indicator, 2 threads" python3 examples/duckdb_groupby.py "$DATA/national" 2026-06-30
  duck=$LAST
  row "DuckDB group by unit and indicator, 2 threads" python3 examples/duckdb_groupby.py "$DATA/national" 2026-06-30 --by-unit
  # For context: DuckDB pays per file. The same rows as one file.
  if [ ! -f "$DATA/onefile/reports/all.csv" ]; then
    mkdir -p "$DATA/onefile/reports"
    { echo "unit,indicator,period,value,note"; find "$n/reports" -name '*.csv' | sort | xargs awk 'FNR > 1'; } > "$DATA/onefile/reports/all.csv"
  fi
  row "DuckDB group by indicator, the same rows in one file (context)" python3 examples/duckdb_groupby.py "$DATA/onefile" 2026-06-30
fi

# Ingest: one file of 1 M rows into an empty store, against the parse loop
# over the same file.
mkdir -p "$DATA/one/reports" "$DATA/ingest"
if [ ! -f "$DATA/one/reports/big.csv" ]; then
  { echo "unit,indicator,period,value,note"; find "$DATA/national/reports" -name '*.csv' | sort | head -n 2200 | xargs awk 'FNR > 1' 2>/dev/null; } \
    | head -n 1000001 > "$DATA/one/reports/big.csv" || true # head stops xargs early
  cp "$DATA/national/plan.toml" "$DATA/one/plan.toml"
fi
cp "$DATA/national/plan.toml" "$DATA/ingest/plan.toml"
echo "| track ingest of one 1 M-row file | $(median --prepare "rm -rf $DATA/ingest/reports" "$track --data $DATA/ingest ingest $DATA/one/reports/big.csv") s | $(rm -rf "$DATA/ingest/reports"; peak $track --data "$DATA/ingest" ingest "$DATA/one/reports/big.csv") MB |"
row "bare loop, parse only, the same file" target/release/examples/parse_only "$DATA/one"
# And a second file of 1 M other rows into a store that holds the first:
# its values are checked against the stored ones.
if [ ! -f "$DATA/two/big2.csv" ]; then
  mkdir -p "$DATA/two"
  { echo "unit,indicator,period,value,note"; find "$DATA/national/reports" -name '*.csv' | sort | sed -n 2201,4400p | xargs awk 'FNR > 1' 2>/dev/null; } \
    | head -n 1000001 > "$DATA/two/big2.csv" || true
fi
rm -rf "$DATA/stored" && mkdir -p "$DATA/stored" && cp "$DATA/national/plan.toml" "$DATA/stored/"
$track --data "$DATA/stored" ingest "$DATA/one/reports/big.csv" >/dev/null
# Copies of that store, one per run, so that each run ingests into it as it was.
reset_stored="rm -rf $DATA/stored-run && cp -a $DATA/stored $DATA/stored-run"
echo "| track ingest of a second 1 M-row file into that store | $(median --prepare "sh -c '$reset_stored'" "$track --data $DATA/stored-run ingest $DATA/two/big2.csv") s | $(sh -c "$reset_stored"; peak $track --data "$DATA/stored-run" ingest "$DATA/two/big2.csv") MB |"
# One file of 4 M rows (162 MB): ingested and read a chunk at a time, its
# cache block a piece at a time, so memory stays that of a small store.
if [ ! -f "$DATA/big4/all.csv" ]; then
  target/release/examples/gen_reports --rows 4000000 --out "$DATA/big4src" >/dev/null
  mkdir -p "$DATA/big4"
  { echo "unit,indicator,period,value,note"; find "$DATA/big4src/reports" -name '*.csv' | sort | xargs awk 'FNR > 1'; } > "$DATA/big4/all.csv"
fi
rm -rf "$DATA/ingest4" && mkdir -p "$DATA/ingest4" && cp "$DATA/big4src/plan.toml" "$DATA/ingest4/"
echo "| track ingest of one 4 M-row file ($(( $(stat -c %s "$DATA/big4/all.csv") / 1000000 )) MB) | $(median --prepare "rm -rf $DATA/ingest4/reports" "$track --data $DATA/ingest4 ingest $DATA/big4/all.csv") s | $(rm -rf "$DATA/ingest4/reports"; peak $track --data "$DATA/ingest4" ingest "$DATA/big4/all.csv") MB |"
row "track report over that one file, files read (--no-cache), 2 threads" $track --data "$DATA/ingest4" --no-cache $report
sleep 3 # the file settles; the first report below writes the cache
row "track report over that one file, cache in force" $track --data "$DATA/ingest4" $report
DIGITS=3 row "track report on the shipped data/ (startup)" $track report --as-of 2025-12-31
echo
# The one-thread ratio once more, measured in rounds: the reports (as of
# 2026-06-30, and as of 2030-12-31 when every value counts) alternate with
# the two loops, so that a stretch of a slower machine slows all of a round.
python3 - "$((RUNS * 3))" "$track --data $n --no-cache --threads 1 $report" \
  "$track --data $n --no-cache --threads 1 report --as-of 2030-12-31 --format csv" \
  "target/release/examples/parse_only $n" "target/release/examples/parse_only $n --records" <<'PAIRS'
import os, shlex, statistics, sys, time
n, commands = int(sys.argv[1]), [shlex.split(c) for c in sys.argv[2:]]
quiet = os.open(os.devnull, os.O_WRONLY)
times = [[] for _ in commands]
for _ in range(n):
    for i, c in enumerate(commands):
        start = time.perf_counter()
        pid = os.posix_spawnp(c[0], c, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, quiet, 1), (os.POSIX_SPAWN_DUP2, quiet, 2)])
        os.waitpid(pid, 0)
        times[i].append(time.perf_counter() - start)
floors = [min(round) for round in zip(*times[2:])]
for label, track in zip(["as of 2026-06-30", "as of 2030-12-31"], times[:2]):
    ratios = [t / f for t, f in zip(track, floors)]
    print(f"in {n} alternating rounds, {label} (track one thread reading the files; the faster parse-only loop):"
          f" medians {statistics.median(track):.2f} s and {statistics.median(floors):.2f} s,"
          f" bests {min(track):.2f} s and {min(floors):.2f} s;"
          f" ratio {statistics.median(ratios):.2f}x (median of the rounds'), {min(track) / min(floors):.2f}x (bests)")
PAIRS
echo "track report, one thread, against the parse-only loop: $(ratio "$one" "$floor")x with the cache, $(ratio "$cold_one" "$floor")x reading the files ($(ratio "$cold_end" "$floor")x as of 2030-12-31)"
echo "track report, one thread, against the parse-and-sum loop: $(ratio "$one" "$summed")x with the cache, $(ratio "$cold_one" "$summed")x reading the files"
if [ -n "${duck:-}" ]; then
  echo "track report, all cores, against DuckDB: $(ratio "$all" "$duck")x its time with the cache, $(ratio "$cold_all" "$duck")x reading the files"
  for what in export export-json explain completeness completeness-json; do
    echo "track $what against DuckDB: $(ratio "${other[$what]}" "$duck")x its time"
  done
fi
