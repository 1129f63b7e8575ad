#!/bin/bash
# 05-vipctl.sh - operator verbs: giveup moves the VIP away and keeps it
# away (also across a vipd restart) until resume; giveup --for expires by
# itself; takeover makes a backup master; errors give a message and a
# non-zero exit.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib/tap.sh"
. "$here/../lib/netns.sh"
. "$here/../lib/vipd.sh"
vipd_need
lab_up i05 10.99.15 2

VIP=10.99.15.200
{ conf_header r1; conf_vip 200 200 150 "$VIP/24"; } >"$TOPO_DIR/r1.conf"
{ conf_header r2; conf_vip 200 200 100 "$VIP/24"; } >"$TOPO_DIR/r2.conf"
ok "r1: vipd starts" vipd_start r1
ok "r2: vipd starts" vipd_start r2
ok_st "r1 (150) is master" wait_until 10 eval 'only_master r1 200 && is_state r2 200 backup'

r1_holds() { only_master r1 200 && only_holder r1 $VIP; }
r2_holds() { only_master r2 200 && only_holder r2 $VIP; }

# giveup / resume
ok "vipctl giveup 200 on the master exits 0" vctl r1 giveup 200
ok_st "r2 takes the VIP" wait_until 5 r2_holds
ok_st "r1 stays backup, the VIP stays on r2 for 8 s" steady_window 8 eval 'r2_holds && is_state r1 200 backup'
ok "vipctl resume 200 exits 0" vctl r1 resume 200
ok_st "r1 takes the VIP back after resume" wait_until 8 r1_holds

# takeover / resume on a backup
ok "vipctl takeover 200 on the backup exits 0" vctl r2 takeover 200
ok_st "r2 (100) is master after takeover" wait_until 3 r2_holds
ok_st "r1 is backup, r2 stays master for 5 s" steady_window 5 eval 'r2_holds && is_state r1 200 backup'
ok "client reaches the VIP" wait_until 5 client_ping $VIP
ok "vipctl resume 200 on r2 exits 0" vctl r2 resume 200
ok_st "r1 preempts again after r2's resume" wait_until 8 r1_holds

# giveup --for: the VIP comes back by itself.
t0=$(date +%s%N)
ok "vipctl giveup 200 --for 4 exits 0" vctl r1 giveup 200 --for 4
ok_st "r2 takes the VIP" wait_until 4 r2_holds
ok_st "r1 takes the VIP back by itself once the 4 s are over" wait_until 12 r1_holds
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "$ms -ge 3500" "...and not before (${ms} ms)"

# giveup survives a restart of vipd.
ok "vipctl giveup 200 exits 0" vctl r1 giveup 200
ok_st "r2 takes the VIP" wait_until 5 r2_holds
vipd_term_check r1
ok "r1: vipd restarts" vipd_start r1
ok_st "restarted r1 is backup" wait_until 8 is_state r1 200 backup
ok_st "restarted r1 does not take the VIP back (8 s)" steady_window 8 eval 'r2_holds && is_state r1 200 backup'
ok "vipctl resume 200 exits 0" vctl r1 resume 200
ok_st "r1 takes the VIP back after resume" wait_until 8 r1_holds
# ...and resume is remembered too: another restart preempts as usual.
vipd_term_check r1
ok "r1: vipd restarts" vipd_start r1
ok_st "restarted r1 preempts (resume was remembered)" wait_until 10 r1_holds

# giveup with nobody to take over: the VIP must not be left unserved.
vipd_term_check r2
ok "vipctl giveup 200 with no backup running exits 0" vctl r1 giveup 200
ok_st "r1 serves the VIP again within Master_Down_Interval rather than leave it unserved" \
	wait_until 6 eval 'is_state r1 200 master && has_addr r1 $VIP'
ok "client reaches the VIP" wait_until 5 client_ping $VIP
ok "vipctl resume 200 exits 0" vctl r1 resume 200
ok "r2: vipd starts again" vipd_start r2
ok_st "r1 master, r2 backup" wait_until 8 eval 'r1_holds && is_state r2 200 backup'

# Errors: a message and a non-zero exit.
err_case() { # DESC WORD CMD...: non-zero exit, output that mentions WORD
	local desc=$1 word=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	if [ $rc -ne 0 ] && [ -n "$out" ] && { [ -z "$word" ] || grep -qF -- "$word" <<<"$out"; }; then
		tap_ok "$desc (exit $rc: $(head -n1 <<<"$out"))"
	else
		tap_fail "$desc (exit $rc, output: '$(head -n3 <<<"$out" | tr '\n' '|')')"
	fi
}
err_case "giveup of an unknown name fails and names it" nosuch vctl r1 giveup nosuch
err_case "resume of an unknown name fails and names it" nosuch vctl r1 resume nosuch
err_case "takeover of an unknown name fails and names it" nosuch vctl r1 takeover nosuch
err_case "an unknown verb fails and names it" frobnicate vctl r1 frobnicate
err_case "giveup without a name fails" "" vctl r1 giveup
err_case "giveup --for with a bad number fails" "" vctl r1 giveup 200 --for soon
err_case "vipctl without a verb fails" "" vctl r1
err_case "no daemon on the socket: fails" "" "$VIPCTL" -s "$TOPO_DIR/nobody.sock" status
err_case "no daemon on \$VIPD_SOCKET: fails" "" env VIPD_SOCKET="$TOPO_DIR/nobody.sock" "$VIPCTL" status
ok "the failed commands changed nothing" eval 'r1_holds && is_state r2 200 backup'

# Where the socket comes from.
eq "\$VIPD_SOCKET selects the daemon" \
	"$(VIPD_SOCKET=$TOPO_DIR/r2.sock "$VIPCTL" status --json | jq -r '.instances[0].state')" backup
out=$(vctl r1 status 2>&1); rc=$?
check "$rc -eq 0" "vipctl status (text) exits 0"
ok "vipctl status (text) names the instance and its state" eval 'grep -q 200 <<<"$out" && grep -qi master <<<"$out"'
lab_finish
