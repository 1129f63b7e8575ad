# provisioning/lab.d/tls.sh - the lab's certificate authority and the
# site's certificate, sourced by provisioning/lab.
#
# One CA per lab (LAB_STATE/tls/ca.crt, its key readable by root only)
# signs the site's certificate: news.lab and every VIP the lab may have
# (.200-.209). nginx on every front-end serves the site with it over HTTPS
# (443) and answers plain HTTP (80) with a redirect, except /healthz for
# the front-end's own vipd. lab exec sets CURL_CA_BUNDLE and SSL_CERT_FILE
# to the CA, so curl in the client trusts the site as a browser given the
# lab's CA would.

tls_dir() { echo "$STATE/tls"; }

make_tls() {
	local d; d=$(tls_dir)
	[ -f "$d/site.crt" ] && return 0
	command -v openssl >/dev/null || die "openssl is not installed"
	mkdir -p "$d"
	chmod 755 "$d"
	(
		umask 077
		openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 3650 \
			-subj "/CN=vipd lab CA $NET.0" -addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null &&
		openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=news.lab" \
			-keyout "$d/site.key" -out "$d/site.csr" 2>/dev/null &&
		printf 'subjectAltName=DNS:news.lab%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
			"$(for v in $(seq 200 209); do printf ',IP:%s.%s' "$NET" "$v"; done)" >"$d/site.ext" &&
		openssl x509 -req -in "$d/site.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
			-days 825 -extfile "$d/site.ext" -out "$d/site.crt" 2>/dev/null
	) || die "cannot make the lab's certificates in $d"
	chmod 644 "$d/ca.crt" "$d/site.crt"
	# The site certificate's public key, as Chromium pins it
	# (--ignore-certificate-errors-spki-list): the browser tests trust it.
	openssl x509 -in "$d/site.crt" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64 >"$d/site.spki"
}
