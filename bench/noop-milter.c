/* noop-milter — the ceiling for bench/mta-bench: a libmilter filter that
 * asks for every callback (body included), does nothing with them, and
 * adds one header at end of message.  Accepted TCP connections get
 * TCP_NODELAY, as copytroll-milter's do (same --wrap=accept trick, see
 * milter/listen.h).
 *
 *   noop-milter [-r] unix:/path/to.sock | inet:PORT@127.0.0.1
 *
 * -r: negotiate the protocol steps as copytroll-milter does: "no reply"
 * for MAIL, RCPT, headers, end of headers and body chunks (SMFIP_NR_*),
 * no CONNECT, HELO, DATA or unknown-command callbacks — to tell the cost
 * of that choice apart from the cost of the work.
 *
 * Runs in the foreground until SIGTERM / SIGINT. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

int __real_accept(int fd, struct sockaddr *addr, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len);

int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    int s = __real_accept(fd, addr, len);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (s >= 0 && getsockname(s, (struct sockaddr *)&ss, &sl) == 0 &&
        (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
        int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return s;
}

static unsigned long nr_wanted;   /* SMFIP_NR_* asked for with -r */

/* Per connection: the NR flags the MTA agreed to. */
static sfsistat reply(SMFICTX *ctx, unsigned long flag)
{
    unsigned long *agreed = smfi_getpriv(ctx);
    return agreed && (*agreed & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    (void)f2, (void)f3;
    *pf0 = f0 & SMFIF_ADDHDRS;
    *pf1 = f1 & nr_wanted;
    *pf2 = *pf3 = 0;
    unsigned long *agreed = smfi_getpriv(ctx);
    if (!agreed)
        agreed = malloc(sizeof *agreed);
    if (agreed)
        *agreed = *pf1;
    smfi_setpriv(ctx, agreed);
    return SMFIS_CONTINUE;
}

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    (void)ctx, (void)host, (void)sa;
    return SMFIS_CONTINUE;
}

static sfsistat on_helo(SMFICTX *ctx, char *helo)
{
    (void)ctx, (void)helo;
    return SMFIS_CONTINUE;
}

static sfsistat on_mail(SMFICTX *ctx, char **argv)
{
    (void)argv;
    return reply(ctx, SMFIP_NR_MAIL);
}

static sfsistat on_rcpt(SMFICTX *ctx, char **argv)
{
    (void)argv;
    return reply(ctx, SMFIP_NR_RCPT);
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
    (void)name, (void)value;
    return reply(ctx, SMFIP_NR_HDR);
}

static sfsistat on_eoh(SMFICTX *ctx)
{
    return reply(ctx, SMFIP_NR_EOH);
}

static sfsistat on_ctx(SMFICTX *ctx)
{
    (void)ctx;
    return SMFIS_CONTINUE;
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void)chunk, (void)len;
    return reply(ctx, SMFIP_NR_BODY);
}

static sfsistat on_close(SMFICTX *ctx)
{
    free(smfi_getpriv(ctx));
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

static sfsistat on_eom(SMFICTX *ctx)
{
    smfi_addheader(ctx, "X-Noop-Milter", "seen");
    return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "-r") == 0) {
        nr_wanted = SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY |
                    SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
        argv++;
        argc--;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: noop-milter [-r] unix:/path | inet:PORT@127.0.0.1\n");
        return 2;
    }
    struct smfiDesc desc = {
        .xxfi_name = "noop-milter",
        .xxfi_version = SMFI_VERSION,
        .xxfi_flags = SMFIF_ADDHDRS,
        .xxfi_connect = on_connect,
        .xxfi_helo = on_helo,
        .xxfi_envfrom = on_mail,
        .xxfi_envrcpt = on_rcpt,
        .xxfi_header = on_header,
        .xxfi_eoh = on_eoh,
        .xxfi_body = on_body,
        .xxfi_eom = on_eom,
        .xxfi_abort = on_ctx,
        .xxfi_close = on_close,
        .xxfi_data = on_ctx,
        .xxfi_negotiate = on_negotiate,
    };
    if (strncmp(argv[1], "unix:", 5) == 0)
        unlink(argv[1] + 5);
    if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE ||
        smfi_opensocket(1) == MI_FAILURE) {
        fprintf(stderr, "noop-milter: cannot listen on %s\n", argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
