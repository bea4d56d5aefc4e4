#include "listen.h"

#include <errno.h>
#include <grp.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"

int __real_accept(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

/* Which descriptors are accepted TCP connections (set by the listener
 * thread before libmilter hands the connection to a worker).  A number
 * reused after close() keeps its flag until the next accept() of it; the
 * only reads through the wrapper are libmilter's, from its connections,
 * and setsockopt() on a descriptor that is no socket just fails. */
#define TRACKED_FDS 65536
static atomic_bool is_tcp[TRACKED_FDS];

int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int s = __real_accept(fd, addr, len);
    if (s >= 0) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        bool tcp = getsockname(s, (struct sockaddr *)&ss, &sl) == 0 &&
                   (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
        if (tcp) {
            int one = 1;
            setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        if (s < TRACKED_FDS)
            atomic_store_explicit(&is_tcp[s], tcp, memory_order_relaxed);
    }
    return s;
}

/* After each read from the MTA, acknowledge at once (Linux drops the
 * quick-ACK mode on its own, so it is set again every time). */
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    ssize_t r = __real_read(fd, buf, n);
    if (r > 0 && fd >= 0 && fd < TRACKED_FDS && atomic_load_explicit(&is_tcp[fd], memory_order_relaxed)) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    }
    return r;
}

static const char *unix_path(const char *spec)
{
    if (g_str_has_prefix(spec, "unix:"))
        return spec + 5;
    if (g_str_has_prefix(spec, "local:"))
        return spec + 6;
    return NULL;
}

static bool set_unix_perms(const ct_config *c, const char *path)
{
    if (c->socket_group) {
        struct group *g = getgrnam(c->socket_group);
        if (!g) {
            log_msg(LOG_ERR, "SocketGroup %s: no such group", c->socket_group);
            return false;
        }
        if (chown(path, (uid_t)-1, g->gr_gid) != 0) {
            log_msg(LOG_ERR, "%s: cannot set group %s: %s", path, c->socket_group, strerror(errno));
            return false;
        }
    }
    if (c->socket_mode >= 0 && chmod(path, (mode_t)c->socket_mode) != 0) {
        log_msg(LOG_ERR, "%s: cannot set mode %04o: %s", path, c->socket_mode, strerror(errno));
        return false;
    }
    return true;
}

/* Does a process accept connections on the unix socket at path?  Then it
 * is not stale, and replacing it would steal a running milter's mail. */
static bool unix_socket_live(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        return false;
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool live = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return live;
}

bool listen_open(const ct_config *c)
{
    const char *path = unix_path(c->socket);
    if (path) {
        char *dir = g_path_get_dirname(path);
        g_mkdir_with_parents(dir, 0755);
        g_free(dir);
        if (unix_socket_live(path)) {
            log_msg(LOG_ERR, "Socket %s: another process is listening on it; not replacing it",
                    c->socket);
            return false;
        }
    }
    if (smfi_setconn(c->socket) == MI_FAILURE) {
        log_msg(LOG_ERR, "Socket %s: not a usable socket specification", c->socket);
        return false;
    }
    /* true: remove a stale unix socket left by a crash (a live one was
     * refused above).  libmilter refuses a path that is not a socket. */
    if (smfi_opensocket(true) == MI_FAILURE) {
        log_msg(LOG_ERR, "Socket %s: cannot listen (in use, or no permission?)", c->socket);
        return false;
    }
    return !path || set_unix_perms(c, path);
}
