#ifndef CSKIFFSPAWN_H
#define CSKIFFSPAWN_H
#include <sys/types.h>

/// Starts `path` with `argv`/`envp` (NULL-terminated) in a child whose descriptors are exactly
/// `child_fds[i]` ← `parent_fds[i]` for i < `count` (everything else closed), with default signal
/// dispositions and an empty signal mask. `new_session` makes the child a session leader.
/// A non-zero `death_signal` is delivered to the child when the thread that spawned it ends
/// (prctl PR_SET_PDEATHSIG); with `on_spawner_thread` that thread is one that lives as long as the
/// process, so the signal comes exactly when the process dies, however it dies.
/// Returns 0 and stores the pid, or an errno value (from the fork, or from exec in the child).
int skiff_spawn(const char *path, char *const argv[], char *const envp[],
                const int *child_fds, const int *parent_fds, int count,
                int new_session, int death_signal, int on_spawner_thread, pid_t *pid_out);

#endif
