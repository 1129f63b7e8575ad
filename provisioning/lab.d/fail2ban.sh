# provisioning/lab.d/fail2ban.sh - fail2ban on the lab's front-ends, sourced
# by provisioning/lab.
#
# Each front-end runs its own fail2ban-server in its namespace, configured
# from the templates the fail2ban role renders on real hosts: a client
# that fails newsd logins (newsd.log) or asks nginx for missing pages
# (nginx-access.log) too often is banned from the web ports in the
# front-end's nftables (table inet f2b-table), for LAB_F2B_BANTIME seconds
# (default 600). Every lab host but the client is never banned.

f2b_vars() { # HOST: the fail2ban role's variables for HOST, as JSON members
	local h=$1 ignore='"127.0.0.1/8","::1"' o
	for o in $(hosts); do [ "$o" = client ] || ignore="$ignore,\"$(addr_of "$o")\",\"$(back_of "$o")\""; done
	printf '"fail2ban_newsd_log":"%s","fail2ban_nginx_log":"%s","fail2ban_ignoreip":[%s],' \
		"$STATE/$h/newsd.log" "$STATE/$h/nginx-access.log" "$ignore"
	printf '"fail2ban_maxretry":%d,"fail2ban_scan_maxretry":%d,"fail2ban_findtime":%d,' \
		"${LAB_F2B_MAXRETRY:-5}" "${LAB_F2B_SCAN_MAXRETRY:-20}" "${LAB_F2B_FINDTIME:-600}"
	printf '"fail2ban_bantime":%d,"fail2ban_ports":"80,443","fail2ban_sshd":false' "${LAB_F2B_BANTIME:-600}"
}

start_fail2ban() {
	local h=$1 d=$STATE/$1/fail2ban
	command -v fail2ban-server >/dev/null || die "fail2ban is not installed (provisioning/deps.sh lab)"
	alive "$h" fail2ban && return 0
	# Debian's actions, filters and paths, with the role's jail and filters.
	rm -rf "$d"
	mkdir -p "$d"
	cp -r /etc/fail2ban/. "$d/"
	rm -f "$d"/jail.d/*
	render fail2ban-jail.local.j2 "$h" "$d/jail.local" "$(f2b_vars "$h")"
	render fail2ban-newsd-login.conf.j2 "$h" "$d/filter.d/newsd-login.conf" "$(f2b_vars "$h")"
	render fail2ban-newsd-scan.conf.j2 "$h" "$d/filter.d/newsd-scan.conf" "$(f2b_vars "$h")"
	cat >"$d/fail2ban.local" <<-CONF
	[Definition]
	logtarget = $STATE/$h/fail2ban.log
	socket = $d/fail2ban.sock
	pidfile = $d/fail2ban.pid
	dbfile = :memory:
	CONF
	# The files it reads must exist before it starts watching them.
	touch "$STATE/$h/newsd.log" "$STATE/$h/nginx-access.log"
	spawn "$h" fail2ban fail2ban-server -f -x -c "$d"
}
