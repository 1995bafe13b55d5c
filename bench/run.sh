#!/usr/bin/env bash
# Runs every benchmark, prints the table and writes docs/performance.md. Benchmarks, not tests: nothing here fails
# on speed; it fails only when a command does not work.
#
#   bench/run.sh            the full suite (JMH, 1 M records on 1, 2 and 4 partitions, replay, 100 k live objects,
#                           latency at 100 and 1,000 changes/s for 60 s each): about 40 minutes on 2 cores
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

note "build: ./mvnw -o -q -pl bench -am package -DskipTests"
./mvnw -o -q -pl bench -am package -DskipTests
cp="bench/target/classes:$(cat bench/target/classpath.txt)"

case $mode in
  full)  jmh=(-wi 3 -w 3s -i 5 -r 3s -f 1); broker=(records=1000000 partitions=1,2,4 live=100000)
         latency=("100 6000 500" "1000 60000 2000") ;;
  quick) jmh=(-wi 2 -w 2s -i 3 -r 2s -f 1); broker=(records=300000 partitions=1 live=100000)
         latency=("100 1000 200" "1000 10000 1000") ;;
  smoke) jmh=(-wi 0 -i 1 -r 1s -f 1); broker=(records=3000 partitions=1 live=1000)
         latency=("100 100 20") ;;
esac

# 1. the pure transformation (JMH, -prof gc: bytes allocated per record)
note "jmh (load $(load)): TransformBench ${jmh[*]} -prof gc"
jmh_load=$(load)
java -cp "$cp" org.openjdk.jmh.Main TransformBench "${jmh[@]}" -prof gc -rf json -rff "$out/jmh.json" \
  > "$out/jmh.log" 2>&1 || { tail -30 "$out/jmh.log" >&2; exit 1; }
python3 - "$out/jmh.json" "$jmh_load" >> "$results" <<'PY'
import json, sys
load = sys.argv[2]
for b in json.load(open(sys.argv[1])):
    name = b["benchmark"].rsplit(".", 1)[1]
    score = float(b["primaryMetric"]["score"])
    err = float(b["primaryMetric"].get("scoreError", "nan"))  # "NaN" with one iteration
    alloc = next((float(m["score"]) for k, m in b.get("secondaryMetrics", {}).items()
                  if k.endswith("gc.alloc.rate.norm")), float("nan"))
    print(f"transform ({name} state), 1 thread\t{score:.0f}\trecords/s\t±{err:.0f}; {score*0.2:.0f} lifecycle events/s; "
          f"{alloc:.0f} B allocated/record\t{load}")
PY

# 2. the app on a real broker against a pass-through, replay, live objects
note "broker (load $(load)): BrokerBench ${broker[*]}"
broker_load=$(load)
java -Xmx3g -cp "$cp" io.prefectlifecycle.bench.BrokerBench "${broker[@]}" > "$out/broker.log" 2>&1 \
  || { grep -a 'RESULT\|Exception' "$out/broker.log" | tail -20 >&2; exit 1; }
grep -a '^RESULT' "$out/broker.log" | cut -f2- | sed "s|\$|\t$broker_load (at start)|" >> "$results"

# 3. commit -> event latency through PostgreSQL and Debezium (LatencyIT, parameterised)
for run in "${latency[@]}"; do
  read -r rate changes warmup <<< "$run"
  note "latency (load $(load)): $rate changes/s, $changes changes"
  lat_load=$(load)
  ./mvnw -o -q -pl streams-app verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=LatencyIT \
    -Dlatency.rate="$rate" -Dlatency.changes="$changes" -Dlatency.warmup="$warmup" > "$out/latency-$rate.log" 2>&1 \
    || { tail -30 "$out/latency-$rate.log" >&2; exit 1; }
  line=$(grep -a -h 'LatencyIT run 0 .*p50=' "$out/latency-$rate.log" | tail -1) \
    || { note "no latency figures in $out/latency-$rate.log"; exit 1; }
  stats=$(sed -E 's/.*(n=[0-9]+ p50=[0-9.]+ p95=[0-9.]+ p99=[0-9.]+ max=[0-9.]+ mean=[0-9.]+ ms).*/\1/' <<< "$line")
  p99=$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<< "$stats")
  printf 'commit -> event p99 at %s changes/s\t%s\tms\t%s\t%s\n' "$rate" "$p99" "$stats" "$lat_load" >> "$results"
done

# the table
table=$(python3 bench/table.py "$results")
echo "$table"
if [[ $mode == smoke ]]; then
  exit 0
fi
python3 bench/performance_md.py "$mode" "$results" > docs/performance.md.new <<< "$table"
mv docs/performance.md.new docs/performance.md
note "wrote docs/performance.md"
