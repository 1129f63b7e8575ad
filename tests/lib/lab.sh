# lab.sh - a provisioning/lab of a test's own, beside an operator's lab and
# beside the other suite of tests/run.
#
#   . tests/lib/lab.sh
#   lab_need ip redis-server nginx ...   # skip the script when a tool is missing
#   lab_env e40 10.97                    # namespaces e40TAG-*, subnet 10.97.X.0/24
#   lab up ...; lab down
#
# The script sets $tree (the source tree) before sourcing this file.

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# lab_need TOOL...: root, the tools named, python3's aiosmtpd (the mail
# host), fail2ban (the front-ends) and the programs the lab runs from
# VIPD_BUILD; else a SKIP plan.
lab_need() {
	local t b
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
	for t in "$@"; do
		command -v "$t" >/dev/null || skip_all "$t is not installed (provisioning/deps.sh test)"
	done
	(cd / && /usr/bin/python3 -c 'import aiosmtpd') 2>/dev/null || skip_all "python3 aiosmtpd is not installed"
	command -v fail2ban-server >/dev/null || skip_all "fail2ban is not installed (the front-ends run it)"
	export VIPD_BUILD=${VIPD_BUILD:-$tree/build/default}
	for b in vrrpd/vipd vrrpd/vipctl cluster/clusterctl webapp/newsd; do
		[ -x "$VIPD_BUILD/$b" ] || skip_all "no $b in $VIPD_BUILD (build it, or set VIPD_BUILD)"
	done
}

# lab_env NAME NET16: TAG, LAB_PREFIX (NAME+TAG-), LAB_NET (NET16.X, X from
# TEST_NS_TAG, 100..199), LAB_BACK_NET (NET16.X-100), LAB_STATE (a new directory), CURL_CA_BUNDLE (the lab's CA),
# labcmd and out; namespaces
# and the uplink a killed run left behind are removed first, and a subnet
# this machine already has is a SKIP.
lab_env() {
	local ns
	TAG=${TEST_NS_TAG:-}
	labcmd=$tree/provisioning/lab
	export LAB_PREFIX=$1$TAG- LAB_STATE LAB_NET LAB_BACK_NET
	LAB_NET=$2.$(($(printf '%s' "$TAG" | cksum | cut -d' ' -f1) % 100 + 100))
	LAB_BACK_NET=$2.$((${LAB_NET##*.} - 100))
	out=$tree/tests/out
	mkdir -p "$out"
	for ns in $(ip netns list | awk '{print $1}' | grep "^$LAB_PREFIX" || true); do
		echo "# removing namespace $ns left by an earlier run"
		ip netns delete "$ns" 2>/dev/null
	done
	for ns in up upb; do
		ip link delete "$LAB_PREFIX$ns" 2>/dev/null && echo "# removed $LAB_PREFIX$ns left by an earlier run"
	done
	ip -br addr | grep -q " $LAB_NET\.1/24" && skip_all "$LAB_NET.0/24 is in use on this machine"
	ip -br addr | grep -q " $LAB_BACK_NET\.1/24" && skip_all "$LAB_BACK_NET.0/24 is in use on this machine"
	LAB_STATE=$(mktemp -d "${TMPDIR:-/tmp}/lab-$1$TAG.XXXXXX")
	# The site is HTTPS with the lab's own CA (made by lab up): curl, in
	# the test and in the lab's hosts, trusts it.
	export CURL_CA_BUNDLE=$LAB_STATE/tls/ca.crt
}

lab() { "$labcmd" "$@"; }

# lab_finish NAME: the end of a test's lab (its EXIT trap): after a failure
# the hosts' files but their data kept in tests/out/NAME$TAG, then lab down
# and LAB_STATE, with the files beside it (LAB_STATE.*), removed.
lab_finish() {
	local keep=$out/$1$TAG
	[ -n "${LAB_STATE:-}" ] || return 0
	if [ "$TAP_FAILED" != 0 ] && [ -d "$LAB_STATE" ]; then
		rm -rf "$keep"
		mkdir -p "$keep"
		cp -r "$LAB_STATE"/*/ "$keep/" 2>/dev/null
		find "$keep" -path '*/data/*' -delete 2>/dev/null
		echo "# the lab's files: $keep"
	fi
	lab down >/dev/null 2>&1
	rm -rf "$LAB_STATE" "$LAB_STATE".*
}
