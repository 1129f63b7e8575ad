/* when.c - TIME as clusterctl restore takes it. See when.h. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "when.h"

/* Year 9999's last second: anything later is a typo, not a moment. */
#define WHEN_MAX 253402300799.0

static const char when_forms[] = "give unix seconds (1796652309, 1796652309.5) or ISO 8601 in UTC "
				 "(2026-12-07T14:05:09Z)";

long long when_days_from_civil(int year, int month, int day)
{
	/* Count from 0000-03-01 so that the leap day ends a year; 146097 days
	 * make the 400-year cycle, 719468 of them precede 1970-01-01. */
	long long y = month <= 2 ? year - 1 : year;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *year, int *month, int *day)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* n digits at s into *v; false when one is not a digit. */
static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* ".ddd" at *s (optional): its value, *s moved past it; -1 when a '.' is
 * not followed by 1 to 9 digits. */
static double fraction(const char **s)
{
	double f = 0, scale = 0.1;
	int n = 0;

	if (**s != '.')
		return 0;
	for ((*s)++; isdigit((unsigned char)**s); (*s)++, n++, scale /= 10)
		f += (**s - '0') * scale;
	return n >= 1 && n <= 9 ? f : -1;
}

static int parse_unix(const char *text, double *out)
{
	const char *s = text;
	double v = 0, f;
	int n = 0;

	for (; isdigit((unsigned char)*s) && n < 13; s++, n++)
		v = v * 10 + (*s - '0');
	if (n == 0 || (f = fraction(&s)) < 0 || *s || v > WHEN_MAX)
		return -1;
	*out = v + f;
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.f](Z|+00:00). 0, -1 malformed, -2 not UTC, -3 a
 * field out of range. */
static int parse_iso(const char *s, double *out)
{
	int year, month, day, hour, min, sec;
	double f;

	if (strlen(s) < 20 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) ||
	    s[7] != '-' || !digits(s + 8, 2, &day) || s[10] != 'T' || !digits(s + 11, 2, &hour) ||
	    s[13] != ':' || !digits(s + 14, 2, &min) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return -1;
	s += 19;
	if ((f = fraction(&s)) < 0)
		return -1;
	if (strcmp(s, "Z") != 0 && strcmp(s, "+00:00") != 0)
		return (*s == '+' || *s == '-') && strlen(s) == 6 ? -2 : -1;
	if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
	    hour > 23 || min > 59 || sec > 59)
		return -3;
	*out = (double)when_days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec + f;
	return 0;
}

int when_parse(const char *text, double *out, char *err, size_t errlen)
{
	int rc;

	if (isdigit((unsigned char)text[0]) && strchr(text, '-') == NULL) {
		if (parse_unix(text, out) == 0)
			return 0;
		snprintf(err, errlen, "TIME '%s': not a time; %s", text, when_forms);
		return -1;
	}
	rc = parse_iso(text, out);
	if (rc == 0)
		return 0;
	if (rc == -2)
		snprintf(err, errlen, "TIME '%s': give it in UTC, ending in Z", text);
	else if (rc == -3)
		snprintf(err, errlen, "TIME '%s': no such moment (a field is out of range)", text);
	else
		snprintf(err, errlen, "TIME '%s': not a time; %s", text, when_forms);
	return -1;
}

char *when_format(double t, char *buf, size_t len)
{
	long long whole = (long long)t - (t < (double)(long long)t);
	int ms = (int)((t - (double)whole) * 1000 + 0.5);
	long long days, rem;
	int year, month, day;

	if (ms == 1000) {
		whole++;
		ms = 0;
	}
	days = whole >= 0 ? whole / 86400 : (whole - 86399) / 86400;
	rem = whole - days * 86400;
	civil_from_days(days, &year, &month, &day);
	if (ms)
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day,
			 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), ms);
	else
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, (int)(rem / 3600),
			 (int)(rem / 60 % 60), (int)(rem % 60));
	return buf;
}
