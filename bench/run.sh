#!/usr/bin/env bash
# Runs every benchmark, prints the table and writes docs/performance.md. Benchmarks, not tests: nothing here fails
# on speed; it fails only when a command does not work.
#
#   bench/run.sh            the full suite (JMH, 1 M records on 1, 2 and 4 partitions, replay, 100 k live objects,
#                           4 sources over 1 and 2 instances, latency at 100 and 1,000 changes/s for 60 s each):
#                           about 45 minutes on 2 cores
#   bench/run.sh --quick    a smaller version of each (minutes)
#   bench/run.sh --smoke    only checks that each command works (for CI); writes nothing to docs/
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
  --quick) mode=quick ;;
  --smoke) mode=smoke ;;
  "") ;;
  *) echo "usage: bench/run.sh [--quick|--smoke]" >&2; exit 2 ;;
esac

out=bench/target/results
mkdir -p "$out"
results="$out/results.tsv"
: > "$results"
load() { cut -d' ' -f1-3 /proc/loadavg; }
note() { printf '%s\n' "$*" >&2; }

note "build: ./mvnw -q -pl bench -am package -DskipTests"
./mvnw -q -pl bench -am package -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"

case $mode in
  # latency runs: "<rates> <changes per rate> <warm-up> <pass-through too>"
  full)  jmh=(-wi 3 -w 3s -i 5 -r 3s -f 1); broker=(records=1000000 partitions=1,2,4 live=100000 large=1000000)
         sources=(records=250000 sources=4 instances=1,2)
         latency=("100 6000 500 true" "1000 60000 2000 true" "2000,5000,10000 40000 2000 false") ;;
  quick) jmh=(-wi 2 -w 2s -i 3 -r 2s -f 1); broker=(records=300000 partitions=1 live=100000 large=1000000)
         sources=(records=100000 sources=4 instances=1,2)
         latency=("100 1000 200 true" "1000 10000 1000 true" "2000,5000,10000 20000 1000 false") ;;
  smoke) jmh=(-wi 0 -i 1 -r 1s -f 1); broker=(records=3000 partitions=1 live=1000 large=1000)
         sources=(records=3000 sources=4 instances=1,2)
         latency=("100 100 20 true") ;;
esac

# 1. the pure transformation (JMH, -prof gc: bytes allocated per record)
note "jmh (load $(load)): TransformBench ${jmh[*]} -prof gc"
jmh_load=$(load)
java -cp "$cp" org.openjdk.jmh.Main TransformBench "${jmh[@]}" -prof gc -rf json -rff "$out/jmh.json" \
  > "$out/jmh.log" 2>&1 || { tail -30 "$out/jmh.log" >&2; exit 1; }
python3 - "$out/jmh.json" "$jmh_load" >> "$results" <<'PY'
import json, sys
load = sys.argv[2]
scores = {}
for b in json.load(open(sys.argv[1])):
    name = b["benchmark"].rsplit(".", 1)[1]
    score = float(b["primaryMetric"]["score"])
    err = float(b["primaryMetric"].get("scoreError", "nan"))  # "NaN" with one iteration
    alloc = next((float(m["score"]) for k, m in b.get("secondaryMetrics", {}).items()
                  if k.endswith("gc.alloc.rate.norm")), float("nan"))
    scores[name] = score
    if name == "jacksonBaseline":
        print(f"Jackson parse + write of each record (baseline), 1 thread\t{score:.0f}\trecords/s\t±{err:.0f}; "
              f"{alloc:.0f} B allocated/record\t{load}")
    else:
        print(f"transform ({name} state), 1 thread\t{score:.0f}\trecords/s\t±{err:.0f}; {score*0.2:.0f} lifecycle "
              f"events/s; {alloc:.0f} B allocated/record\t{load}")
for name in ("objects", "serialized"):
    if name in scores and "jacksonBaseline" in scores:
        print(f"transform ({name} state) / baseline\t{scores[name] / scores['jacksonBaseline']:.2f}\tratio\t"
              f"same JMH run, same corpus\t{load}")
PY

# 2. the app on a real broker against a pass-through, replay, live objects
note "broker (load $(load)): BrokerBench ${broker[*]}"
broker_load=$(load)
java -Xmx3g -cp "$cp" io.prefectlifecycle.bench.BrokerBench "${broker[@]}" > "$out/broker.log" 2>&1 \
  || { grep -a 'RESULT\|Exception' "$out/broker.log" | tail -20 >&2; exit 1; }
grep -a '^RESULT' "$out/broker.log" | cut -f2- | sed "s|\$|\t$broker_load (at start)|" >> "$results"

# 3. several sources (Prefect databases) over one and two instances of the shipped jar, each its own JVM: records/s,
#    the app JVMs' CPU per record, each task's rate (docs/performance.md, Many sources)
note "sources (load $(load)): SourcesBench ${sources[*]}"
sources_load=$(load)
java -Xmx2g -cp "$cp" io.prefectlifecycle.bench.SourcesBench "${sources[@]}" > "$out/sources.log" 2>&1 \
  || { grep -a 'RESULT\|Exception' "$out/sources.log" | tail -20 >&2; exit 1; }
grep -a '^RESULT' "$out/sources.log" | cut -f2- | sed "s|\$|\t$sources_load (at start)|" >> "$results"

# 4. commit -> event latency through PostgreSQL and Debezium (LatencyIT, parameterised): the app, then a
#    pass-through in its place (same run), and a sweep of higher rates
for run in "${latency[@]}"; do
  read -r rates changes warmup passthrough <<< "$run"
  note "latency (load $(load)): $rates changes/s, $changes changes each, pass-through $passthrough"
  lat_load=$(load)
  log="$out/latency-${rates//,/-}.log"
  ./mvnw -q -pl integration-tests -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LatencyIT \
    -Dlatency.rate="$rates" -Dlatency.changes="$changes" -Dlatency.warmup="$warmup" \
    -Dlatency.passthrough="$passthrough" > "$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
  grep -a -h "^LatencyIT run [0-9]* '.*': n=" "$log" | python3 -c '
import re, sys
load = sys.argv[1]
app = {}
for line in sys.stdin:
    m = re.match(r"LatencyIT run \d+ .(.*) at (\d+)/s.: (n=\d+ p50=[\d.]+ p95=[\d.]+ p99=([\d.]+) max=[\d.]+ mean=[\d.]+ ms.*)", line)
    if not m:
        continue
    name, rate, stats, p99 = m.group(1), m.group(2), m.group(3), float(m.group(4))
    who = "pass-through" if name.endswith("pass-through") else "app"
    print(f"commit -> event p99 at {rate} changes/s, {who}\t{p99:.1f}\tms\t{stats}\t{load}")
    if who == "app":
        app[rate] = p99
    elif rate in app:
        print(f"commit -> event p99 at {rate} changes/s, app / pass-through\t{app[rate] / p99:.2f}\tratio\tsame run\t{load}")
' "$lat_load" >> "$results"
done
python3 - "$results" >> "$results" <<'PY'
import re, sys
p99 = {}
for line in open(sys.argv[1]):
    parts = line.split("\t")
    if parts[0].startswith("commit -> event p99 at ") and parts[0].endswith(", app"):
        achieved = re.search(r"committed at (\d+) changes/s", parts[3])
        p99[int(parts[0].split(" at ")[1].split(" ")[0])] = (float(parts[1]), achieved and int(achieved.group(1)))
best = None
for rate in sorted(p99):  # the highest rate below which every measured rate stayed under 1 s
    if p99[rate][0] >= 1000:
        break
    best = rate
if best is not None:
    print(f"highest rate with commit -> event p99 under 1 s\t{best}\tchanges/s\tasked; committed at "
          f"{p99[best][1]} changes/s (one writer); every lower rate measured under 1 s too\t-")
PY

# the table
table=$(python3 bench/table.py "$results")
echo "$table"
if [[ $mode == smoke ]]; then
  exit 0
fi
python3 bench/performance_md.py "$mode" "$results" > docs/performance.md.new <<< "$table"
mv docs/performance.md.new docs/performance.md
note "wrote docs/performance.md"
