# machines.sh - what the tests and the benchmark on machines booting systemd
# share: the tools and the image they need, a checked machine command, a
# newer version of a package, and the client-side ICMP probe of a VIP.
#
#   machines_need TOOL...       root and the tools (provisioning/deps.sh test
#                               installs what it can), else a SKIP plan
#   machines_image WHAT EXTRA   the image: the machine's usual packages and EXTRA
#                               (machine_image_build), "ok - machine image with
#                               WHAT"; a SKIP plan with no Debian archive
#   m_ok DESC ARGS...           "machine ARGS" succeeds; what it said shown if not
#   deb_bump DEB DIR            a copy of DEB in DIR one version higher; prints its path
#   icmp_probe_start NS VIP OUT the probe (tests/tools/probe, 1 ms) from namespace NS
#   icmp_probe_stop             stop it; PROBE_RESULT[key] holds its figures
#
# machines_image and m_ok use the caller's $machine (provisioning/machine)
# and $out (a file for what it says).
#
# Sourced after tap.sh. PROBE: a built tests/tools/probe (default: the one in
# VIPD_BUILD, else compiled into the caller's TMPDIR).

machines_need() {
	local t
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
	for t in "$@"; do
		command -v "$t" >/dev/null && continue
		"$(dirname "${BASH_SOURCE[0]}")/../../provisioning/deps.sh" test >/dev/null 2>&1
		command -v "$t" >/dev/null || { echo "1..0 # SKIP $t is not installed"; exit 0; }
	done
}

# The image's name is the hash of its whole package list: the usual ones
# (MACHINE_PACKAGES, as provisioning/machine reads it) and EXTRA.
machines_image() { # WHAT EXTRA
	local usual t0=$SECONDS
	usual=${MACHINE_PACKAGES:-$(sed -n '/^MACHINE_PACKAGES=/,/"}$/p' "$machine" |
		sed 's/^MACHINE_PACKAGES=\${MACHINE_PACKAGES:-"//; s/"}$//')}
	case " $(tr -s ' \t\n' ' ' <<<"$usual") " in
	*" python3-apt "*) ;;
	*) echo "1..0 # SKIP cannot read MACHINE_PACKAGES from provisioning/machine"; exit 0 ;;
	esac
	MACHINE_IMAGE_PACKAGES="$usual $2"
	if ! machine_image_build; then
		if grep -qE 'archive is unreachable|no Debian mirror' "$out"; then
			diag "$(tail -n 5 "$out")"
			echo "1..0 # SKIP the machine image cannot be built (no Debian archive reachable)"
			exit 0
		fi
		diag "$(tail -n 20 "$out")"
		bail_out "machine image --packages (the usual ones and $1)"
	fi
	tap_ok "machine image with $1"
	diag "image: $((SECONDS - t0)) s this run; $(tail -n 1 "$out")"
}
machine_image_build() { "$machine" image --packages "$MACHINE_IMAGE_PACKAGES" >"$out" 2>&1; }

m_ok() {
	local desc=$1 rc=0; shift
	"$machine" "$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then tap_ok "$desc"; return 0; fi
	tap_fail "$desc"
	diag "  machine $* exited with status $rc; its last lines:" "$(tail -n 20 "$out" | sed 's/^/    /')"
	return 1
}

# deb_bump DEB DIR: the same files and scripts under version VERSION+1, so
# that dpkg and apt see an upgrade and run every maintainer script of one.
deb_bump() {
	local deb=$1 dir=$2 tmp ver out
	tmp=$(mktemp -d "$dir/bump.XXXXXX") || return 1
	dpkg-deb -R "$deb" "$tmp/pkg" || { rm -rf "$tmp"; return 1; }
	ver=$(sed -n 's/^Version: //p' "$tmp/pkg/DEBIAN/control")
	sed -i "s/^Version: .*/Version: $ver+1/" "$tmp/pkg/DEBIAN/control"
	out=$dir/$(dpkg-deb -f "$deb" Package)_$ver+1_$(dpkg-deb -f "$deb" Architecture).deb
	dpkg-deb -b "$tmp/pkg" "$out" >/dev/null || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
	echo "$out"
}

# The probe binary: PROBE, the build's, or one compiled here.
probe_binary() {
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	if [ -n "${PROBE:-}" ]; then :
	elif [ -n "${VIPD_BUILD:-}" ] && [ -x "$VIPD_BUILD/tests/tools/probe" ]; then
		PROBE=$VIPD_BUILD/tests/tools/probe
	else
		PROBE=$(mktemp -d "${TMPDIR:-/tmp}/probe.XXXXXX")/probe
		gcc -std=gnu11 -O2 -D_GNU_SOURCE "$top/tests/tools/probe.c" -o "$PROBE" || return 1
	fi
	[ -x "$PROBE" ]
}

# icmp_probe_start NS VIP OUT: an ICMP echo every millisecond from NS to
# VIP until icmp_probe_stop (at most an hour); OUT gets its figures. The
# probe is the instrument: it runs in the real-time class (PROBE_RT_PRIO,
# default 10; 0: normal scheduling), so that a busy machine delays it less
# than what it measures.
ICMP_PROBE_PID=
ICMP_PROBE_OUT=
icmp_probe_start() {
	local rt=()
	probe_binary || return 1
	ICMP_PROBE_OUT=$3
	rm -f "$3"
	[ "${PROBE_RT_PRIO:-10}" = 0 ] || ! command -v chrt >/dev/null || rt=(chrt -f "${PROBE_RT_PRIO:-10}")
	ip netns exec "$1" "${rt[@]}" "$PROBE" -i 1000 -d 3600 -t "$2" -o "$3" >"$3.log" 2>&1 &
	ICMP_PROBE_PID=$!
}

# icmp_probe_stop: end the probe (SIGINT: it still writes its figures) and
# read them into PROBE_RESULT (sent, received, lost, max_gap_ms, ...).
declare -A PROBE_RESULT=()
icmp_probe_stop() {
	local kv
	PROBE_RESULT=()
	[ -n "$ICMP_PROBE_PID" ] || return 1
	kill -INT "$ICMP_PROBE_PID" 2>/dev/null
	wait "$ICMP_PROBE_PID" 2>/dev/null
	ICMP_PROBE_PID=
	[ -s "$ICMP_PROBE_OUT" ] || return 1
	for kv in $(<"$ICMP_PROBE_OUT"); do PROBE_RESULT[${kv%%=*}]=${kv#*=}; done
	[ -n "${PROBE_RESULT[max_gap_ms]:-}" ]
}

# skew_ms PRIORITY INTERVAL_S: RFC 9568's Skew_Time of a backup, in ms: how
# long a backup waits after a priority-0 advert before it takes over. A
# release that lets go of the VIP before the backup has it (break before
# make) costs clients at least that; vipd's costs a millisecond or two.
skew_ms() { awk -v p="$1" -v i="$2" 'BEGIN { printf "%d", (256 - p) * i * 1000 / 256 }'; }
