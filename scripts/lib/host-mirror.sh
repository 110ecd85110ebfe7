# Sourced by the installers: prints the host's Debian mirror, read from its own apt configuration
# (deb822 sources first, then the one-line format), so no mirror is named in the repository.
host_mirror() {
    local uri="" f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        uri=$(awk '/^URIs:/{print $2; exit}' "$f")
        [ -n "$uri" ] && break
    done
    [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "$(basename "$0"): no Debian mirror in the host's apt configuration" >&2; exit 1; }
    echo "$uri"
}
