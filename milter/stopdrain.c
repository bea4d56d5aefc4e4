#include "stopdrain.h"

#include <glib.h>
#include <pthread.h>

/* libmilter's internal values (libmilter.h): MILTER_CONT 0, MILTER_STOP 1,
 * MILTER_ABRT 2. */
enum { DRAIN_MILTER_CONT = 0, DRAIN_MILTER_STOP = 1 };

static pthread_t listener;
static gint listener_known, drained;

void stopdrain_set_listener(void)
{
    listener = pthread_self();
    g_atomic_int_set(&listener_known, 1);
}

void stopdrain_done(void)
{
    g_atomic_int_set(&drained, 1);
}

int __real_mi_stop(void);
int __wrap_mi_stop(void);

int __wrap_mi_stop(void)
{
    int how = __real_mi_stop();
    if (how != DRAIN_MILTER_STOP || g_atomic_int_get(&drained) ||
        !g_atomic_int_get(&listener_known) || pthread_equal(pthread_self(), listener))
        return how;
    return DRAIN_MILTER_CONT;
}
