# provisioning/lab.d/logs.sh - central logs for provisioning/lab (sourced by it).
#
# The logs host runs rsyslogd with imrelp (service "relp", port RELP_PORT):
# the store LAB_STATE/logs/store/all.log, one line per message, and a file
# per host beside it. Every other host runs a forwarder (service
# "forwarder"), an rsyslogd that reads the host's service logs
# (LAB_STATE/HOST/*.log, the service named after the file) and its own
# socket, and sends to the logs host over RELP through a disk-assisted
# queue. Each rsyslogd has its configuration, pid file, work directory
# (queue, imfile's positions) and socket in LAB_STATE/HOST/rsyslog; none
# touches this machine's /etc/rsyslog.conf or /dev/log.
#
#   lab logs [--since SECONDS] [--host HOST]... [--grep REGEX]
#       the merged timeline, oldest first: TIME HOST SERVICE: MESSAGE, TIME
#       being when the source logged it (UTC, microseconds); a message RELP
#       delivered twice is shown once.
#   lab exec HOST logger -t TAG MESSAGE
#       CMD's /dev/log is HOST's forwarder socket (in CMD's mount namespace
#       only), so the line reaches the logs host as from HOST.

RELP_PORT=2514
RSYSLOGD=/usr/sbin/rsyslogd

logs_host() { hosts | grep -x logs || true; }
logs_dir() { echo "$STATE/$1/rsyslog"; }
logs_store() { echo "$STATE/$(logs_host)/store"; }

# The templates' variables for HOST's rsyslogd (JSON members for render).
logs_vars() {
	local h=$1 d; d=$(logs_dir "$1")
	printf '"logs_input":"files","relp_port":%s,"logs_workdir":"%s","logs_socket":"%s",' \
		"$RELP_PORT" "$d" "$d/log.sock"
	printf '"logs_files":[{"path":"%s/*.log"}],' "$STATE/$h"
	# Its own output (spawn's NAME.log) comes as its internal messages.
	printf '"logs_skip":["%s/forwarder.log","%s/relp.log"],' "$STATE/$h" "$STATE/$h"
	printf '"logs_store_dir":"%s"' "$(logs_store)"
}

# rsyslogd for HOST as service NAME, from TEMPLATE; READY is a command that
# succeeds once it serves.
logs_spawn() { # HOST NAME TEMPLATE READY...
	local h=$1 n=$2 t=$3 d i; shift 3
	d=$(logs_dir "$h")
	mkdir -p "$d"
	render "$t" "$h" "$d/rsyslog.conf" "$(logs_vars "$h")"
	alive "$h" "$n" && return 0
	command -v "$RSYSLOGD" >/dev/null || die "$RSYSLOGD is missing (provisioning/deps.sh lab installs rsyslog and rsyslog-relp)"
	in_ns "$h" "$RSYSLOGD" -N1 -f "$d/rsyslog.conf" >"$d/check.log" 2>&1 ||
		{ grep -v '^rsyslogd: version\|^rsyslogd: End of' "$d/check.log" >&2; die "$h: rsyslogd refused $d/rsyslog.conf"; }
	# A pid file left by a killed rsyslogd would stop the new one; its
	# socket would look ready.
	rm -f "$d/rsyslogd.pid" "$d/log.sock"
	spawn "$h" "$n" "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid"
	for i in $(seq 1 100); do
		"$@" && return 0
		alive "$h" "$n" || break
		sleep 0.1
	done
	tail -n 5 "$STATE/$h/$n.log" >&2
	die "$h: $n (rsyslogd) did not start (see $STATE/$h/$n.log)"
}

relp_listening() { [ -n "$(in_ns "$1" ss -Hltn "sport = :$RELP_PORT" 2>/dev/null)" ]; }

# The logs host's rsyslogd: RELP in, the store; and the host's own logs.
start_relp() {
	mkdir -p "$(logs_store)"
	logs_spawn "$1" relp rsyslog-logs.conf.j2 relp_listening "$1"
}

# HOST's forwarder. A lab without a logs host (the machines lab) has none.
start_forwarder() {
	[ -n "$(logs_host)" ] || return 0
	logs_spawn "$1" forwarder rsyslog-forward.conf.j2 test -S "$(logs_dir "$1")/log.sock"
}

# For cmd_exec: EXEC_VIA, a command prefix that makes /dev/log HOST's
# forwarder socket in CMD's mount namespace (ip netns exec gives CMD one of
# its own). Where this machine has no /dev/log, a writable layer (overlayfs
# on a tmpfs) goes over /dev in that namespace, holding a symbolic link to
# the socket; /dev's own mounts (pts, shm, ...) are put back on top of it.
# Nothing outside the command sees any of it.
LOGS_DEVLOG_SH='
s=$1; shift
devlog() {
	if [ -e /dev/log ]; then mount --bind "$s" /dev/log; return; fi
	# The tmpfs of the layer is mounted on /tmp for a moment, and
	# unmounted once the overlay holds it.
	mount -t tmpfs -o mode=0700,size=64k lab-devlog /tmp || return
	r=0
	mkdir /tmp/upper /tmp/work && ln -s "$s" /tmp/upper/log &&
		mount -t overlay -o lowerdir=/dev,upperdir=/tmp/upper,workdir=/tmp/work lab-dev /dev || r=1
	umount -l /tmp
	[ $r = 0 ] || return 1
	# fd 9 is the /dev underneath: its mounts, put back on top.
	for m in $(awk "\$5 ~ \"^/dev/[^/]+\$\" { print \$5 }" /proc/self/mountinfo | sort -u); do
		mount --rbind -c "/proc/self/fd/9/${m#/dev/}" "$m" || return
	done
}
exec 9</dev
devlog || echo "lab exec: /dev/log is not $s here (logger will not reach the forwarder)" >&2
exec 9<&-
exec "$@"'
exec_via() { # HOST
	local s; s=$(logs_dir "$1")/log.sock
	EXEC_VIA=()
	[ -S "$s" ] && EXEC_VIA=(sh -c "$LOGS_DEVLOG_SH" lab-exec "$s")
	return 0
}

cmd_logs() {
	local since='' re='' hosts=' ' cut='' store
	while [ $# -gt 0 ]; do
		case $1 in
		--since) since=${2:?usage: lab logs --since SECONDS}; shift ;;
		--host) known "${2:?usage: lab logs --host HOST}"; hosts="$hosts$2 "; shift ;;
		--grep) re=${2?usage: lab logs --grep REGEX}; shift ;;
		*) die "usage: lab logs [--since SECONDS] [--host HOST]... [--grep REGEX]" ;;
		esac
		shift
	done
	[ -n "$(logs_host)" ] || die "logs: this lab has no logs host"
	store=$(logs_store)/all.log
	[ -f "$store" ] || return 0
	if [ -n "$since" ]; then
		[[ $since =~ ^[0-9]+([.][0-9]+)?$ ]] || die "logs: --since takes seconds, not '$since'"
		cut=$(date -u -d "@$(awk -v n="$EPOCHREALTIME" -v s="$since" 'BEGIN { printf "%.6f", n - s }')" \
			+%Y-%m-%dT%H:%M:%S.%6N)
	fi
	# The store's lines: TIME HOST SERVICE ID MESSAGE, in the order they
	# arrived. The first copy of an id stays; then the time order (stable:
	# equal times keep the order of arrival).
	LC_ALL=C awk -v cut="$cut" -v hosts="$hosts" '
		$4 != "-" { k = $2 " " $3 " " $4; if (k in seen) next; seen[k] = 1 }
		cut != "" && $1 < cut { next }
		hosts != " " && index(hosts, " " $2 " ") == 0 { next }
		{ print }' "$store" |
	LC_ALL=C sort -s -k1,1 |
	awk '{ m = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ ?/, "", m); print $1 " " $2 " " $3 ": " m }' |
	if [ -n "$re" ]; then grep -E -- "$re" || [ $? = 1 ]; else cat; fi
}
