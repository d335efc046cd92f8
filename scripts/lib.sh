# Shell functions the setup scripts share; `source` it, do not run it.

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

# apt_install PACKAGE...: installs Debian packages, as root or through sudo,
# refreshing the package lists only if the first attempt fails.
apt_install() {
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y "$@" || { $sudo apt-get update && $sudo apt-get install -y "$@"; }
}

# cargo_installed NAME VERSION: true when `cargo install` put exactly this
# version of NAME in $CARGO_BIN (cargo's own list says which version it is).
cargo_installed() {
    [ -x "$CARGO_BIN/$1" ] && cargo install --list | grep -q "^$1 v$2:"
}
