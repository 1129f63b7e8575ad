#!/bin/bash
# deps.sh - install the Debian packages the project builds, tests and runs
# with. Quiet and quick when everything is already there.
#   provisioning/deps.sh [build|package|lab|machines|test|all]
# lab: what provisioning/lab up builds and runs; machines: and what
# lab up --machines adds; test and all: everything the tests use too.
set -eu

BUILD="build-essential autoconf automake pkg-config libpcap-dev libnl-3-dev libnl-route-3-dev
       libconfuse-dev libssl-dev libsystemd-dev libcmocka-dev libnftables-dev libcap-dev
       libhiredis-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev"
# What dpkg-buildpackage needs besides BUILD, and lintian to check the
# packages (tests/integration/42-packages.sh).
PACKAGE="debhelper dpkg-dev fakeroot lintian"
RUN="iproute2 iputils-ping"
# What the namespace lab runs besides the project's programs: the stack,
# its monitor host (Prometheus, Alertmanager, the exporters) and its
# central logs (rsyslog with RELP), and fail2ban on the front-ends.
LAB="redis-server redis-tools nftables nginx curl python3-jinja2 python3-aiosmtpd dnsmasq-base jq
     prometheus prometheus-alertmanager prometheus-redis-exporter prometheus-node-exporter
     prometheus-blackbox-exporter rsyslog rsyslog-relp fail2ban"
# What the machines lab adds: the machines, the packages it installs in them,
# and the playbook it runs over SSH.
MACHINES="systemd-container mmdebstrap openssh-client ansible"
TEST="jq keepalived tcpdump procps groff-base man-db redis-server redis-tools nftables
      nginx wrk chromium python3-aiosmtpd curl ansible python3-jinja2 dnsmasq-base
      clang libclang-rt-14-dev ucarp prometheus systemd-container mmdebstrap openssh-client frr"
# systemd-container (systemd-nspawn) and mmdebstrap: provisioning/machine, the
# containers booting systemd of tests/integration/43-machines.sh.
# The browser test (tests/integration/31-web-browser.sh) also needs node and
# npm; the machines have Node.js 20 installed outside Debian's packages, so
# they are not in this list: that test skips, saying why, without them.

case "${1:-all}" in
build) want="$BUILD" ;;
package) want="$BUILD $PACKAGE" ;;
lab) want="$BUILD $RUN $LAB" ;;
machines) want="$BUILD $PACKAGE $RUN $LAB $MACHINES" ;;
test|all) want="$BUILD $PACKAGE $RUN $LAB $MACHINES $TEST" ;;
*) echo "usage: $0 [build|package|lab|machines|test|all]" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# keepalived's and nginx's packages would start system-wide daemons; tests
# start their own. policy-rc.d (exit 101: no action allowed) keeps every
# package script that goes through invoke-rc.d from starting a service.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends $missing >/dev/null
