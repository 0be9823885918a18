# Sourced by the packaging scripts: the environment that cross-compiles for an aarch64
# Debian (Debian's aarch64-linux-gnu gcc as C compiler and linker, arm64 libraries found
# through pkg-config). Usage: source packaging/cross-env.sh aarch64-unknown-linux-gnu
case "${1:-}" in
  aarch64-unknown-linux-gnu)
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
    export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
    export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
    export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
    export PKG_CONFIG_ALLOW_CROSS=1
    export PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
    # SQLCipher links OpenSSL's libcrypto for arm64.
    export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_LIB_DIR=/usr/lib/aarch64-linux-gnu
    export AARCH64_UNKNOWN_LINUX_GNU_OPENSSL_INCLUDE_DIR=/usr/include
    # Runs arm64 binaries (build scripts never are; tests and --version are) under qemu.
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64
    ;;
  *)
    echo "cross-env.sh: unknown target '${1:-}' (known: aarch64-unknown-linux-gnu)" >&2
    return 1
    ;;
esac
