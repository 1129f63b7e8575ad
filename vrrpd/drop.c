/* drop.c - a dropped packet in one line for the log: the offending value
 * and the rule's ("TTL 64, should be 255"), from what proto.c's decoder
 * (or the instance's own checks) found. Pure. */
#include "drop.h"

#include <stdio.h>

static void show_value(const struct vrrp_drop_info *why, unsigned long v, char *buf, size_t len)
{
	snprintf(buf, len, why->hex ? "0x%04lx" : "%lu", v);
}

char *drop_describe(const struct vrrp_drop_info *why, char *buf, size_t len)
{
	char got[24], want[24], alt[64] = "";

	show_value(why, why->got, got, sizeof(got));
	show_value(why, why->want, want, sizeof(want));
	if (why->alt) {
		char v[24];
		show_value(why, why->alt_want, v, sizeof(v));
		snprintf(alt, sizeof(alt), " or %s (%s)", v, why->alt);
	}
	if (!why->field)
		snprintf(buf, len, "%s", proto_drop_name(why->reason));
	else if (why->rule == RULE_EQUAL)
		snprintf(buf, len, "%s %s, should be %s%s", why->field, got, want, alt);
	else if (why->rule == RULE_AT_LEAST)
		snprintf(buf, len, "%s %s, should be at least %s", why->field, got, want);
	else if (why->rule == RULE_PAST_END)
		snprintf(buf, len, "%s %s, more than the %s bytes received", why->field, got, want);
	else
		snprintf(buf, len, "%s", why->field);
	return buf;
}
