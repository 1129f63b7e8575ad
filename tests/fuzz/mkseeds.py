#!/usr/bin/env python3
"""mkseeds.py - (re)write the seed corpus of the fuzz targets.

    tests/fuzz/mkseeds.py

Writes tests/fuzz/corpus/fuzz_vrrp/, fuzz_config/ and fuzz_control/ seeds
(files named seed-*); other files there (regression inputs) are left
alone. The packets start from the keepalived captures in
tests/unit/test_proto.c (ka_v4, ka_v6) and are varied from there, valid
and near-valid, with checksums computed here; the configurations are the
shipped example, the vipd.conf(5) example, test_config.c's full_conf and
short valid and broken variants; the control requests are vipctl's verbs
and a few bad lines.
"""
import ast
import os
import re
import struct
import sys

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")


def read(rel):
    with open(os.path.join(TOP, rel), encoding="utf-8") as f:
        return f.read()


def c_bytes(src, name):
    """The bytes of `static const uint8_t NAME[] = { ... };` in C source."""
    m = re.search(r"static const uint8_t %s\[\] = \{(.*?)\};" % re.escape(name), src, re.S)
    if not m:
        sys.exit("mkseeds.py: no %s in test_proto.c" % name)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return bytes(int(x, 16) for x in re.findall(r"0x[0-9a-fA-F]{2}", body))


def c_string(src, name):
    """The text of `static const char NAME[] = "..." "...";` in C source."""
    m = re.search(r"static const char %s\[\] =(.*?);\n" % re.escape(name), src, re.S)
    if not m:
        sys.exit("mkseeds.py: no %s in test_config.c" % name)
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return "".join(ast.literal_eval(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', body))


# ---- packets --------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def vrrp_msg(vrid, prio, interval, addrs, src, dst, pseudo=True, version=3, v6=False, count=None):
    n = len(addrs) if count is None else count
    m = bytearray(struct.pack("!BBBBHH", version << 4 | 1, vrid, prio, n, interval, 0) + b"".join(addrs))
    if v6:
        ph = src + dst + struct.pack("!I", len(m)) + b"\0\0\0" + bytes([112])
    elif pseudo:
        ph = src + dst + struct.pack("!BBH", 0, 112, len(m))
    else:
        ph = b""
    struct.pack_into("!H", m, 6, csum(ph + bytes(m)))
    return bytes(m)


def ipv4(src, dst, msg, ttl=255, ident=0, frag=0, proto=112, options=b""):
    ihl = 5 + len(options) // 4
    h = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xC0, ihl * 4 + len(msg), ident, frag, ttl,
                              proto, 0, src, dst) + options)
    struct.pack_into("!H", h, 10, csum(bytes(h)))
    return bytes(h) + msg


def ipv6(src, dst, msg, hlim=255, nh=112):
    return struct.pack("!IHBB16s16s", 0x6C000000, len(msg), nh, hlim, src, dst) + msg


def a4(s):
    return bytes(int(x) for x in s.split("."))


def a6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def packets():
    src = read("tests/unit/test_proto.c")
    ka4, ka6 = c_bytes(src, "ka_v4"), c_bytes(src, "ka_v6")
    s4, g4 = a4("10.98.0.1"), a4("224.0.0.18")
    s6, g6 = a6("fe80::88aa:b7ff:feff:5c53"), a6("ff02::12")
    vip4, vip6 = a4("10.98.0.200"), a6("fd00:98::200")
    out = {
        "ka-v4": ka4,
        "ka-v6": ka6,
        "ka-v4-padded": ka4 + b"\xee" * 14,
        "ka-v4-truncated": ka4[:30],
        "ka-v6-truncated": ka6[:50],
        "ka-v4-bad-checksum": ka4[:26] + bytes([ka4[26] ^ 0xFF]) + ka4[27:],
        "ka-v4-ttl64": ka4[:8] + b"\x40" + ka4[9:],
        "ka-v6-hlim1": ka6[:7] + b"\x01" + ka6[8:],
    }
    # IPv6 signed without the pseudo-header, as IPv4 may be: refused. Bit 0
    # of the flow label tells the fuzz target to re-sign it that way.
    v6plain = bytearray(ka6)
    v6plain[3] |= 1
    v6plain[46:48] = b"\0\0"
    struct.pack_into("!H", v6plain, 46, csum(bytes(v6plain[40:])))
    out["v6-no-pseudo-header"] = bytes(v6plain)
    # The fuzz target re-signs RFC 9568 style when bit 0 of byte 4 is set.
    m = vrrp_msg(51, 150, 100, [vip4], s4, g4, pseudo=False)
    out["v4-rfc9568"] = ipv4(s4, g4, m, ident=0x0100)
    many4 = [a4("10.33.%d.%d" % (i // 200, 1 + i % 200)) for i in range(3)]
    out["v4-3addrs"] = ipv4(s4, g4, vrrp_msg(200, 255, 50, many4, s4, g4))
    all4 = [a4("10.%d.%d.%d" % (i // 200, i % 200, 200 - i % 100)) for i in range(255)]
    out["v4-255addrs"] = ipv4(s4, g4, vrrp_msg(42, 100, 100, all4, s4, g4))
    many6 = [a6("fd00:%x::%x" % (i, 0x200 + i)) for i in range(2)]
    out["v6-2addrs"] = ipv6(s6, g6, vrrp_msg(7, 0, 4095, many6, s6, g6, v6=True))
    # 40 + 8 + 253 * 16 = 4096 bytes: the most -max_len=4096 lets through.
    all6 = [a6("fd00:%x::%x" % (i, 0x200 + i)) for i in range(253)]
    out["v6-253addrs"] = ipv6(s6, g6, vrrp_msg(9, 10, 1, all6, s6, g6, v6=True))
    out["v4-ip-options"] = ipv4(s4, g4, vrrp_msg(51, 150, 100, [vip4], s4, g4), options=b"\x01\x01\x01\x00")
    out["v4-reserved-bits"] = ipv4(s4, g4, vrrp_msg(51, 150, 0xF064, [vip4], s4, g4))
    out["v4-interval0"] = ipv4(s4, g4, vrrp_msg(51, 150, 0, [vip4], s4, g4))
    out["v4-count-mismatch"] = ipv4(s4, g4, vrrp_msg(51, 150, 100, [vip4], s4, g4, count=2))
    out["v4-count0"] = ipv4(s4, g4, vrrp_msg(51, 150, 100, [], s4, g4))
    out["v4-fragment"] = ipv4(s4, g4, vrrp_msg(51, 150, 100, [vip4], s4, g4), frag=0x2000)
    out["v4-udp"] = ipv4(s4, g4, vrrp_msg(51, 150, 100, [vip4], s4, g4), proto=17)
    out["v6-hop-by-hop"] = ipv6(s6, g6, vrrp_msg(51, 150, 100, [vip6], s6, g6, v6=True), nh=0)
    # A VRRPv2 advert (RFC 3768): type/version 0x21, auth type 0, the
    # interval in seconds, no pseudo-header, 8 bytes of authentication data.
    v2 = bytearray(struct.pack("!BBBBBBH", 0x21, 51, 150, 1, 0, 1, 0) + vip4 + b"\0" * 8)
    struct.pack_into("!H", v2, 6, csum(bytes(v2)))
    out["v4-vrrp2"] = ipv4(s4, g4, bytes(v2))
    out["v4-type2"] = ipv4(s4, g4, b"\x32" + vrrp_msg(51, 150, 100, [vip4], s4, g4)[1:])
    return out


# ---- configurations -------------------------------------------------------

def man_example():
    man = read("vrrpd/vipd.conf.5")
    m = re.search(r"\.SH EXAMPLES.*?\.EX\n(.*?)\.EE", man, re.S)
    if not m:
        sys.exit("mkseeds.py: no EXAMPLES in vipd.conf.5")
    return m.group(1).replace("\\-", "-").replace("\\(dq", '"')


MIN = 'vip a { interface = eth0  vrid = 1  address = "10.0.0.1/24" }\n'


def configs():
    out = {
        "example": read("provisioning/vipd.conf.example"),
        "man-example": man_example(),
        "full": c_string(read("tests/unit/test_config.c"), "full_conf"),
        "minimal": MIN,
        "empty": "",
        "comments-only": "# nothing but\n/* comments */\n// here\n",
        "units": 'vip a { interface = eth0 vrid = 9 address = "10.0.0.1" advert_interval = .25\n'
                 "  preempt_delay = 0.0005 garp_delay = 10 garp_count = 0 priority = 255 }\n",
        "comments-in-list": 'socket = "/run/a#b//c/*d" # c\nstate_dir = /var//lib/vipd\n'
                            "vip a { interface = eth0 vrid = 1 address = { 10.0.0.1/24 # c\n"
                            '  , "10.0.0.2" } unicast_peers = { "10.0.0.3" } }\n',
        "v6": 'vip v6 { interface = eth0 vrid = 1\n  address = { "2001:db8::1/64" }\n'
              '  unicast_peers = { "fe80::2", "2001:db8::2" }\n  checksum_mode = "pseudo-header" }\n',
        "bad-values": "vip 200 {\n  interface = eth0  vrid = 200  address = \"10.0.0.1/24\"\n"
                      "  priority = 300 advert_interval = 40.96 preempt = maybe\n"
                      '  protocol = "vrrp2" checksum_mode = "plain" garp_count = -1\n'
                      '  address += "10.0.0.1/32" address += "224.0.0.18"\n}\n',
        "bad-v6": 'vip v6 {\n  interface = eth0\n  vrid = 1\n  address = { "2001:db8::1/64",\n'
                  '              "fe80::1/64",\n              "ff02::12", "::1", "::" }\n'
                  '  unicast_peers = { "fe80::2", "ff02::1", "10.0.0.1" }\n}\n',
        "required": 'socket = "/run/x.sock"\nvip empty\n{\n}\n'
                    "vip novip { interface = eth0 vrid = 3 address = { } }\n",
        "two-vips": 'vip a { interface = eth0 vrid = 5 priority = 150 address = "10.0.0.1" }\n'
                    'vip b { interface = eth0 vrid = 6 priority = 50 address = "10.0.0.2" }\n',
        "duplicates": 'vip a { interface = eth0 vrid = 5 address = "10.0.0.1" }\n'
                      'vip b { interface = eth0 vrid = 5 address = "10.0.0.1" }\n'
                      'vip a { interface = eth1 vrid = 6 address = "10.0.0.2" }\n',
        "syntax-no-equal": "# a comment\nvip a {\n  interface = eth0\n  vrid 1\n}\n",
        "unclosed-brace": 'vip a {\n  address = { "10.0.0.1",\n}\n',
        "unclosed-quote": 'vip a {\n  interface = "unterminated\n}\n',
        "unclosed-comment": "vip a { interface = eth0 }\n/* open\n\n",
        "bad-escape": 'vip a {\n  interface = "eth\\9"\n}\n',
        "unknown-key": 'include("/etc/passwd")\nvip a {\n  foo = 1\n  "vipd|section-line" = 3\n}\n',
        "extra-brace": "vip a {\n  interface = eth0\n}\n}\n",
        "env": 'socket = "${HOME}/x" state_dir = ${PWD}\n',
        "carp": 'vip c { interface = eth0 vrid = 10 protocol = carp password = "s3cret"\n'
                '  advbase = 1 advskew = 100 address = "10.0.0.10/24" }\n',
        "vrrp2": 'vip v2 { interface = eth0 vrid = 11 protocol = "vrrp2" password = "pw"\n'
                 '  advert_interval = 2 address = { "10.0.0.11", "10.0.0.12" } }\n',
        "names": 'vip "web server" { interface = "a\\nb" vrid = 1 address = "10.0.0.1" }\n'
                 'vip "" { interface = "abcdefghijklmnop" vrid = 2 address = "10.0.0.2" }\n',
    }
    addrs = ",\n".join('"10.0.%d.%d/16"' % (i // 200, 1 + i % 200) for i in range(60))
    out["many-addresses"] = "vip a {\n interface = eth0\n vrid = 1\n address = {\n%s\n}\n}\n" % addrs
    # The most an instance takes (255), unquoted to fit -max_len: one
    # more is a refusal.
    addrs = ",".join("1.0.%d.%d" % (i // 100, 1 + i % 100) for i in range(255))
    out["255-addresses"] = "vip a{interface=e vrid=1 address={%s}}\n" % addrs
    return {k: v.encode() for k, v in out.items()}


# ---- control requests -----------------------------------------------------

def requests():
    lines = {
        "status": "status", "status-json": "status --json", "giveup-for": "giveup 200 --for 60",
        "giveup": "giveup web6", "resume": "resume 200", "takeover": "takeover 200",
        "reload": "reload", "blanks": "  giveup\t200 --for 60\r\n", "unknown": "frob 1 2",
        "empty": "", "nine-words": "a b c d e f g h i", "two-lines": "status\nreload",
        "escapes": 'giveup "x\\y"\x01\x1f\x7f\xff',
    }
    return {k: v.encode("latin-1") for k, v in lines.items()}


def write(target, files):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.startswith("seed-"):
            os.unlink(os.path.join(d, old))
    for name, data in files.items():
        name = name if name.startswith("seed-") else "seed-" + name
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds, %d bytes" % (os.path.relpath(d, TOP), len(files),
                                      sum(len(v) for v in files.values())))


if __name__ == "__main__":
    write("fuzz_vrrp", packets())
    write("fuzz_config", configs())
    write("fuzz_control", requests())
