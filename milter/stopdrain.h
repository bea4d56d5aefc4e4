/* stopdrain — let the messages in flight finish after SIGTERM.
 *
 * libmilter (Debian builds it with its worker pool) stops reading every
 * connection as soon as mi_stop() reports MILTER_STOP: a message between
 * two MTA commands — say, waiting for the rest of its body — would be
 * abandoned and the MTA would fall back to its default action.  So the
 * milter is linked with `-Wl,--wrap=mi_stop` against the static libmilter
 * (like accept, see listen.h): the listener (the thread running
 * smfi_main) sees the real answer, closes the socket and returns, while
 * the session threads keep seeing MILTER_CONT until stopdrain_done() — called
 * once no message is in flight or the wait timed out.  An abort (SIGINT)
 * passes through to every thread at once.
 */
#ifndef CT_MILTER_STOPDRAIN_H
#define CT_MILTER_STOPDRAIN_H

/* Call from the thread that will run smfi_main(), before it. */
void stopdrain_set_listener(void);
/* From now on every thread sees libmilter's real stop state. */
void stopdrain_done(void);

#endif
