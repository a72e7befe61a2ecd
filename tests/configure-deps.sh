#!/bin/bash
# configure-deps.sh: configure stops at each missing required library with
# an error that names the subsystem that needs it and the Debian package
# that provides it.
#
# A pkg-config wrapper hides one library at a time.  configure runs from a
# folder of links to the sources (without config.status), so it works
# also when the source tree itself is configured in place.
set -u
. "$top_srcdir/tests/lib/tap.sh"
require_cmd pkg-config

tmp=$(mktemp -d "${TMPDIR:-/tmp}/configure-deps.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
for f in "$top_srcdir"/* "$top_srcdir"/.ci; do
	case ${f##*/} in
	config.status|config.log|config.h|Makefile|stamp-h1|_*) continue ;;
	esac
	ln -s "$(cd "$(dirname "$f")" && pwd)/${f##*/}" "$tmp/src/${f##*/}"
done
real_pc=$(command -v pkg-config)

# hide MODULE: configure with MODULE missing; its stderr in $tmp/err.
hide()
{
	cat >"$tmp/pkg-config" <<EOF
#!/bin/sh
case " \$* " in *" $1 "*) exit 1 ;; esac
exec "$real_pc" "\$@"
EOF
	chmod +x "$tmp/pkg-config"
	rm -rf "$tmp/b" && mkdir "$tmp/b"
	(cd "$tmp/b" && PKG_CONFIG="$tmp/pkg-config" "$tmp/src/configure" -q \
		>/dev/null 2>"$tmp/err")
}

# module | package | what the message must name
while IFS='|' read -r mod pkg who; do
	rc=0
	hide "$mod" || rc=$?
	err=$(tr '\n' ' ' <"$tmp/err")
	isnt "$rc" 0 "without $mod configure fails"
	like "$err" "error: $mod [^;]* not found; it is needed by $who" \
		"without $mod: names $who"
	like "$err" "Debian package $pkg " "without $mod: names the package $pkg"
done <<'EOF'
libmnl|libmnl-dev|the netlink helpers of libop, outpost-routed
libnftnl|libnftnl-dev|outpost-shape's nftables classification
libpcap|libpcap-dev|outpost-probe's DNS hijack detection
libcares|libc-ares-dev|libop's asynchronous resolver
libssl|libssl-dev|MQTT over TLS
libcap|libcap-dev|libop's privilege drop
EOF
done_testing
