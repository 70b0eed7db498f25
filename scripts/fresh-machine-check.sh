#!/usr/bin/env bash
# Proves the README's quick start on a Debian machine that has never seen the project: a minimal
# Debian bookworm (debootstrap, minbase) gets only what the README presumes (Python >= 3.11 with
# venv), then, inside it and from a copy of the committed tree:
#   1. ./scripts/test.sh                     (the README's test command: installs the system
#                                             packages it needs, then runs the whole suite)
#   2. ./scripts/run-demo.sh --headless ...  (the README's demo command, headless)
#   3. pip install . into a clean venv; hmi-app --version; python -m hmi_app run --demo --headless
# A system package that the code or the tests load but scripts/setup.sh does not install fails here,
# even when the machine running CI has it. Needs root (debootstrap, chroot, mounts).
set -euo pipefail
cd "$(dirname "$0")/.."
project="$(pwd)"

if [ "$(id -u)" != 0 ]; then
  echo "fresh-machine-check: needs root (debootstrap and chroot)" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

root="$(mktemp -d /tmp/smelter-fresh.XXXXXX)"
chmod 755 "$root"  # "/" of a real machine: the tests run PostgreSQL as its own system user
mounted=()
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

step() { echo "fresh-machine-check: $*"; }

step "debootstrap bookworm (minbase) into $root"
# One retry: a registry hiccup should not fail the check, a missing package should.
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 \
  || { rm -rf --one-file-system "$root" && mkdir -p "$root" \
       && debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1; } \
  || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"

# "/" of a real machine is a mount point (tests make their mounts private with unshare): so is ours.
mount --bind "$root" "$root"
mounted+=("$root")
for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  case "$m" in
    proc) mount -t proc proc "$root/proc" ;;
    *) mount --bind "/$m" "$root/$m" ;;
  esac
  mounted+=("$root/$m")
done
mkdir -p "$root/dev/shm"
mount -t tmpfs shm "$root/dev/shm"
mounted+=("$root/dev/shm")
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The workplace's network setting, not the project's: the registries are reached through this
# machine's certificate authorities (a fresh machine here has the same bundle).
host_ca="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
mkdir -p "$root/etc/ssl/certs"
cp "$host_ca" "$root/etc/ssl/host-ca.crt"

# The project as committed (what a clean clone holds), never the developer's working files.
mkdir -p "$root/project"
git -C "$project" archive HEAD | tar -x -C "$root/project"

in_fresh() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/host-ca.crt SSL_CERT_FILE=/etc/ssl/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CI="${CI:-}" /bin/bash -c "$1"
}

step "installing what the README presumes: Python 3 with venv"
echo 'Acquire::Retries "3";' > "$root/etc/apt/apt.conf.d/80retries"
in_fresh "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  python3 python3-venv ca-certificates >/dev/null"

step "README command 1: ./scripts/test.sh"
in_fresh "cd /project && ./scripts/test.sh -q"

step "README command 2: ./scripts/run-demo.sh --headless"
in_fresh "cd /project && ./scripts/run-demo.sh --headless --duration 10 --data-dir /tmp/demo-data"

step "a normal install: pip install . into a clean venv"
in_fresh "python3 -m venv /opt/hmi && /opt/hmi/bin/pip install -q /project \
  && cd /tmp && /opt/hmi/bin/hmi-app --version \
  && /opt/hmi/bin/python -m hmi_app run --demo --headless --duration 10 --data-dir /tmp/wheel-data"

step "passed"
