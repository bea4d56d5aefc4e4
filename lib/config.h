/* config — the `Key value` configuration file shared by copytroll-milter
 * and copytroll (the OpenDKIM convention: one option per line, `#`
 * comments, keys case-insensitive, values to the end of the line).
 *
 * Provides
 *   config_defaults()  a config with every default filled in
 *   config_load()      defaults, then the file's settings on top
 *   config_free()
 *   config_dup()       a deep copy
 *   config_parse_authserv_ids()  the TrustedAuthservIDs list syntax
 *
 * Ownership
 *   A ct_config owns its strings; config_free() releases them.
 *
 * Errors
 *   config_load() stops at the first bad line and sets *err to
 *   "FILE:LINE: why" (unknown key, bad value, duplicate key, missing value).
 *   A missing file is "FILE: No such file or directory".
 */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define CONFIG_ERROR (config_error_quark())
GQuark config_error_quark(void);

#ifndef CT_SYSCONFDIR
#define CT_SYSCONFDIR "/etc"
#endif
#define CT_DEFAULT_CONFIG CT_SYSCONFDIR "/copytroll/copytroll-milter.conf"

typedef enum ct_onerror { CT_ONERROR_ACCEPT = 0, CT_ONERROR_TEMPFAIL } ct_onerror;

typedef struct ct_config {
    char *socket;            /* Socket: unix:/path, local:/path, inet:PORT@HOST, inet6:PORT@[ADDR] */
    int socket_mode;         /* SocketMode, octal, for unix sockets; -1 = umask */
    char *socket_group;      /* SocketGroup; NULL = primary group */
    char *database;          /* Database */
    int database_timeout_ms; /* DatabaseTimeout (ms to wait on a locked db) */
    bool database_sync;      /* DatabaseSync: flush each recorded claim to disk */
    char *spool_dir;         /* SpoolDir: claims that could not be recorded */
    char *rules_dir;         /* RulesDir */
    char *pid_file;          /* PidFile; NULL = none */
    char *status_file;       /* StatusFile; NULL = config_status_path()'s default */
    char *user_id;           /* UserID user[:group]; NULL = stay */
    bool syslog;             /* Syslog */
    char *syslog_facility;   /* SyslogFacility */
    bool log_why;            /* LogWhy: add the rules that fired */
    ct_onerror on_error;     /* OnError accept|tempfail */
    bool add_advice;         /* AddAdvice */
    char *advice_url;        /* AdviceURL: fallback when an agency has none */
    char *tag_subject;       /* TagSubject: prefix for claims' Subject; NULL = off */
    bool tag_all;            /* TagAll: X-Copytroll-Status: none on the rest */
    size_t max_scan_bytes;   /* MaxScanBytes */
    int stale_days;          /* StaleDays */
    int retention_days;      /* RetentionDays; 0 = forever */
    GPtrArray *trusted_authserv_ids; /* TrustedAuthservIDs: char*, HOSTNAME
                                        already replaced; empty = trust none */
} ct_config;

ct_config *config_defaults(void);
ct_config *config_load(const char *path, GError **err);
void config_free(ct_config *c);
/* A deep copy (config_free it). */
ct_config *config_dup(const ct_config *c);

/* Where the milter writes its status file (read by `copytroll stats`):
 * StatusFile if set, else "copytroll-milter.status" beside PidFile, else
 * /run/copytroll/status.  Newly allocated. */
char *config_status_path(const ct_config *c);

/* Parse a boolean the way the file does ("yes/no/true/false/on/off/1/0"). */
bool config_parse_bool(const char *s, bool *out);

/* Parse a TrustedAuthservIDs value (also `copytroll scan --authserv-id`):
 * authserv-ids separated by commas and/or white space; the word HOSTNAME
 * stands for this host's name (gethostname(3), as OpenDKIM and OpenDMARC
 * use by default); `none` alone trusts no Authentication-Results header.
 * An id is 1-255 of letters, digits, '.', '-' and '_'; at most
 * CONFIG_MAX_AUTHSERV_IDS of them.  Returns NULL and sets *out (a new
 * array of char*, free with g_ptr_array_unref) on success, else a static
 * reason and *out untouched. */
#define CONFIG_MAX_AUTHSERV_IDS 32
const char *config_parse_authserv_ids(const char *s, GPtrArray **out);
/* The list for a log line: "mx.example.org,mx2.example.org" or "none".
 * Newly allocated. */
char *config_authserv_ids_text(const GPtrArray *ids);

#endif
