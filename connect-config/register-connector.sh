#!/bin/sh
# Registers (creates or updates) the Debezium connector declared in prefect-connector.json with a
# Kafka Connect worker, waits until the connector and its task are RUNNING, and prints the status.
# Idempotent: run it again after editing the JSON and the connector is reconfigured in place.
#
#   connect-config/register-connector.sh [--dry-run] [connector.json]
#
#   --dry-run        print the connector's name and the config it would register, and contact nothing
#
#   CONNECT_URL      Connect REST endpoint          (default http://localhost:8083)
#   TIMEOUT_SECONDS  how long to wait for each step (default 120)
#
# Needs curl, and jq or python3 to read the JSON. With neither (Debezium's connect image has neither), it reads the
# files line by line, as this folder writes them (one "key": "value" setting per line), and falls back to
# POST /connectors (create) and DELETE + POST (update; the connector resumes from its stored offsets).
# Exit status: 0 RUNNING, 1 FAILED or timed out, 2 usage.
set -eu

DRY_RUN=
[ "${1:-}" = --dry-run ] && { DRY_RUN=1; shift; }
FILE=${1:-$(dirname "$0")/prefect-connector.json}
CONNECT_URL=${CONNECT_URL:-http://localhost:8083}
TIMEOUT=${TIMEOUT_SECONDS:-120}
[ -r "$FILE" ] || { echo "usage: $0 [--dry-run] [connector.json]  (cannot read $FILE)" >&2; exit 2; }
[ -n "$DRY_RUN" ] || command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }

# A file's settings, one per line: the '"key": "value"' lines of its config, without the trailing comma.
settings_of() {
  sed -n '/"config"/,/^[[:space:]]*}/s/^[[:space:]]*\("[^"]*"[[:space:]]*:[[:space:]]*".*"\)[[:space:]]*,\{0,1\}[[:space:]]*$/\1/p' "$1"
}

# A file with "extends" (prefect-connector-avro.json) holds only what differs from the file it names, which is in
# the same folder: the registered config is that file's with these settings on top.
BASE=
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
  name_of() { grep -o '"name"[[:space:]]*:[[:space:]]*"[^"]*"' "$1" | head -n 1 | cut -d '"' -f 4; }
  BASE=$(grep -o '"extends"[[:space:]]*:[[:space:]]*"[^"]*"' "$FILE" | cut -d '"' -f 4 || true)
  if [ -n "$BASE" ]; then
    BASE=$(dirname "$FILE")/$BASE
    NAME=$(name_of "$FILE"); [ -n "$NAME" ] || NAME=$(name_of "$BASE")
    # the base's settings in their order, each replaced by the overlay's when it has the key, then the overlay's new ones
    MERGED=${TMPDIR:-/tmp}/register-connector.merged.$$
    { settings_of "$BASE"; settings_of "$FILE"; } | awk -v name="$NAME" '
      { key = substr($0, 1, index(substr($0, 2), "\"") + 1); if (!(key in line)) order[n++] = key; line[key] = $0 }
      END { printf "{\"name\": \"%s\", \"config\": {\n", name
            for (i = 0; i < n; i++) printf "  %s%s\n", line[order[i]], (i < n - 1 ? "," : "")
            print "}}" }' > "$MERGED"
    trap 'rm -f "$MERGED"' EXIT
    FILE=$MERGED
  else
    NAME=$(name_of "$FILE")
  fi
  CONFIG=
fi
[ -n "$NAME" ] || { echo "no connector name in $FILE" >&2; exit 2; }

if [ -n "$DRY_RUN" ]; then
  echo "$NAME"
  if [ -n "$CONFIG" ]; then printf "%s\n" "$CONFIG"; else settings_of "$FILE"; fi
  exit 0
fi

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
  printf "%s\n" "$CONFIG" | request PUT "/connectors/$NAME/config" -
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
