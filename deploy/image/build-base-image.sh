#!/usr/bin/env bash
# The application image's base, built without a Docker engine or a container registry: a distroless-style
# Debian 12 root filesystem (glibc, libgcc, libstdc++, zlib, CA certificates, tzdata, netbase) with Debian's
# OpenJDK 17 headless runtime, a non-root user 65532:65532, a state directory that user owns, and no shell.
# It is written as a `docker save` tarball (manifest.json, config, one layer), which Jib takes as a base with
# `tar:///absolute/path/image.tar`.
#
#   deploy/image/build-base-image.sh streams-app/target/base-image/image.tar
#   deploy/image/build-base-image.sh tar:///abs/path/image.tar     (the form the Maven profile `image` passes)
#   deploy/image/build-base-image.sh eclipse-temurin:17-jre        (a registry image: nothing to build, exit 0)
#
# Packages come from the host's apt sources with `apt-get download` (no root, no chroot, no debootstrap), so the
# host must be Debian or Ubuntu with apt; the image is for the host's architecture. A JDK's `java` on PATH (the
# one Maven runs on) writes the Java trust store. The result is cached in
# ${PREFECT_CDC_IMAGE_CACHE:-~/.cache/prefect-lifecycle-cdc}/base-image/<key>/, keyed by this script and the exact
# package versions apt resolves, and copied to the output: a second run with the same versions only resolves
# them and copies. Same key, same bytes (fixed mtimes, sorted entries, numeric owners, fixed trust-store dates).
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -eq 1 ]] || usage

case "$1" in
  tar://*) out="${1#tar://}" ;;
  */*|*.tar) out="$1" ;;
  *) echo "base image $1 comes from a registry: nothing to build" >&2; exit 0 ;;
esac

readonly JAVA_FEATURE=17
readonly NONROOT_UID=65532
readonly STATE_DIR=/var/lib/prefect-lifecycle-cdc
readonly EPOCH=946684800   # 2000-01-01T00:00:00Z: every file's mtime, so the same inputs give the same bytes
readonly PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g ca-certificates netbase tzdata base-files
                   "openjdk-${JAVA_FEATURE}-jre-headless")

for tool in apt-get dpkg dpkg-deb tar sha256sum java; do
  command -v "$tool" >/dev/null || { echo "build-base-image: '$tool' is required (Debian/Ubuntu host with a JDK)" >&2; exit 1; }
done

arch="$(dpkg --print-architecture)"            # amd64, arm64: Debian's and the OCI config's names agree
java_home="/usr/lib/jvm/java-${JAVA_FEATURE}-openjdk-${arch}"

# The exact .deb files apt would fetch now; they and this script are the cache key.
uris="$(apt-get download --print-uris "${PACKAGES[@]}")" || {
  echo "build-base-image: apt-get cannot resolve ${PACKAGES[*]}; run 'apt-get update' first" >&2; exit 1; }
key="$( { cat "$0"; printf '%s\n' "$arch"; awk '{print $2, $4}' <<<"$uris" | sort; } | sha256sum | cut -c1-16)"
cache="${PREFECT_CDC_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prefect-lifecycle-cdc}/base-image/$key"

if [[ ! -s "$cache/image.tar" ]]; then
  work="$(mktemp -d "${TMPDIR:-/tmp}/prefect-lifecycle-base.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/debs" "$work/rootfs"
  # (as root, apt warns that its sandbox user cannot write to a mktemp folder: harmless)
  (cd "$work/debs" && apt-get download -q "${PACKAGES[@]}") 2>&1 | { grep -v '^W: Download is performed unsandboxed' || true; } >&2
  shopt -s nullglob
  debs=("$work/debs"/*.deb)
  [[ ${#debs[@]} -eq ${#PACKAGES[@]} ]] || { echo "build-base-image: download failed" >&2; exit 1; }

  root="$work/rootfs"
  mkdir -p "$root/var/lib/dpkg/status.d"
  for deb in "${debs[@]}"; do
    pkg="$(dpkg-deb -f "$deb" Package)"
    if [[ "$pkg" == base-files ]]; then   # only its identity: /etc/os-release for scanners and `cat`-less humans
      dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" ./usr/lib/os-release ./etc/os-release
    else
      dpkg-deb -x "$deb" "$root"
    fi
    # what distroless does: one status file per package, so image scanners see the versions
    dpkg-deb -f "$deb" > "$root/var/lib/dpkg/status.d/$pkg"
  done

  # Nothing in the image reads docs, man pages or debug links; keep the licences.
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  rm -rf "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/gdb" "$root/usr/lib/debug" \
         "$root/usr/share/gcc" "$root/usr/share/binfmts"

  # Java's trust store from Debian's Mozilla bundle (ca-certificates-java would do this in a postinst; there is
  # no postinst here). JKS: a store loaded without a password, as the JDK loads cacerts, reads every entry. Written
  # by hand because KeyStore.store stamps each entry with the current time; here every entry gets $EPOCH.
  mkdir -p "$root/etc/ssl/certs/java"
  cat > "$work/Cacerts.java" <<'JAVA'
import java.io.*; import java.nio.charset.StandardCharsets; import java.nio.file.*; import java.security.*; import java.security.cert.*; import java.util.*;
public class Cacerts {
    public static void main(String[] a) throws Exception {
        char[] password = "changeit".toCharArray();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<Path> crts; try (var s = Files.walk(Path.of(a[0]))) { crts = s.filter(p -> p.toString().endsWith(".crt")).sorted().toList(); }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0xFEEDFEED); out.writeInt(2); out.writeInt(crts.size());          // JKS, version 2
        for (Path p : crts) try (InputStream in = Files.newInputStream(p)) {
            byte[] der = cf.generateCertificate(in).getEncoded();
            out.writeInt(2);                                                           // a trusted certificate
            out.writeUTF(p.getFileName().toString().replaceFirst("\\.crt$", "").toLowerCase(Locale.ROOT) + " [debian]");
            out.writeLong(Long.parseLong(a[2]) * 1000); out.writeUTF("X.509"); out.writeInt(der.length); out.write(der);
        }
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");                        // JKS' integrity check
        for (char c : password) { sha1.update((byte) (c >> 8)); sha1.update((byte) c); }
        sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8)); sha1.update(bytes.toByteArray());
        out.write(sha1.digest()); out.flush();
        KeyStore check = KeyStore.getInstance("JKS"); check.load(new ByteArrayInputStream(bytes.toByteArray()), password);
        if (check.size() != crts.size()) throw new IllegalStateException("wrote " + crts.size() + ", read " + check.size());
        Files.write(Path.of(a[1]), bytes.toByteArray());
        System.err.println("cacerts: " + check.size() + " certificates");
    }
}
JAVA
  java "$work/Cacerts.java" "$root/usr/share/ca-certificates/mozilla" "$root/etc/ssl/certs/java/cacerts" "$EPOCH"

  mkdir -p "$root/usr/bin" "$root/tmp" "$root/root" "$root/home/nonroot" "$root$STATE_DIR" \
           "$root/proc" "$root/sys" "$root/dev"   # mount points the runtime fills
  ln -sfn "$java_home/bin/java" "$root/usr/bin/java"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  chmod 0750 "$root/home/nonroot" "$root$STATE_DIR"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' \
    "$NONROOT_UID" "$NONROOT_UID" > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT_UID" > "$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"

  # One layer: everything root-owned, then the two directories the non-root user writes appended with its ids
  # (tar cannot set owners per file, and this script does not need root to chown them).
  layer="$work/layer.tar"
  # Entry names are relative ("etc/passwd", not "./etc/passwd"), as `docker save` writes them.
  tarflags=(--format=gnu --sort=name --mtime="@$EPOCH" --numeric-owner)
  mapfile -t top < <(find "$root" -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
  (cd "$root" && tar "${tarflags[@]}" --owner=0 --group=0 --anchored \
      --exclude=home/nonroot --exclude="${STATE_DIR#/}" -cf "$layer" "${top[@]}")
  (cd "$root" && tar "${tarflags[@]}" --owner="$NONROOT_UID" --group="$NONROOT_UID" \
      -rf "$layer" home/nonroot "${STATE_DIR#/}")
  diff_id="$(sha256sum "$layer" | cut -d' ' -f1)"

  mkdir -p "$work/image/$diff_id"
  mv "$layer" "$work/image/$diff_id/layer.tar"
  cat > "$work/config.json" <<JSON
{"architecture":"$arch","os":"linux","created":"$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)",
 "config":{"User":"$NONROOT_UID:$NONROOT_UID","WorkingDir":"/home/nonroot",
  "Env":["PATH=$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$java_home","LANG=C.UTF-8"],
  "Labels":{"org.opencontainers.image.description":"Debian 12 + OpenJDK $JAVA_FEATURE headless, non-root, no shell (prefect-lifecycle-cdc base)"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)","created_by":"deploy/image/build-base-image.sh $key"}]}
JSON
  config_id="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
  mv "$work/config.json" "$work/image/$config_id.json"
  printf '[{"Config":"%s.json","RepoTags":["prefect-lifecycle-cdc-base:%s"],"Layers":["%s/layer.tar"]}]\n' \
    "$config_id" "$key" "$diff_id" > "$work/image/manifest.json"

  mkdir -p "$cache"
  (cd "$work/image" && tar "${tarflags[@]}" --owner=0 --group=0 -cf "$cache/image.tar.partial" \
      manifest.json "$config_id.json" "$diff_id")
  mv "$cache/image.tar.partial" "$cache/image.tar"
  # older keys (other package versions, an older script) are not used again
  find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +
  echo "built base image $key ($(du -h "$cache/image.tar" | cut -f1)): $(awk '{print $2}' <<<"$uris" | tr '\n' ' ')" >&2
else
  echo "base image $key is cached: $cache/image.tar" >&2
fi

mkdir -p "$(dirname "$out")"
if ! cmp -s "$cache/image.tar" "$out" 2>/dev/null; then
  cp "$cache/image.tar" "$out.partial" && mv "$out.partial" "$out"
fi
echo "$out"
