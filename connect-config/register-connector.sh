#!/bin/sh
# Registers (creates or updates) the Debezium connector declared in prefect-connector.json with a
# Kafka Connect worker, waits until the connector and its task are RUNNING, and prints the status.
# Idempotent: run it again after editing the JSON and the connector is reconfigured in place.
#
#   connect-config/register-connector.sh [connector.json]
#
#   CONNECT_URL      Connect REST endpoint          (default http://localhost:8083)
#   TIMEOUT_SECONDS  how long to wait for each step (default 120)
#
# Needs curl, and jq or python3 to read the JSON. With neither, it falls back to POST /connectors
# (create) and DELETE + POST (update; the connector resumes from its stored offsets).
# Exit status: 0 RUNNING, 1 FAILED or timed out, 2 usage.
set -eu

FILE=${1:-$(dirname "$0")/prefect-connector.json}
CONNECT_URL=${CONNECT_URL:-http://localhost:8083}
TIMEOUT=${TIMEOUT_SECONDS:-120}
[ -r "$FILE" ] || { echo "usage: $0 [connector.json]  (cannot read $FILE)" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }

# A file with "extends" (prefect-connector-avro.json) holds only what differs from the file it names, which is in
# the same folder: the registered config is that file's with these settings on top.
BASE=
if grep -q '"extends"' "$FILE"; then
  command -v jq >/dev/null || command -v python3 >/dev/null \
    || { echo "$FILE extends another connector file: reading it needs jq or python3" >&2; exit 2; }
fi
if command -v jq >/dev/null; then
  BASE=$(jq -r '.extends // empty' "$FILE")
  if [ -n "$BASE" ]; then
    BASE=$(dirname "$FILE")/$BASE
    NAME=$(jq -r --slurp '.[1].name // .[0].name' "$BASE" "$FILE")
    CONFIG=$(jq -c --slurp '.[0].config * .[1].config' "$BASE" "$FILE")
  else
    NAME=$(jq -r .name "$FILE")
    CONFIG=$(jq -c .config "$FILE")
  fi
elif command -v python3 >/dev/null; then
  read_json='import json, os, sys
f = json.load(open(sys.argv[1]))
base = json.load(open(os.path.join(os.path.dirname(sys.argv[1]), f["extends"]))) if "extends" in f else {"config": {}}
config = dict(base["config"], **f["config"])
print(f.get("name") or base["name"]) if sys.argv[2] == "name" else print(json.dumps(config))'
  NAME=$(python3 -c "$read_json" "$FILE" name)
  CONFIG=$(python3 -c "$read_json" "$FILE" config)
else
  # the file's first "name" key is the connector's (see prefect-connector.json)
  NAME=$(grep -o '"name"[[:space:]]*:[[:space:]]*"[^"]*"' "$FILE" | head -n 1 | cut -d '"' -f 4)
  CONFIG=
fi
[ -n "$NAME" ] || { echo "no connector name in $FILE" >&2; exit 2; }

deadline=$(( $(date +%s) + TIMEOUT ))
until curl -fsS -o /dev/null "$CONNECT_URL/connectors"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "Kafka Connect at $CONNECT_URL is not answering" >&2; exit 1; }
  sleep 2
done

# 409 means the worker is rebalancing: try again.
request() { # method path [body-file|-]
  while :; do
    if [ $# -ge 3 ]; then
      code=$(curl -sS -o /tmp/register-connector.$$ -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
        --data-binary "@$3" "$CONNECT_URL$2")
    else
      code=$(curl -sS -o /tmp/register-connector.$$ -w '%{http_code}' -X "$1" "$CONNECT_URL$2")
    fi
    [ "$code" = 409 ] && [ "$(date +%s)" -lt "$deadline" ] && { sleep 2; continue; }
    body=$(cat /tmp/register-connector.$$); rm -f /tmp/register-connector.$$
    case $code in 2??) return 0 ;; *) echo "$1 $2 -> HTTP $code: $body" >&2; return 1 ;; esac
  done
}

if [ -n "$CONFIG" ]; then
  echo "$CONFIG" | request PUT "/connectors/$NAME/config" -
else
  if curl -fsS -o /dev/null "$CONNECT_URL/connectors/$NAME"; then
    request DELETE "/connectors/$NAME"
  fi
  request POST /connectors "$FILE"
fi
echo "registered $NAME at $CONNECT_URL; waiting for RUNNING"

deadline=$(( $(date +%s) + TIMEOUT ))

while :; do
  status=$(curl -fs "$CONNECT_URL/connectors/$NAME/status" || true)
  states=$(printf '%s' "$status" | grep -o '"state"[[:space:]]*:[[:space:]]*"[A-Z]*"' | cut -d '"' -f 4 || true)
  case " $(echo $states) " in
    *" FAILED "*) echo "$status"; echo "connector $NAME FAILED" >&2; exit 1 ;;
  esac
  # connector plus at least one task, all RUNNING
  if [ "$(echo "$states" | grep -c .)" -ge 2 ] && ! echo "$states" | grep -qv '^RUNNING$'; then
    echo "$status"
    exit 0
  fi
  [ "$(date +%s)" -lt "$deadline" ] || { echo "$status"; echo "connector $NAME not RUNNING after ${TIMEOUT}s" >&2; exit 1; }
  sleep 1
done
