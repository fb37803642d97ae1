#!/usr/bin/env bash
# Prepares (once) and enters the Rust→wasm toolchain described in ../shared/docs/toolchain.md.
#
#   scripts/toolchain.sh run <command...>   run a command with cargo, wasm-bindgen and wasm-opt
#                                           available, in the repository root
#
# A machine with rustup's wasm32 target and a wasm-bindgen CLI of the pinned version on its PATH
# runs the command directly. Otherwise the command runs inside a Debian sid chroot cached outside
# the repository (RAYPOOL_TOOLCHAIN_DIR, default ~/.cache/raypool/sid), because the Rust crate registry and
# rustup's servers are out of reach here but Debian packages Rust, its wasm32 std and the crates.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.108
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${RAYPOOL_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/raypool/sid}

have_local_toolchain() {
  command -v cargo >/dev/null && command -v wasm-bindgen >/dev/null &&
    wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION" &&
    rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'
}

# Packages the chroot needs: the compiler and wasm tools, plus rustfmt and clippy for the checks.
PACKAGES="rustc cargo libstd-rust-dev-wasm32 lld-22 wasm-bindgen librust-wasm-bindgen-dev binaryen rustfmt rust-clippy"

ensure_chroot() {
  if [ -x "$root/usr/bin/wasm-bindgen" ] && [ -x "$root/usr/bin/cargo" ] && [ -x "$root/usr/bin/wasm-opt" ]; then
    # A chroot prepared before rustfmt and clippy were needed gets them once.
    if [ ! -x "$root/usr/bin/rustfmt" ] || [ ! -x "$root/usr/bin/cargo-clippy" ]; then
      if [ "$(id -u)" != 0 ]; then
        echo "toolchain: installing rustfmt and clippy into $root needs root" >&2
        exit 1
      fi
      echo "toolchain: installing rustfmt and clippy into $root (once)" >&2
      chroot "$root" sh -c '
        apt-get -qq -o Acquire::Check-Valid-Until=false update &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rustfmt rust-clippy' >/dev/null
    fi
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "toolchain: building the wasm needs root to create the Debian chroot at $root" >&2
    echo "toolchain: (or install rustup's wasm32-unknown-unknown target and wasm-bindgen $WASM_BINDGEN_VERSION)" >&2
    exit 1
  fi
  echo "toolchain: preparing the Debian sid chroot at $root (about a minute, once)" >&2
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  rm -rf "$root.partial"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --include=ca-certificates sid "$root.partial" >/dev/null
  chroot "$root.partial" sh -c "
    apt-get -qq -o Acquire::Check-Valid-Until=false update &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES" >/dev/null
  rm -rf "$root"
  mv "$root.partial" "$root"
}

case "${1:-}" in
  run)
    shift
    if have_local_toolchain; then
      cd "$repo" && exec "$@"
    fi
    ensure_chroot
    # One mount point per checkout, so two clones (a developer's and CI's) never see each other.
    mount_point=/mnt/$(printf '%s' "$repo" | sha256sum | cut -c1-16)
    mkdir -p "$root$mount_point"
    # A mount left from a checkout since deleted and cloned again at the same path shows the
    # old, deleted tree: compare what is mounted with the checkout, not just the path.
    if mountpoint -q "$root$mount_point" &&
      [ "$(stat -c %d:%i "$root$mount_point")" != "$(stat -c %d:%i "$repo")" ]; then
      umount -l "$root$mount_point"
    fi
    if ! mountpoint -q "$root$mount_point"; then
      mount --bind "$repo" "$root$mount_point"
    fi
    # The bind mount stays for the next call; unmounting here would race a concurrent build.
    exec chroot "$root" env \
      HOME=/root PATH=/usr/local/bin:/usr/bin:/bin \
      CARGO_HOME=/root/.cargo \
      CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
      RAYPOOL_CARGO_ARGS="--offline --config source.crates-io.replace-with=\"debian\" --config source.debian.directory=\"/usr/share/cargo/registry\"" \
      sh -c 'cd "$0" && exec "$@"' "$mount_point" "$@"
    ;;
  *)
    echo "usage: scripts/toolchain.sh run <command...>" >&2
    exit 2
    ;;
esac
