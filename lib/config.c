#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

G_DEFINE_QUARK(copytroll-config-error, config_error)

ct_config *config_defaults(void)
{
    ct_config *c = g_new0(ct_config, 1);
    c->socket = g_strdup("unix:/run/copytroll/milter.sock");
    c->socket_mode = 0660;
    c->database = g_strdup("/var/lib/copytroll/cases.db");
    c->database_timeout_ms = 2000;
    c->spool_dir = g_strdup("/var/lib/copytroll/spool");
    c->rules_dir = g_strdup(CT_SYSCONFDIR "/copytroll/rules.d");
    c->syslog = true;
    c->syslog_facility = g_strdup("mail");
    c->on_error = CT_ONERROR_ACCEPT;
    c->add_advice = true;
    c->max_scan_bytes = 4u << 20;
    c->stale_days = 60;
    /* Like OpenDMARC: the results this host's own filters wrote. */
    c->trusted_authserv_ids = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(c->trusted_authserv_ids, g_strdup(g_get_host_name()));
    return c;
}

void config_free(ct_config *c)
{
    if (!c)
        return;
    g_free(c->socket);
    g_free(c->socket_group);
    g_free(c->database);
    g_free(c->spool_dir);
    g_free(c->rules_dir);
    g_free(c->pid_file);
    g_free(c->status_file);
    g_free(c->user_id);
    g_free(c->syslog_facility);
    g_free(c->advice_url);
    g_free(c->tag_subject);
    if (c->trusted_authserv_ids)
        g_ptr_array_unref(c->trusted_authserv_ids);
    g_free(c);
}

char *config_status_path(const ct_config *c)
{
    if (c->status_file)
        return g_strdup(c->status_file);
    if (c->pid_file) {
        char *dir = g_path_get_dirname(c->pid_file);
        char *path = g_build_filename(dir, "copytroll-milter.status", NULL);
        g_free(dir);
        return path;
    }
    return g_strdup("/run/copytroll/status");
}

bool config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (g_ascii_strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* A whole number in [lo, hi], written in `base`. */
static bool parse_long(const char *s, int base, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, base);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* Byte sizes accept a K, M or G suffix. */
static bool parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return false;
    unsigned long long mult = 1;
    if (*end) {
        switch (g_ascii_toupper(*end)) {
        case 'K': mult = 1ull << 10; break;
        case 'M': mult = 1ull << 20; break;
        case 'G': mult = 1ull << 30; break;
        default: return false;
        }
        if (end[1])
            return false;
    }
    if (v == 0 || v > (1ull << 40) / mult)
        return false;
    *out = (size_t)(v * mult);
    return true;
}

/* An authserv-id is written as a host or domain name (RFC 8601 allows
 * any token; nobody uses more, and a typo such as "mx.example.org;" is
 * better caught here than never matched). */
#define AUTHSERV_ID_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"
#define AUTHSERV_ID_MAX 255

const char *config_parse_authserv_ids(const char *s, GPtrArray **out)
{
    char **words = g_strsplit_set(s, ", \t", -1);
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    const char *why = NULL;
    bool none = false;
    for (unsigned i = 0; !why && words[i]; i++) {
        const char *w = words[i];
        if (!*w)
            continue;
        if (g_ascii_strcasecmp(w, "none") == 0)
            none = true;
        else if (strlen(w) > AUTHSERV_ID_MAX)
            why = "an authserv-id is at most 255 characters";
        else if (w[strspn(w, AUTHSERV_ID_CHARS)])
            why = "an authserv-id is a host or domain name (letters, digits, '.', '-', '_'); "
                  "separate several with commas or spaces";
        else if (ids->len == CONFIG_MAX_AUTHSERV_IDS)
            why = "too many authserv-ids (at most 32)";
        else
            g_ptr_array_add(ids, g_strdup(g_ascii_strcasecmp(w, "HOSTNAME") == 0 ? g_get_host_name() : w));
    }
    g_strfreev(words);
    if (!why && none && ids->len)
        why = "none trusts no authserv-id and cannot be listed with others";
    else if (!why && !none && !ids->len)
        why = "expected authserv-ids separated by commas or spaces, HOSTNAME, or none";
    if (why) {
        g_ptr_array_unref(ids);
        return why;
    }
    *out = ids;
    return NULL;
}

char *config_authserv_ids_text(const GPtrArray *ids)
{
    if (!ids || !ids->len)
        return g_strdup("none");
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ids->len; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (const char *)g_ptr_array_index(ids, i));
    return g_string_free(s, FALSE);
}

static bool valid_socket(const char *s)
{
    if (g_str_has_prefix(s, "unix:") || g_str_has_prefix(s, "local:"))
        return strchr(s, ':')[1] == '/';
    const char *rest = NULL;
    if (g_str_has_prefix(s, "inet:"))
        rest = s + 5;
    else if (g_str_has_prefix(s, "inet6:"))
        rest = s + 6;
    else
        return false;
    long long port;
    char *portstr = g_strndup(rest, strcspn(rest, "@"));
    bool ok = parse_long(portstr, 10, 1, 65535, &port);
    g_free(portstr);
    return ok;
}

typedef enum {
    T_STR, T_PATH, T_RELPATH, T_BOOL, T_INT, T_MODE, T_SIZE, T_ONERROR, T_SOCKET, T_FACILITY,
    T_IDLIST,   /* a GPtrArray* of authserv-ids */
} opt_type;

typedef struct opt {
    const char *key;
    opt_type type;
    size_t offset;
    long long lo, hi;   /* for T_INT */
} opt;

#define OFF(f) offsetof(ct_config, f)
static const opt options[] = {
    {"Socket", T_SOCKET, OFF(socket), 0, 0},
    {"SocketMode", T_MODE, OFF(socket_mode), 0, 0},
    {"SocketGroup", T_STR, OFF(socket_group), 0, 0},
    {"Database", T_PATH, OFF(database), 0, 0},
    {"DatabaseTimeout", T_INT, OFF(database_timeout_ms), 0, 600000},
    {"DatabaseSync", T_BOOL, OFF(database_sync), 0, 0},
    {"SpoolDir", T_PATH, OFF(spool_dir), 0, 0},
    {"RulesDir", T_RELPATH, OFF(rules_dir), 0, 0},
    {"PidFile", T_PATH, OFF(pid_file), 0, 0},
    {"StatusFile", T_PATH, OFF(status_file), 0, 0},
    {"UserID", T_STR, OFF(user_id), 0, 0},
    {"Syslog", T_BOOL, OFF(syslog), 0, 0},
    {"SyslogFacility", T_FACILITY, OFF(syslog_facility), 0, 0},
    {"LogWhy", T_BOOL, OFF(log_why), 0, 0},
    {"OnError", T_ONERROR, OFF(on_error), 0, 0},
    {"AddAdvice", T_BOOL, OFF(add_advice), 0, 0},
    {"AdviceURL", T_STR, OFF(advice_url), 0, 0},
    {"TagSubject", T_STR, OFF(tag_subject), 0, 0},
    {"TagAll", T_BOOL, OFF(tag_all), 0, 0},
    {"MaxScanBytes", T_SIZE, OFF(max_scan_bytes), 0, 0},
    {"StaleDays", T_INT, OFF(stale_days), 1, 36500},
    {"RetentionDays", T_INT, OFF(retention_days), 0, 36500},
    {"TrustedAuthservIDs", T_IDLIST, OFF(trusted_authserv_ids), 0, 0},
};

static const char *const facilities[] = {
    "mail", "daemon", "user", "local0", "local1", "local2", "local3",
    "local4", "local5", "local6", "local7",
};

/* Apply one value; on failure return a static "why". */
static const char *apply(ct_config *c, const opt *o, const char *val)
{
    void *field = (char *)c + o->offset;
    long long n;
    bool b;
    switch (o->type) {
    case T_SOCKET:
        if (!valid_socket(val))
            return "expected unix:/path, local:/path, inet:PORT@HOST or inet6:PORT@[ADDR]";
        break;
    case T_PATH:
        if (val[0] != '/')
            return "expected an absolute path";
        break;
    case T_RELPATH:   /* resolved against the config file's directory later */
        break;
    case T_FACILITY: {
        bool known = false;
        for (unsigned i = 0; i < G_N_ELEMENTS(facilities); i++)
            known = known || g_ascii_strcasecmp(val, facilities[i]) == 0;
        if (!known)
            return "expected a syslog facility: mail, daemon, user or local0..local7";
        break;
    }
    case T_STR:
        break;
    case T_BOOL:
        if (!config_parse_bool(val, &b))
            return "expected yes or no";
        *(bool *)field = b;
        return NULL;
    case T_INT:
        if (!parse_long(val, 10, o->lo, o->hi, &n))
            return o->lo == 0 ? "expected a whole number, 0 or more" : "expected a whole number, 1 or more";
        *(int *)field = (int)n;
        return NULL;
    case T_MODE:
        if (!parse_long(val, 8, 0, 0777, &n))
            return "expected an octal mode such as 0660";
        *(int *)field = (int)n;
        return NULL;
    case T_SIZE:
        if (!parse_size(val, (size_t *)field))
            return "expected a size in bytes (suffix K, M or G allowed), more than 0";
        return NULL;
    case T_ONERROR:
        if (g_ascii_strcasecmp(val, "accept") == 0)
            *(ct_onerror *)field = CT_ONERROR_ACCEPT;
        else if (g_ascii_strcasecmp(val, "tempfail") == 0)
            *(ct_onerror *)field = CT_ONERROR_TEMPFAIL;
        else
            return "expected accept or tempfail";
        return NULL;
    case T_IDLIST: {
        GPtrArray *ids = NULL;
        const char *why = config_parse_authserv_ids(val, &ids);
        if (why)
            return why;
        g_ptr_array_unref(*(GPtrArray **)field);
        *(GPtrArray **)field = ids;
        return NULL;
    }
    }
    char **s = field;
    g_free(*s);
    *s = g_strdup(val);
    return NULL;
}

static bool opt_is_string(const opt *o)
{
    return o->type == T_STR || o->type == T_PATH || o->type == T_RELPATH ||
           o->type == T_SOCKET || o->type == T_FACILITY;
}

/* Every string of a config is an option's value: the table says which;
 * the one list, TrustedAuthservIDs, is copied by hand. */
ct_config *config_dup(const ct_config *c)
{
    ct_config *d = g_memdup2(c, sizeof *c);
    for (unsigned i = 0; i < G_N_ELEMENTS(options); i++) {
        if (!opt_is_string(&options[i]))
            continue;
        char **field = (char **)((char *)d + options[i].offset);
        *field = g_strdup(*field);
    }
    d->trusted_authserv_ids = g_ptr_array_new_full(c->trusted_authserv_ids->len, g_free);
    for (guint i = 0; i < c->trusted_authserv_ids->len; i++)
        g_ptr_array_add(d->trusted_authserv_ids, g_strdup(g_ptr_array_index(c->trusted_authserv_ids, i)));
    return d;
}

static bool load_line(ct_config *c, char *line, GHashTable *seen, const char **why, const char **key_out)
{
    char *p = g_strstrip(line);
    if (*p == '\0' || *p == '#')
        return true;
    size_t klen = strcspn(p, " \t");
    char *val = p + klen;
    if (*val)
        *val++ = '\0';
    val = g_strstrip(val);
    *key_out = p;
    const opt *o = NULL;
    for (unsigned i = 0; i < G_N_ELEMENTS(options); i++)
        if (g_ascii_strcasecmp(p, options[i].key) == 0)
            o = &options[i];
    if (!o) {
        *why = "unknown option";
        return false;
    }
    if (*val == '\0') {
        *why = "missing value";
        return false;
    }
    if (g_hash_table_contains(seen, o->key)) {
        *why = "option given twice";
        return false;
    }
    g_hash_table_add(seen, (gpointer)o->key);
    *why = apply(c, o, val);
    return *why == NULL;
}

ct_config *config_load(const char *path, GError **err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *ioerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &ioerr)) {
        g_set_error(err, CONFIG_ERROR, 1, "%s: %s", path, ioerr->message);
        g_error_free(ioerr);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        g_set_error(err, CONFIG_ERROR, 1, "%s: contains a NUL byte; not a text file", path);
        g_free(text);
        return NULL;
    }
    ct_config *c = config_defaults();
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    char **lines = g_strsplit(text, "\n", -1);
    bool ok = true;
    for (unsigned i = 0; ok && lines[i]; i++) {
        const char *why = NULL, *key = "";
        if (!load_line(c, lines[i], seen, &why, &key)) {
            g_set_error(err, CONFIG_ERROR, 2, "%s:%u: %s: %s", path, i + 1, key, why);
            ok = false;
        }
    }
    g_strfreev(lines);
    g_hash_table_destroy(seen);
    g_free(text);
    if (!ok) {
        config_free(c);
        return NULL;
    }
    /* A relative RulesDir lives beside the config file, so the example
     * config works from the source tree and from /etc/copytroll alike. */
    if (!g_path_is_absolute(c->rules_dir)) {
        char *dir = g_path_get_dirname(path);
        char *abs = g_build_filename(dir, c->rules_dir, NULL);
        g_free(dir);
        g_free(c->rules_dir);
        c->rules_dir = abs;
    }
    return c;
}
