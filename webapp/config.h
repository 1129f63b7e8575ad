/* config.h - newsd.conf: libconfuse syntax, validated into struct
 * newsd_config. Every problem is reported as "FILE:LINE: message". */
#ifndef NEWSD_CONFIG_H
#define NEWSD_CONFIG_H

#include <stddef.h>

#include "rank.h"

struct newsd_config {
	char *path;
	char *listen;             /* "127.0.0.1:8080" or "unix:/run/newsd/newsd.sock" */
	char *metrics_listen;     /* "127.0.0.1:9651": Prometheus metrics; NULL: off */
	long workers;             /* threads serving requests */
	char **redis_nodes;       /* seeds, "host:port" */
	size_t nredis;
	char *redis_user;         /* NULL: the default user */
	char *redis_password;     /* NULL: no AUTH; or read from redis_password_file */
	char *redis_password_file; /* as written in the file; NULL: none */
	long redis_timeout_ms;
	long list_cache_ms;       /* top and latest lists are shared this long (0: off) */
	long durable_replicas;    /* replicas a story or comment write waits for (0: none) */
	long durable_timeout_ms;
	char **trusted_proxies;   /* addresses whose X-Forwarded-For is believed */
	size_t ntrusted;
	char *site_name, *site_url, *site_description;
	char *mail_relay;         /* NULL: password reset by mail is off */
	char *mail_from;
	char *admin_user;         /* an older way to name one of admins */
	char **admins;            /* user names that administer the site (admin_user too) */
	size_t nadmins;

	long password_iterations; /* PBKDF2-HMAC-SHA256 rounds for new hashes */
	long password_min_length;
	long username_max_length;
	long title_max_length, url_max_length, comment_max_length;
	long about_max_length, email_max_length;

	struct rank_rules rank;
	struct karma_rules karma;
	long login_fail_limit_ip;   /* failed logins per client address per window (0: no limit) */
	long login_fail_limit_user; /* failed logins per user name per window (0: no limit) */
	long login_fail_window;     /* seconds, from a counter's first failure */
	long user_creation_delay;   /* one account per IP per this many seconds */
	long password_reset_delay;  /* between reset mails for one user */
	long reset_link_ttl;        /* a reset link works this long */
	long news_submission_break; /* one story per user per this many seconds */
	long prevent_repost_time;   /* a URL posted again within this leads to the first story */
	long news_edit_time, comment_edit_time;
	long top_news_per_page, latest_news_per_page, saved_news_per_page;
	long user_comments_per_page, subthreads_in_replies_page;
};

/* 0 and *out filled, or -1 with "FILE:LINE: message" (or "FILE: message")
 * in err; out is then empty. */
int newsd_config_load(const char *path, struct newsd_config *out, char *err, size_t errlen);
void newsd_config_free(struct newsd_config *c);

#endif
