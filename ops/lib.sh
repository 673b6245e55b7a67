# ops/lib.sh -- shared by ops/demo, ops/test and ops/bench: install what is missing, build.
# Sourced, not run.

ML_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ML_PACKAGES="meson ninja-build pkg-config gcc libc6-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
liblmdb-dev lmdb-utils libcriterion-dev libsodium-dev libinih-dev libjansson-dev libcsv-dev python3
libcairo2-dev libpango1.0-dev fonts-noto-cjk poppler-utils
libmicrohttpd-dev chromium chromium-driver python3-selenium
libzip-dev libexpat1-dev libxlsxwriter-dev unzip gettext locales"

# Installs the Debian packages that are not installed yet (apt-get; sudo when not root).
ml_install_deps () {
    local missing=() pkg
    for pkg in $ML_PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing missing Debian packages: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ml_build DIR [meson options...]: configures (once) and builds into $ML_ROOT/DIR.
ml_build () {
    local dir="$ML_ROOT/$1"; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$ML_ROOT" "$@" >&2 || return 1
    fi
    ninja -C "$dir" >&2
}
