/* copytroll-milter [-c FILE] [-f] [-n] [-V]
 * Start-up order matters: read and check everything first (config, rules),
 * open the socket as root, detach, write the pid file, drop privileges,
 * then serve.  Signals: SIGUSR1 reloads the configuration and the rules;
 * SIGTERM stops: libmilter's own signal thread closes the listening socket,
 * smfi_main() returns, and we wait for the messages in flight (up to
 * STOP_WAIT_MS; stopdrain.h keeps libmilter serving them meanwhile; a new
 * message on an open connection passes unscanned) before exiting.
 * libmilter treats SIGHUP like SIGTERM, so HUP is NOT a reload here;
 * SIGINT makes libmilter abort the connections at their next command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "stopdrain.h"
#include "listen.h"
#include "dbpool.h"
#include "log.h"
#include "malloctune.h"
#include "privs.h"
#include "runtime.h"
#include "spool_drain.h"
#include "status.h"

/* How long SIGTERM waits for the messages in flight. */
#define STOP_WAIT_MS 30000

typedef struct options {
    const char *config_path;
    bool foreground, check_only;
} options;

static void usage(FILE *out)
{
    fprintf(out, "usage: copytroll-milter [-c FILE] [-f] [-n] [-V]\n"
                 "  -c FILE  configuration (default %s)\n"
                 "  -f       stay in the foreground\n"
                 "  -n       check the configuration and rules, then exit\n"
                 "  -V       print the version\n", CT_DEFAULT_CONFIG);
}

static int parse_args(int argc, char **argv, options *o)
{
    int opt;
    o->config_path = CT_DEFAULT_CONFIG;
    while ((opt = getopt(argc, argv, "c:fnVh")) != -1) {
        switch (opt) {
        case 'c': o->config_path = optarg; break;
        case 'f': o->foreground = true; break;
        case 'n': o->check_only = true; break;
        case 'V': printf("copytroll-milter %s\n", CT_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    return -1;
}

static gpointer reload_thread(gpointer unused)
{
    (void)unused;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        int sig;
        if (sigwait(&set, &sig) == 0 && sig == SIGUSR1)
            runtime_reload();
    }
    return NULL;
}

static bool daemonize(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return false;
    if (chdir("/") != 0)
        return false;
    int fd = open("/dev/null", O_RDWR);
    if (fd < 0)
        return false;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    return true;
}

static bool write_pidfile(const char *path)
{
    char *text = g_strdup_printf("%ld\n", (long)getpid());
    GError *err = NULL;
    bool ok = g_file_set_contents(path, text, -1, &err);
    if (!ok) {
        log_msg(LOG_ERR, "PidFile %s: %s", path, err->message);
        g_error_free(err);
    }
    g_free(text);
    return ok;
}

/* Load config and rules; print file:line: why on failure. */
static bool load_all(const char *path, ct_config **config, ruleset **rules)
{
    GError *err = NULL;
    *config = config_load(path, &err);
    if (*config)
        *rules = rules_load_dir((*config)->rules_dir, &err);
    if (!*config || !*rules) {
        /* A rule load reports every error, one line each. */
        char **lines = g_strsplit(err->message, "\n", -1);
        for (char **l = lines; *l; l++)
            fprintf(stderr, "copytroll-milter: %s\n", *l);
        g_strfreev(lines);
        g_error_free(err);
        config_free(*config);
        return false;
    }
    return true;
}

/* Before any thread exists, so that every thread inherits the mask:
 * SIGUSR1 is taken by reload_thread; SIGTERM, SIGINT and SIGHUP by
 * libmilter's signal thread (sigwait), which smfi_main() starts.  Blocked
 * from the very start, a signal that arrives during start-up waits for its
 * thread instead of killing the process with the default action. */
static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void drain_note(const char *msg, void *unused)
{
    (void)unused;
    log_msg(LOG_WARNING, "%s", msg);
}

/* Claims spooled while the database failed go in before we serve. */
static void drain_spool(const ct_config *config, const ruleset *rules)
{
    spool_drain_stats st;
    GError *err = NULL;
    if (!spool_drain_config(config, rules, drain_note, NULL, &st, &err)) {
        log_msg(LOG_ERR, "spool %s not drained: %s", config->spool_dir, err->message);
        g_error_free(err);
    }
    if (st.files)
        log_msg(LOG_INFO, "spool %s: %u of %u files drained into the database, %u set aside",
                config->spool_dir, st.drained, st.files, st.set_aside);
}

static int serve(const options *o, ct_config *config, ruleset *rules)
{
    block_signals();
    log_open(config->syslog || !o->foreground, config->syslog_facility);
    runtime_init(config, o->config_path, rules);
    if (smfi_register(callbacks_desc) == MI_FAILURE) {
        log_msg(LOG_ERR, "smfi_register failed");
        return 1;
    }
    if (!listen_open(config))
        return 1;
    if (!o->foreground && !daemonize()) {
        log_msg(LOG_ERR, "cannot detach: %s", strerror(errno));
        return 1;
    }
    if (config->pid_file && !write_pidfile(config->pid_file))
        return 1;
    if (config->user_id && !privs_drop(config->user_id))
        return 1;   /* fatal by design: never serve as root by accident */
    drain_spool(config, rules);

    g_thread_unref(g_thread_new("reload", reload_thread, NULL));
    char *status_path = config_status_path(config);
    status_start(status_path);
    g_free(status_path);

    char *trusted = config_authserv_ids_text(config->trusted_authserv_ids);
    log_msg(LOG_INFO, "starting on %s: %u rules, %u agencies, database %s, trusted authserv-ids %s",
            config->socket, rules_count(rules), rules_agency_count(rules), config->database, trusted);
    g_free(trusted);
    stopdrain_set_listener();
    int rc = smfi_main() == MI_SUCCESS ? 0 : 1;
    runtime_stop();
    log_msg(LOG_INFO, "stopping: waiting for the messages in flight");
    bool idle = runtime_wait_idle(STOP_WAIT_MS);
    stopdrain_done();
    if (!idle)
        log_msg(LOG_WARNING, "stopping with messages still in flight after %d s", STOP_WAIT_MS / 1000);
    status_stop();
    if (runtime_boot_config()->pid_file)
        unlink(runtime_boot_config()->pid_file);
    log_msg(LOG_INFO, "stopped");
    if (idle) {  /* else a thread may still use the rules: leave them to exit() */
        dbpool_shutdown();
        runtime_shutdown();
    }
    return rc;
}

int main(int argc, char **argv)
{
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.check_only)
        malloctune_restart(argv);
    g_mime_init();
    ct_config *config = NULL;
    ruleset *rules = NULL;
    if (!load_all(o.config_path, &config, &rules))
        return 1;
    if (o.check_only) {
        printf("%s: ok; rules %s: %u rules, %u agencies\n", o.config_path, config->rules_dir,
               rules_count(rules), rules_agency_count(rules));
        rules_unref(rules);
        config_free(config);
        return 0;
    }
    return serve(&o, config, rules);
}
