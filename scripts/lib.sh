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

# no_arguments SCRIPT [ARG...]: for a script that takes no arguments, answers
# -h/--help with the script's header comment (exit 0) and refuses anything
# else (exit 2). Call it before the script does any work.
no_arguments() {
    local script=$1; shift
    case "${1:-}" in
        -h|--help) sed -n '2,/^set -euo/p' "$script" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        "") ;;
        *) echo "$(basename "$script"): takes no arguments (got $1); see --help" >&2; exit 2 ;;
    esac
}
