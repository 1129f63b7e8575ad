#!/bin/bash
# 20-cluster-client.sh - the cluster client library (cluster/client.c)
# against a real Redis Cluster: six redis-server processes on 127.0.0.1
# (three masters, three replicas), driven through tests/tools/cluster-probe.
#
# Keys in every slot; a batch of 1000 whose replies come back in order; a
# durable write confirmed by a replica; AUTH with a password and with an
# ACL user, and clear errors for wrong ones; ASK during a hand-made slot
# migration (the map untouched) and MOVED once it completes; timeouts on
# connect and on a call; a master killed with SIGKILL: its node named in
# the errors while it is down, the client working again after its replica
# is promoted, and MOVED from the old master when it returns as a replica.
#
# Redirects only to nodes of the slot map: a fake node (python3, RESP on
# 127.0.0.1) answers MOVED and ASK to an address outside its map, and the
# client refuses them, logs and counts them, and never connects there (a
# listener on that address sees nothing); an ASK to a new master that serves
# no slot yet is followed (it is a member, though not in CLUSTER SLOTS).
# Backoff: with a master stopped (SIGSTOP), 20 calls for its slot fail at
# once but for one or two tries, and they succeed as soon as its replica is
# promoted (CLUSTER FAILOVER FORCE).
#
# Ports: CLUSTER_TEST_PORT .. +5 for the nodes, +6 for a seventh node, +7
# for the fake node, +8 for the listener that must see nothing, +9 for a
# listener that never accepts; the cluster bus uses port + 10000. The
# default is 7101, or
# a base of its own per TEST_NS_TAG (tests/run runs the plain and the
# sanitized suites side by side); a lock per base makes a second run on the
# same ports wait. Nothing but 127.0.0.1 is used; no root needed.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"

if [ -n "${CLUSTER_TEST_PORT:-}" ]; then
	BASE=$CLUSTER_TEST_PORT
elif [ -n "${TEST_NS_TAG:-}" ]; then
	BASE=$((7101 + 30 * ($(printf '%s' "$TEST_NS_TAG" | cksum | cut -d' ' -f1) % 30 + 1)))
else
	BASE=7101
fi
PORTS=$(seq "$BASE" $((BASE + 5)))
BLACKHOLE=$((BASE + 9))
PASS=secret                 # the default user's password
ACL_USER=app ACL_PASS=apppass
T=
PIDS=()                     # every process this script started
declare -A NODE_PID=()      # port -> redis-server PID
declare -A REPL_IN=() REPL_OUT=() REPL_PID=()

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
	for i in $(seq 50); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
	[ -n "$T" ] && rm -rf "$T"
}

for t in redis-server redis-cli perl python3 timeout; do
	command -v $t >/dev/null || skip_all "$t is not installed (apt-get install redis-server redis-tools)"
done

# Two runs on one machine would share the ports: the second waits.
exec {LOCK_FD}>"${TMPDIR:-/tmp}/vipd-cluster-client-$BASE.lock"
flock -w 300 "$LOCK_FD" || echo "# ports $BASE.. still locked by another run after 300 s; going ahead"
EXTRA=$((BASE + 6)) FAKE=$((BASE + 7)) TRAP=$((BASE + 8))
for p in $PORTS $EXTRA $FAKE $TRAP $BLACKHOLE; do
	for q in $p $((p + 10000)); do
		ss -Htln "sport = :$q" 2>/dev/null | grep -q . && skip_all "port $q is in use (set CLUSTER_TEST_PORT)"
	done
done

T=$(mktemp -d "${TMPDIR:-/tmp}/cluster-client.XXXXXX")
trap cleanup EXIT

# The probe: from the build tree when there, else built here.
PROBE=${VIPD_BUILD:-$tree}/tests/tools/cluster-probe
if [ ! -x "$PROBE" ]; then
	PROBE=$T/cluster-probe
	gcc -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$tree/cluster" -I"$tree/lib" -o "$PROBE" \
		"$tree"/cluster/{crc16,slot,backoff,client_batch,client}.c "$tree"/lib/{hostport,log,mono}.c \
		"$tree/tests/tools/cluster-probe.c" -lhiredis >"$T/build.log" 2>&1 || { diag "$(cat "$T/build.log")"; skip_all "cannot build cluster-probe (libhiredis-dev?)"; }
fi
SEEDS=127.0.0.1:$BASE,127.0.0.1:$((BASE + 1))

rcli() { # PORT ARGS...: redis-cli as the default user
	local p=$1; shift
	REDISCLI_AUTH=$PASS timeout 10 redis-cli -p "$p" "$@"
}
probe() { timeout 60 "$PROBE" -a "$PASS" -c 500 -t 1000 "$SEEDS" "$@"; }

# wait_until SECONDS CMD...: poll every 0.1 s.
wait_until() {
	local end=$((SECONDS + $1)); shift
	while ! "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

node_start() { # PORT
	local p=$1 d=$T/n$1
	mkdir -p "$d"
	[ -f "$d/redis.conf" ] || cat >"$d/redis.conf" <<-EOF
	port $p
	bind 127.0.0.1
	dir $d
	daemonize no
	cluster-enabled yes
	cluster-config-file nodes.conf
	cluster-node-timeout 2000
	appendonly yes
	save ""
	requirepass $PASS
	masterauth $PASS
	user $ACL_USER on >$ACL_PASS ~* &* +@all
	EOF
	redis-server "$d/redis.conf" >>"$d/log" 2>&1 &
	NODE_PID[$p]=$!
	PIDS+=($!)
	disown   # no "Killed" notice from bash when the failover test kills it
	wait_until 10 eval "[ \"\$(rcli $p ping 2>/dev/null)\" = PONG ]"
}

node_id() { rcli "$1" cluster myid; }

# The port of the master serving SLOT, as node PORT sees it.
owner_of() { # PORT SLOT
	rcli "$1" cluster nodes | awk -v s="$2" '
		$3 ~ /master/ && $3 !~ /fail/ {
			for (i = 9; i <= NF; i++) {
				if ($i ~ /^\[/) continue
				n = split($i, r, "-"); lo = r[1]; hi = (n > 1) ? r[2] : r[1]
				if (s >= lo && s <= hi) { split($2, a, "[:@]"); print a[2]; exit }
			}
		}'
}
replica_of() { # PORT: the port of a replica of the master at PORT
	local id
	id=$(node_id "$1")
	rcli "$1" cluster nodes | awk -v m="$id" '$3 ~ /slave/ && $4 == m { split($2, a, "[:@]"); print a[2]; exit }'
}
role_of() { rcli "$1" role 2>/dev/null | head -1; }
cluster_ok() { # every node answers and says cluster_state:ok
	local p
	for p in $PORTS; do
		[ -n "${NODE_PID[$p]:-}" ] || continue
		kill -0 "${NODE_PID[$p]}" 2>/dev/null || continue
		rcli "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
	done
}

# A probe session: one client, kept open, reading commands from a FIFO.
# Its exchanges are logged as TAP comments, on stdout even from inside $(...).
exec {TAP_OUT}>&1
repl_start() { # NAME PROBE-ARGS...
	local name=$1 fin fout; shift
	mkfifo "$T/$name.in" "$T/$name.out"
	timeout 300 "$PROBE" "$@" - <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	REPL_PID[$name]=$!
	PIDS+=($!)
	exec {fin}>"$T/$name.in"
	exec {fout}<"$T/$name.out"
	REPL_IN[$name]=$fin REPL_OUT[$name]=$fout
}
repl() { # NAME COMMAND...: prints the probe's one-line answer
	local line
	# In a subshell: should the probe be gone, SIGPIPE ends only that.
	( echo "${*:2}" >&"${REPL_IN[$1]}" ) 2>/dev/null
	IFS= read -r -t 60 line <&"${REPL_OUT[$1]}" || line="fail no answer ($(cat "$T/$1.err"))"
	diag "$1: ${*:2} -> $line" >&"$TAP_OUT"
	echo "$line"
}
stat_of() { # NAME FIELD: one counter of the session's stats
	repl "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# --- the cluster
for p in $PORTS; do
	node_start "$p" || { diag "$(cat "$T/n$p/log")"; bail_out "redis-server on $p starts"; }
done
addrs=$(for p in $PORTS; do printf '127.0.0.1:%s ' "$p"; done)
ok "redis-cli --cluster create: 3 masters, 3 replicas" eval \
	"REDISCLI_AUTH=$PASS timeout 60 redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes >$T/create.log 2>&1"
ok "the cluster is up on every node" wait_until 30 cluster_ok
replicas_synced() {
	local p n=0
	for p in $PORTS; do
		rcli "$p" info replication | grep -q '^master_link_status:up' && n=$((n + 1))
	done
	[ $n = 3 ]
}
ok "the three replicas are in sync with their masters" wait_until 30 replicas_synced

# --- keys, batches, durable writes, AUTH
out=$(probe allslots s 2>&1)
is "$out" "ok allslots 16384" "SET and GET of one key in each of the 16384 slots ($out)"
out=$(probe batch b 1000 2>&1)
is "$out" "ok batch 1000" "a batch of 1000 SETs and 1000 GETs: every reply in order ($out)"
out=$(probe durable dkey dval 1 1000 2>&1)
is "$out" "ok acked=1 reply=status:OK" "durable write with replicas up: acked=1 ($out)"
out=$(timeout 60 "$PROBE" -u "$ACL_USER" -a "$ACL_PASS" "$SEEDS" get dkey 2>&1)
is "$out" "ok string:dval" "ACL user + password: the write is read back ($out)"

out=$(timeout 60 "$PROBE" -a wrong "$SEEDS" get dkey 2>&1); rc=$?
like "exit $rc: $out" "exit 2: open: 127.0.0.1:*: AUTH failed: WRONGPASS *" \
	"a wrong password: cluster_open fails, naming the node and WRONGPASS ($out)"
out=$(timeout 60 "$PROBE" -u "$ACL_USER" -a wrong "$SEEDS" get dkey 2>&1); rc=$?
like "exit $rc: $out" "exit 2: open: 127.0.0.1:*: AUTH as app failed: WRONGPASS *" \
	"a wrong ACL password: the user and the node named ($out)"
out=$(timeout 60 "$PROBE" "$SEEDS" get dkey 2>&1); rc=$?
like "exit $rc: $out" "exit 2: open: 127.0.0.1:*: CLUSTER SLOTS: NOAUTH *" \
	"no password: NOAUTH, naming the node ($out)"

# --- timeouts
perl -MSocket -MFcntl -e '
	my ($port) = @ARGV;
	socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
	setsockopt($s, SOL_SOCKET, SO_REUSEADDR, 1);
	bind($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "bind: $!";
	listen($s, 0) or die "listen: $!";
	# A full accept queue: further connects get no answer at all.
	my @held;
	for (1 .. 3) {
		socket(my $c, PF_INET, SOCK_STREAM, 0) or die;
		fcntl($c, F_SETFL, O_NONBLOCK);
		connect($c, pack_sockaddr_in($port, inet_aton("127.0.0.1")));
		push @held, $c;
	}
	sleep 120;' "$BLACKHOLE" &
PIDS+=($!)
disown
sleep 0.3
t0=$(date +%s%N)
out=$(timeout 30 "$PROBE" -a "$PASS" -c 300 "127.0.0.1:$BLACKHOLE" get x 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
ok "connect timeout: a node that never answers is given up after 300 ms ($out; $ms ms)" eval \
	'[ "$out" = "open: 127.0.0.1:$BLACKHOLE: connect: timeout after 300 ms" ] && [ $ms -lt 2000 ]'

repl_start tm -a "$PASS" -c 300 -t 300 "$SEEDS"
slot=$(rcli "$BASE" cluster keyslot tkey)
tport=$(owner_of "$BASE" "$slot")
out=$(repl tm set tkey 1)
is "$out" "ok status:OK" "timeout session: a write to 127.0.0.1:$tport"
kill -STOP "${NODE_PID[$tport]}"
t0=$(date +%s%N)
out=$(repl tm get tkey)
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "${NODE_PID[$tport]}"
ok "command timeout: a stopped master is given up after 300 ms and named ($out; $ms ms)" eval \
	'[[ $out == "fail 127.0.0.1:$tport: "*"timeout after 300 ms"* ]] && [ $ms -lt 2000 ]'
# The timeout put the node down for 100 ms: the next call may find it so.
ok "the same client works again once the master runs (after its backoff)" \
	wait_until 5 eval '[ "$(repl tm get tkey)" = "ok string:1" ]'

# --- ASK: migrate one key of a slot by hand, read it through the client
repl_start ask -a "$PASS" "$SEEDS"
slot=$(rcli "$BASE" cluster keyslot '{mig}')
src=$(owner_of "$BASE" "$slot")
for p in $PORTS; do
	[ "$p" != "$src" ] && [ "$(role_of "$p")" = master ] && { dst=$p; break; }
done
start_migration() {
	[ "$(rcli "$dst" cluster setslot "$slot" importing "$(node_id "$src")")" = OK ] &&
	[ "$(rcli "$src" cluster setslot "$slot" migrating "$(node_id "$dst")")" = OK ] &&
	[ "$(rcli "$src" migrate 127.0.0.1 "$dst" "" 0 5000 AUTH "$PASS" KEYS '{mig}moving')" = OK ]
}
finish_migration() {
	local p
	[ "$(rcli "$src" migrate 127.0.0.1 "$dst" "" 0 5000 AUTH "$PASS" KEYS '{mig}staying')" = OK ] || return 1
	for p in $PORTS; do
		[ "$(role_of "$p")" = master ] || continue
		[ "$(rcli "$p" cluster setslot "$slot" node "$(node_id "$dst")")" = OK ] || return 1
	done
}
all_see_owner() { # SLOT PORT
	local p
	for p in $PORTS; do [ "$(owner_of "$p" "$1")" = "$2" ] || return 1; done
}
out=$(repl ask set '{mig}moving' m1)$(repl ask set '{mig}staying' s1)
is "$out" "ok status:OKok status:OK" "two keys of slot $slot on 127.0.0.1:$src"
ok "slot $slot: IMPORTING on $dst, MIGRATING on $src, MIGRATE of one key" start_migration
out=$(repl ask get '{mig}moving')
is "$out" "ok string:m1" "ASK: the migrated key is read from 127.0.0.1:$dst ($out)"
is "ask=$(stat_of ask ask) moved=$(stat_of ask moved)" "ask=1 moved=0" "ASK followed once, no MOVED"
out=$(repl ask get '{mig}staying')
is "$out; ask=$(stat_of ask ask)" "ok string:s1; ask=1" \
	"the key not migrated is still read from 127.0.0.1:$src without a redirect ($out)"
out=$(repl ask get '{mig}moving')
is "$out; ask=$(stat_of ask ask) moved=$(stat_of ask moved)" "ok string:m1; ask=2 moved=0" \
	"ASK left the slot map alone: the next read asks $src first again ($out)"
ok "migration completed: the other key moved, slot $slot assigned to $dst" finish_migration
ok "every node agrees that $dst serves slot $slot" wait_until 10 all_see_owner "$slot" "$dst"
out=$(repl ask get '{mig}staying')
is "$out; moved=$(stat_of ask moved)" "ok string:s1; moved=1" \
	"MOVED after the migration: followed, map updated ($out)"
out=$(repl ask get '{mig}moving')
is "$out; moved=$(stat_of ask moved) ask=$(stat_of ask ask)" "ok string:m1; moved=1 ask=2" \
	"the next read goes straight to $dst ($out)"

# --- failover: SIGKILL a master
repl_start fo -a "$PASS" -c 500 -t 500 "$SEEDS"   # busy while the master is down
repl_start idle -a "$PASS" "$SEEDS"                # keeps its map from before
slot=$(rcli "$BASE" cluster keyslot fkey)
victim=$(owner_of "$BASE" "$slot")
heir=$(replica_of "$victim")
for k in $(seq -f 'other%g' 1 50); do
	[ "$(owner_of "$BASE" "$(rcli "$BASE" cluster keyslot "$k")")" != "$victim" ] && { other=$k; break; }
done
out=$(repl fo durable fkey before 1 2000)
is "$out" "ok acked=1 reply=status:OK" \
	"fkey (slot $slot) on master 127.0.0.1:$victim, confirmed by its replica $heir ($out)"
out=$(repl idle get fkey)
is "$out" "ok string:before" "a second client reads it ($out)"
kill -KILL "${NODE_PID[$victim]}"
wait_until 5 eval '! kill -0 "${NODE_PID[$victim]}" 2>/dev/null'
out=$(repl fo get fkey)
like "$out" "fail 127.0.0.1:$victim: connect: *" "master down: the error names 127.0.0.1:$victim ($out)"
out=$(repl fo get "$other")
like "$out" "ok *" "a key of another master still gets an answer (a value or CLUSTERDOWN): $out"
ok "the replica 127.0.0.1:$heir is promoted" wait_until 30 eval '[ "$(role_of "$heir")" = master ]'
ok "the client reads fkey again after a refresh" wait_until 15 eval '[ "$(repl fo get fkey)" = "ok string:before" ]'
out=$(repl fo allslots s)
is "$out" "ok allslots 16384" "the same client reaches all 16384 slots after the failover ($out)"
out=$(repl fo batch b2 1000)
is "$out" "ok batch 1000" "and runs a batch of 1000 in order ($out)"
out=$(repl fo durable fkey after 1 300)
is "$out" "ok acked=0 reply=status:OK note=127.0.0.1:$heir: WAIT: 0 of 1 replicas confirmed within 300 ms" \
	"durable write on a master without a replica: acked=0 and why ($out)"
ok "the failures were counted and the map reloaded" eval \
	'[ "$(stat_of fo node_failures)" -ge 1 ] && [ "$(stat_of fo refreshes)" -ge 2 ]'

# The old master comes back as a replica of the new one; a client whose map
# predates the failover is redirected by it.
ok "the old master restarts" node_start "$victim"
ok "the old master rejoins as a replica" wait_until 30 eval '[ "$(role_of "$victim")" = slave ]'
out=$(repl idle get fkey)
ok "a client with the old map: MOVED from 127.0.0.1:$victim, followed ($out)" eval \
	'[ "$out" = "ok string:after" ] && [ "$(stat_of idle moved)" -ge 1 ]'
ok "the new replica is in sync" wait_until 30 eval \
	'rcli "$victim" info replication | grep -q "^master_link_status:up"'
out=$(repl fo durable fkey again 1 1000)
is "$out" "ok acked=1 reply=status:OK" "durable write once the replica is back: acked=1 ($out)"

# --- redirects only to nodes of the slot map
# A fake node: the whole slot map is itself; GET answers MOVED (ASK for keys
# starting with "ask") to $TRAP, which no map names. The trap logs every
# connection and every byte sent to it; it must log nothing.
cat >"$T/fake-node.py" <<'EOF'
import socket, sys, threading

mode, port, peer, logpath = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
NODE_ID = b"f" * 40
lock = threading.Lock()

def note(line):
    with lock, open(logpath, "ab") as f:
        f.write(line + b"\n")

def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc

def key_slot(key):
    start = key.find(b"{")
    if start >= 0:
        end = key.find(b"}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16(key) % 16384

def bulk(s):
    return b"$%d\r\n%s\r\n" % (len(s), s)

def read_command(f):
    line = f.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.split()
    args = []
    for _ in range(int(line[1:])):
        size = int(f.readline()[1:])
        args.append(f.read(size + 2)[:-2])
    return args

def answer(args):
    words = [a.upper() for a in args[:2]]
    if words[0] == b"AUTH":
        return b"+OK\r\n"
    if words == [b"CLUSTER", b"SLOTS"]:
        return (b"*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n" + bulk(b"127.0.0.1") +
                b":%d\r\n" % port + bulk(NODE_ID))
    if words == [b"CLUSTER", b"NODES"]:
        return bulk(NODE_ID + b" 127.0.0.1:%d@%d myself,master - 0 0 1 connected 0-16383\n"
                    % (port, port + 10000))
    if words[0] == b"GET" and len(args) == 2:
        kind = b"ASK" if args[1].startswith(b"ask") else b"MOVED"
        return b"-%s %d 127.0.0.1:%d\r\n" % (kind, key_slot(args[1]), peer)
    if words[0] == b"PING":
        return b"+PONG\r\n"
    return b"-ERR unknown command\r\n"

def serve(conn):
    f = conn.makefile("rb")
    while True:
        args = read_command(f)
        if not args:
            break
        note(b" ".join(args))
        conn.sendall(answer(args))
    conn.close()

def trap(conn, addr):
    note(b"connection from %s:%d" % (addr[0].encode(), addr[1]))
    while True:
        data = conn.recv(4096)
        if not data:
            break
        note(b"received " + data)
    conn.close()

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    conn, addr = s.accept()
    target, args = (serve, (conn,)) if mode == "node" else (trap, (conn, addr))
    threading.Thread(target=target, args=args, daemon=True).start()
EOF
: >"$T/fake.log"; : >"$T/trap.log"
python3 "$T/fake-node.py" node "$FAKE" "$TRAP" "$T/fake.log" 2>"$T/fake.err" &
PIDS+=($!)
python3 "$T/fake-node.py" trap "$TRAP" 0 "$T/trap.log" 2>"$T/trap.err" &
PIDS+=($!)
listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
ok "the fake node and the trap listen on 127.0.0.1:$FAKE and :$TRAP" \
	wait_until 10 eval 'listening "$FAKE" && listening "$TRAP"'

FAKE_PASS=fake-node-password
repl_start fk -a "$FAKE_PASS" -c 500 -t 500 "127.0.0.1:$FAKE"
mslot=$(rcli "$BASE" cluster keyslot hijack)
aslot=$(rcli "$BASE" cluster keyslot askhijack)
out=$(repl fk get hijack)
is "$out" "fail 127.0.0.1:$FAKE: MOVED $mslot to 127.0.0.1:$TRAP refused: not a node of the cluster's slot map" \
	"MOVED to an address outside the map: refused, naming the sender and the address"
out=$(repl fk get askhijack)
is "$out" "fail 127.0.0.1:$FAKE: ASK $aslot to 127.0.0.1:$TRAP refused: not a node of the cluster's slot map" \
	"ASK to an address outside the map: refused the same way"
ok "the map was reloaded with the member list before refusing (CLUSTER NODES asked)" \
	grep -qx 'CLUSTER NODES' "$T/fake.log"
ok "the client did AUTH to the fake node it was given as a seed" \
	grep -qx "AUTH $FAKE_PASS" "$T/fake.log"
is "refused=$(stat_of fk redirects_refused) moved=$(stat_of fk moved) ask=$(stat_of fk ask) connects=$(stat_of fk connects)" \
	"refused=2 moved=0 ask=0 connects=1" "counted as refused, not as followed; one connection only"
sleep 0.3   # time for a connection the client should not have made to show
is "$(wc -c <"$T/trap.log")" "0" "the trap saw no connection, no AUTH, not a byte"
ok "the refusal is logged, naming the address" \
	grep -q "^cluster-probe: redis cluster: 127.0.0.1:$FAKE: MOVED $mslot to 127.0.0.1:$TRAP refused" "$T/fk.err"
# The check above is only worth something if the trap would have seen it.
( exec 3<>"/dev/tcp/127.0.0.1/$TRAP" && echo PING >&3 && sleep 0.2 ) 2>/dev/null
ok "the trap does log a connection made to it" wait_until 5 grep -q '^received PING' "$T/trap.log"

# A new master with no slot: CLUSTER SLOTS does not list it, CLUSTER NODES
# does. ASK to it while a slot migrates there is followed; MOVED once the
# slot is its own, too.
repl_start nm -a "$PASS" "$SEEDS"                  # its map predates the new node
node_start "$EXTRA" || bail_out "redis-server on $EXTRA starts"
rcli "$BASE" cluster meet 127.0.0.1 "$EXTRA" >/dev/null
everyone_knows_extra() {
	local p
	for p in $PORTS; do
		[ -n "${NODE_PID[$p]:-}" ] && kill -0 "${NODE_PID[$p]}" 2>/dev/null || continue
		rcli "$p" cluster nodes | grep -q "127.0.0.1:$EXTRA@.* master - .* connected" || return 1
	done
	# ... and it knows every one of them and serves (MIGRATE needs that).
	[ "$(rcli "$EXTRA" cluster nodes | grep -v handshake | grep -c ' connected')" = 7 ] &&
	rcli "$EXTRA" cluster info | grep -q '^cluster_state:ok'
}
ok "the new master 127.0.0.1:$EXTRA has joined (no slot)" wait_until 30 everyone_knows_extra
nslot=$(rcli "$BASE" cluster keyslot '{grow}')
nsrc=$(owner_of "$BASE" "$nslot")
out=$(repl nm set '{grow}a' ga)$(repl nm set '{grow}b' gb)
is "$out" "ok status:OKok status:OK" "two keys of slot $nslot on 127.0.0.1:$nsrc"
start_growth() {
	local out
	out=$(rcli "$EXTRA" cluster setslot "$nslot" importing "$(node_id "$nsrc")")
	[ "$out" = OK ] || { diag "setslot importing on $EXTRA: $out"; return 1; }
	out=$(rcli "$nsrc" cluster setslot "$nslot" migrating "$(node_id "$EXTRA")")
	[ "$out" = OK ] || { diag "setslot migrating on $nsrc: $out"; return 1; }
	out=$(rcli "$nsrc" migrate 127.0.0.1 "$EXTRA" "" 0 5000 AUTH "$PASS" KEYS '{grow}a')
	[ "$out" = OK ] || { diag "migrate on $nsrc: $out"; return 1; }
}
ok "slot $nslot: IMPORTING on $EXTRA, MIGRATING on $nsrc, MIGRATE of one key" start_growth
out=$(repl nm get '{grow}a')
is "$out; ask=$(stat_of nm ask) refused=$(stat_of nm redirects_refused)" "ok string:ga; ask=1 refused=0" \
	"ASK to the new master, a member without slots: followed ($out)"
finish_growth() {
	local p out keys
	# Every key of the slot: other sections left some there too.
	keys=$(rcli "$nsrc" cluster getkeysinslot "$nslot" 1000)
	# shellcheck disable=SC2086 # one argument per key
	out=$(rcli "$nsrc" migrate 127.0.0.1 "$EXTRA" "" 0 5000 AUTH "$PASS" KEYS $keys)
	[ "$out" = OK ] || { diag "migrate on $nsrc: $out"; return 1; }
	for p in $PORTS $EXTRA; do
		[ -n "${NODE_PID[$p]:-}" ] && kill -0 "${NODE_PID[$p]}" 2>/dev/null || continue
		[ "$(role_of "$p")" = master ] || continue
		out=$(rcli "$p" cluster setslot "$nslot" node "$(node_id "$EXTRA")")
		[ "$out" = OK ] || { diag "setslot node on $p: $out"; return 1; }
	done
}
ok "migration completed: slot $nslot assigned to $EXTRA" finish_growth
ok "every node agrees that $EXTRA serves slot $nslot" wait_until 10 all_see_owner "$nslot" "$EXTRA"
out=$(repl nm get '{grow}b')
is "$out; moved=$(stat_of nm moved) refused=$(stat_of nm redirects_refused)" "ok string:gb; moved=1 refused=0" \
	"MOVED to the new master after the reshard: followed ($out)"

# --- backoff: a stopped master costs one timeout, not one per call
repl_start bo -a "$PASS" -c 1000 -t 1000 "$SEEDS"
slot=$(rcli "$BASE" cluster keyslot bkey)
bvictim=$(owner_of "$BASE" "$slot")
bheir=$(replica_of "$bvictim")
out=$(repl bo durable bkey bval 1 2000)
is "$out" "ok acked=1 reply=status:OK" "bkey (slot $slot) on 127.0.0.1:$bvictim, confirmed by its replica $bheir"
kill -STOP "${NODE_PID[$bvictim]}"
out=$(repl bo timed 20 bkey 500)
field() { sed -n "s/.* $1=\([0-9]*\) .*/\1/p" <<<"$2"; }
n_failed=$(field failed "$out") n_down=$(field down "$out") n_slow=$(field slow "$out")
total=$(field total_ms "$out")
# Without backoff each call would wait its 1000 ms timeout: 20 s in all.
# With it, the first call does, and at most one trial 100 ms later.
ok "20 calls to the stopped master: all fail, at most 2 wait for the timeout, $total ms in all" eval \
	'[ "$n_failed" = 20 ] && [ "$n_down" -ge 18 ] && [ "$n_slow" -le 2 ] && [ "$total" -lt 3000 ]'
like "$out" "* last=127.0.0.1:$bvictim: node down, next try in * ms (* in a row; last: *timeout after 1000 ms)" \
	"a call during the backoff says the node is down, when it is tried next and why"
ok "the replica 127.0.0.1:$bheir takes over (CLUSTER FAILOVER FORCE)" eval \
	'[ "$(rcli "$bheir" cluster failover force)" = OK ] && wait_until 30 eval "[ \"\$(role_of $bheir)\" = master ]"'
# The client reloads its map at most every 200 ms; the other masters hear of
# the promotion within moments.
sleep 0.3
out=$(repl bo timed 1 bkey 500)
like "$out" "ok timed n=1 replies=1 failed=0 down=0 slow=0 *" \
	"the first call after the promotion goes to the new master at once, not to the old one ($out)"
out=$(repl bo timed 5 bkey 500)
like "$out" "ok timed n=5 replies=5 failed=0 down=0 slow=0 *" "and keep succeeding without delay ($out)"
kill -CONT "${NODE_PID[$bvictim]}"
ok "the stopped master, resumed, becomes a replica" wait_until 30 eval '[ "$(role_of "$bvictim")" = slave ]'
out=$(repl bo get bkey)
is "$out" "ok string:bval" "the client still reads bkey ($out)"

# Every process started after a session inherited its FIFO: say quit.
for name in "${!REPL_IN[@]}"; do ( echo quit >&"${REPL_IN[$name]}" ) 2>/dev/null; done
for name in "${!REPL_PID[@]}"; do
	wait "${REPL_PID[$name]}"; rc=$?
	ok "probe session $name ended cleanly (exit $rc: no crash, no sanitizer report)" [ "$rc" -le 1 ]
done
tap_done
