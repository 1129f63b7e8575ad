#!/bin/bash
# 42-packages.sh - the Debian packages, built and inspected, never installed:
#   - debian/control's Build-Depends name every -dev package configure.ac
#     asks for (and provisioning/deps.sh builds with), and the changelog's
#     version is configure.ac's;
#   - dpkg-buildpackage -b -us -uc, run in a copy of the tree (the files git
#     knows or would add, so no build outputs), builds vipd, clusterctl and
#     newsd, and lintian --fail-on error passes on them;
#   - each package holds its programs, units, man pages and files at the
#     Debian paths, and nothing in /usr/local;
#   - every unit starts programs that its package ships (or, for the
#     redis-cluster@ template, redis-server), waits for its configuration
#     (ConditionPathExists), and no placeholder is left in it;
#   - the nginx site is a conffile, its placeholders filled with the paths
#     the package uses: the static files it ships, newsd's socket directory;
#   - the maintainer scripts: vipd's creates its user, says why it did not
#     start on a host without /etc/vipd/vipd.conf, is restarted (not stopped)
#     on upgrade and removes its user and state on purge;
#   - make install (DESTDIR) from the tested build writes units that start
#     the programs it installed.
# Installing a package would create users and units on this host, so no
# package is installed here.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
. "$here/../lib/tap.sh"
default_suite_only

BUILD=${VIPD_BUILD:-$tree}

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
for t in dpkg-buildpackage dpkg-deb dpkg-checkbuilddeps dh lintian git tar; do
	command -v "$t" >/dev/null ||
		skip_all "$t is not installed (provisioning/deps.sh package installs the packaging tools)"
done
git -C "$tree" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip_all "$tree is not a git work tree: the files to package are the ones git knows"

dir=$(mktemp -d "${TMPDIR:-/tmp}/packages.XXXXXX") || exit 1
cleanup() {
	[ "$TAP_FAILED" = 0 ] || [ ! -s "$dir/notes" ] || sed 's/^/# /' "$dir/notes"
	rm -rf "$dir"
}
trap cleanup EXIT
note() { echo "$*" >>"$dir/notes"; }

# ---- the source: dependencies and version --------------------------------

# Build-Depends, one package name a line.
build_depends() {
	sed -n '/^Build-Depends:/,/^[A-Z]/p' "$tree/debian/control" | sed 's/^Build-Depends://; /^[A-Z]/d' |
		tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep -v '^$' | sort -u
}
wanted=$( { grep -o 'lib[a-z0-9.+-]*-dev' "$tree/configure.ac"
	sed -n '/^BUILD="/,/"$/p' "$tree/provisioning/deps.sh" | grep -o 'lib[a-z0-9.+-]*-dev'; } | sort -u)
missing=$(comm -23 <(echo "$wanted") <(build_depends) | tr '\n' ' ')
is "$missing" "" "Build-Depends name every -dev package configure.ac and deps.sh's BUILD name"
ac_version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$tree/configure.ac")
deb_version=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$tree/debian/changelog")
is "${deb_version%-*}" "$ac_version" "debian/changelog's upstream version is configure.ac's ($ac_version)"

(cd "$tree" && dpkg-checkbuilddeps) >"$dir/builddeps.log" 2>&1 ||
	{ note "$(cat "$dir/builddeps.log")"; bail_out "Build-Depends are installed (provisioning/deps.sh build)"; }

# ---- the build, in a copy ---------------------------------------------------

mkdir -p "$dir/src"
# The files git knows (less those deleted in the work tree) and those it
# would add: the tree as it would be committed, with no build outputs.
(cd "$tree" && git ls-files -co --exclude-standard -z |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -xf - -C "$dir/src" ||
	bail_out "the tree is copied for the build"
start=$SECONDS
ok "dpkg-buildpackage -b -us -uc builds (in a copy of the tree)" eval \
	'(cd "$dir/src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") >"$dir/build.log" 2>&1 ||
	 { tail -40 "$dir/build.log" >>"$dir/notes"; false; }'
diag "package build: $((SECONDS - start)) s"
ok "...and runs the unit tests" grep -q '^unit test tests/unit/test_fsm' "$dir/build.log"

declare -A DEB
for p in vipd clusterctl newsd; do
	DEB[$p]=$(ls "$dir"/"${p}"_*.deb 2>/dev/null | head -1)
	ok "the package $p is built" test -n "${DEB[$p]}"
done
changes=$(ls "$dir"/*.changes 2>/dev/null | head -1)
[ -n "${DEB[vipd]}" ] && [ -n "${DEB[clusterctl]}" ] && [ -n "${DEB[newsd]}" ] && [ -n "$changes" ] ||
	bail_out "three packages and a .changes file to inspect"

lintian -i --fail-on error "$changes" >"$dir/lintian.log" 2>&1
rc=$?
check "$rc -eq 0" "lintian --fail-on error passes on the three packages"
[ "$rc" = 0 ] || note "$(grep -E '^E:' "$dir/lintian.log")"
for p in vipd clusterctl newsd; do
	diag "lintian $p: $(grep -c "^E: $p[: ]" "$dir/lintian.log") errors, $(grep -c "^W: $p[: ]" "$dir/lintian.log") warnings"
done

mkdir -p "$dir/root" "$dir/control"
for p in vipd clusterctl newsd; do
	dpkg-deb -x "${DEB[$p]}" "$dir/root/$p"
	dpkg-deb -e "${DEB[$p]}" "$dir/control/$p"
	dpkg-deb -c "${DEB[$p]}" | awk '{print $6}' | sed 's|^\./|/|' >"$dir/$p.files"
done
field() { dpkg-deb -f "${DEB[$1]}" "$2"; }

# ---- contents ------------------------------------------------------------------

has_files() { # PACKAGE PATH...
	local p=$1 f miss=
	shift
	for f in "$@"; do grep -qxF "$f" "$dir/$p.files" || miss="$miss $f"; done
	[ -z "$miss" ] || { note "$p lacks:$miss"; return 1; }
}
ok "vipd holds vipd and vipctl in /usr/sbin, its unit, man pages and example" has_files vipd \
	/usr/sbin/vipd /usr/sbin/vipctl /lib/systemd/system/vipd.service /lib/systemd/system/vipd-handover.service \
	/usr/share/man/man8/vipd.8.gz /usr/share/man/man8/vipctl.8.gz /usr/share/man/man5/vipd.conf.5.gz \
	/usr/share/doc/vipd/examples/vipd.conf.example /usr/share/doc/vipd/copyright
ok "clusterctl holds clusterctl, the watch unit, the redis-cluster@ template, its man page" has_files clusterctl \
	/usr/sbin/clusterctl /lib/systemd/system/clusterctl-watch.service \
	/lib/systemd/system/redis-cluster@.service /usr/share/man/man8/clusterctl.8.gz
ok "newsd holds newsd, its unit, man pages, example, the nginx site and the static files" has_files newsd \
	/usr/sbin/newsd /lib/systemd/system/newsd.service \
	/usr/share/man/man8/newsd.8.gz /usr/share/man/man5/newsd.conf.5.gz \
	/usr/share/doc/newsd/examples/newsd.conf.example /etc/nginx/sites-available/newsd \
	/usr/share/newsd/static/css/style.css /usr/share/newsd/static/js/app.js \
	/usr/share/newsd/static/favicon.ico /usr/share/newsd/static/robots.txt /usr/share/newsd/static/50x.html
ok "newsd starts nginx and newsd before vipd-handover (stopped after it: the VIPs move first)" eval \
	'grep -qx "Before=vipd-handover.service" "$dir/root/newsd/lib/systemd/system/nginx.service.d/newsd.conf" &&
	 grep -qx "Before=vipd-handover.service" "$dir/root/newsd/lib/systemd/system/newsd.service"'
ok "vipd.service wants vipd-handover, which is part of it and ordered after it" eval \
	'grep -qx "Wants=vipd-handover.service" "$dir/root/vipd/lib/systemd/system/vipd.service" &&
	 grep -qx "PartOf=vipd.service" "$dir/root/vipd/lib/systemd/system/vipd-handover.service" &&
	 grep -qx "After=vipd.service" "$dir/root/vipd/lib/systemd/system/vipd-handover.service"'
is "$(cat "$dir"/*.files | grep -c '^/usr/local')" 0 "no package has anything in /usr/local"
programs_run() { # PACKAGE
	local b n=0
	for b in $(grep '^/usr/s\?bin/.' "$dir/$1.files"); do
		n=$((n + 1))
		"$dir/root/$1$b" -V >/dev/null 2>&1 || "$dir/root/$1$b" --help >/dev/null 2>&1 ||
			{ note "$1: $b -V and --help both fail"; return 1; }
	done
	[ "$n" -gt 0 ]
}
for p in vipd clusterctl newsd; do
	ok "$p's programs run (-V or --help)" programs_run "$p"
done
has "$(field vipd Depends)" adduser "vipd depends on adduser (its postinst creates the user)"

# ---- units ---------------------------------------------------------------------

# exec_paths UNIT: the program of every Exec*= line, without systemd's
# prefixes (- @ : + !).
exec_paths() {
	sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$1" | sort -u
}
check_unit() { # PACKAGE UNIT CONDITION-PATH
	local p=$1 u=$dir/root/$1/lib/systemd/system/$2 b bad=
	[ -f "$u" ] || { note "$p: no $2"; return 1; }
	for b in $(exec_paths "$u"); do
		case $b in
		/usr/sbin/* | /usr/bin/* | /bin/kill) ;;
		*) bad="$bad $b (not in /usr/sbin or /usr/bin)"; continue ;;
		esac
		[ "$b" = /bin/kill ] && continue
		grep -qxF "$b" "$dir/$p.files" || bad="$bad $b (not in the package)"
	done
	grep -qx "ConditionPathExists=$3" "$u" || bad="$bad no ConditionPathExists=$3"
	! grep -qE '@[a-z_]+@|/usr/local' "$u" || bad="$bad $(grep -nE '@[a-z_]+@|/usr/local' "$u")"
	[ -z "$bad" ] || { note "$p $2:$bad"; return 1; }
}
ok "vipd.service runs /usr/sbin/vipd of the package, once /etc/vipd/vipd.conf exists" \
	check_unit vipd vipd.service /etc/vipd/vipd.conf
ok "newsd.service runs /usr/sbin/newsd of the package, once /etc/newsd/newsd.conf exists" \
	check_unit newsd newsd.service /etc/newsd/newsd.conf
ok "clusterctl-watch.service runs /usr/sbin/clusterctl of the package, once watch.env exists" \
	check_unit clusterctl clusterctl-watch.service /etc/clusterctl/watch.env
is "$(exec_paths "$dir/root/vipd/lib/systemd/system/vipd.service" | tr '\n' ' ')" \
	"/bin/kill /usr/sbin/vipd " "vipd.service's programs: vipd (ExecStart, ExecStartPre), kill (ExecReload)"
is "$(exec_paths "$dir/root/clusterctl/lib/systemd/system/redis-cluster@.service" | tr '\n' ' ')" \
	"/usr/bin/redis-server " "redis-cluster@.service runs redis-server"
has "$(field clusterctl Recommends)" redis-server "...which clusterctl recommends"

# ---- the nginx site ---------------------------------------------------------

site=$dir/root/newsd/etc/nginx/sites-available/newsd
is "$(cat "$dir/control/newsd/conffiles" 2>/dev/null)" /etc/nginx/sites-available/newsd \
	"newsd's conffiles: the nginx site"
# Placeholders are @NAME@; "@name" alone is an nginx named location.
is "$(grep -oE '@[A-Z_]+@' "$site" | sort -u | paste -sd' ')" "" "the site has no placeholder (@NAME@) left"
roots=$(sed -n 's/^[[:space:]]*root[[:space:]]*\([^;]*\);.*/\1/p' "$site" | sort -u)
is "$roots" /usr/share/newsd/static "the site serves the static files from /usr/share/newsd/static"
# site_static: every location the site serves from its root (root inside).
site_static() {
	awk '/^[[:space:]]*location/ {loc = $(NF - 1)} /^[[:space:]]*root / {print loc}' "$site"
}
static_shipped() {
	local f n=0
	for f in $(site_static); do
		n=$((n + 1))
		grep -q "^/usr/share/newsd/static$f" "$dir/newsd.files" || { note "site: $f not shipped"; return 1; }
	done
	[ "$n" -ge 5 ] || { note "site: only $n static locations: $(site_static)"; return 1; }
}
ok "...and every file or folder it serves from there is in the package" static_shipped
has "$(cat "$site")" "server unix:/run/newsd/newsd.sock;" "the site's upstream is newsd's socket in /run/newsd"
ok "...the directory newsd.service makes (RuntimeDirectory=newsd)" \
	grep -qx RuntimeDirectory=newsd "$dir/root/newsd/lib/systemd/system/newsd.service"
ok "the site is not enabled by the package" eval '! grep -q "^/etc/nginx/sites-enabled" "$dir/newsd.files"'

# ---- maintainer scripts ------------------------------------------------------

scripts_ok() { # PACKAGE
	local s
	for s in postinst prerm postrm; do
		[ -x "$dir/control/$1/$s" ] && sh -n "$dir/control/$1/$s" || { note "$1: $s missing or bad"; return 1; }
	done
}
for p in vipd clusterctl newsd; do
	ok "$p has postinst, prerm and postrm, valid sh" scripts_ok "$p"
done
c=$dir/control/vipd
ok "vipd postinst creates the system user vipd before starting the unit" eval '
	awk "/adduser .*--system.* vipd\$/ {u = NR} /deb-systemd-invoke/ {s = NR} END {exit !(u && s && u < s)}" "$c/postinst"'
ok "...says in one line why vipd is not started without /etc/vipd/vipd.conf" eval '
	[ "$(grep -c "echo \"vipd: not started: /etc/vipd/vipd.conf does not exist" "$c/postinst")" = 1 ]'
ok "...restarts vipd after an upgrade" grep -q '_dh_action=restart' "$c/postinst"
ok "...and never vipd-handover on its own (its stop would stop vipd for good)" eval \
	'! grep -q "vipd-handover" "$c/postinst" "$c/prerm" "$c/postrm"'
ok "vipd prerm stops vipd on remove only, not before an upgrade" eval '
	grep -q "deb-systemd-invoke stop .vipd.service" "$c/prerm" &&
	grep -q "\"\$1\" = remove" "$c/prerm" && ! grep -q upgrade "$c/prerm"'
ok "vipd postrm purge removes the user, /var/lib/vipd and /etc/vipd/vipd.conf" eval '
	grep -q "deluser .*--system vipd" "$c/postrm" && grep -q "rm -rf /var/lib/vipd" "$c/postrm" &&
	grep -q "rm -f /etc/vipd/vipd.conf" "$c/postrm"'
ok "newsd postinst says why newsd is not started without /etc/newsd/newsd.conf" \
	grep -q 'newsd: not started: /etc/newsd/newsd.conf does not exist' "$dir/control/newsd/postinst"

# ---- make install from the tested build ------------------------------------

if [ -f "$BUILD/Makefile" ]; then
	ok "make install DESTDIR=... installs the units" eval \
		'make -s -C "$BUILD" install DESTDIR="$dir/inst" >"$dir/install.log" 2>&1 ||
		 { tail -20 "$dir/install.log" >>"$dir/notes"; false; }'
	# After the install, which brought the Makefile up to date if it was not.
	sbindir=$(make -s --no-print-directory -C "$BUILD" -f Makefile -f - print-sbindir \
		<<<'print-sbindir: ; @echo $(sbindir)' 2>/dev/null | tail -n 1)
	unitdir=$(sed -n 's/^systemdsystemunitdir = //p' "$BUILD/Makefile")
	installed_units_ok() {
		local u b
		[ -n "$sbindir" ] && [ -n "$unitdir" ] || { note "sbindir '$sbindir', unit dir '$unitdir'"; return 1; }
		for u in vipd newsd clusterctl-watch; do
			[ -f "$dir/inst$unitdir/$u.service" ] || { note "make install: no $unitdir/$u.service"; return 1; }
			for b in $(exec_paths "$dir/inst$unitdir/$u.service"); do
				[ "$b" = /bin/kill ] && continue
				case $b in "$sbindir"/*) ;; *) note "make install: $u.service runs $b"; return 1 ;; esac
				[ -x "$dir/inst$b" ] || { note "make install: $u.service runs $b, not installed"; return 1; }
			done
		done
		[ -f "$dir/inst$unitdir/redis-cluster@.service" ]
	}
	ok "...which start the programs it installed in $sbindir" installed_units_ok
	ok "...and nginx's drop-in that orders it after vipd" \
		grep -qx "Before=vipd-handover.service" "$dir/inst$unitdir/nginx.service.d/newsd.conf"
else
	skip "make install DESTDIR=... installs the units" "no build at $BUILD (set VIPD_BUILD)"
fi

tap_done
