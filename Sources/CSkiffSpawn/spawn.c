#define _GNU_SOURCE
#include "CSkiffSpawn.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// Why C: posix_spawn cannot set PR_SET_PDEATHSIG, and Swift cannot run code between fork and exec.
// Why a dedicated thread: the kernel sends the death signal when the *thread* that forked the child
// exits, and Swift's thread pools retire idle threads; children forked from one would be killed
// at random. The spawner thread is never joined and never exits.

struct request {
    const char *path;
    char *const *argv;
    char *const *envp;
    const int *child_fds;
    const int *parent_fds;
    int count, new_session, death_signal;
    int result;
    pid_t pid;
    int done;
    struct request *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static struct request *head, *tail;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int spawner_failed;

static void do_spawn(struct request *r) {
    // Blocked here so no handler of ours runs in the child, which shares our memory until exec.
    sigset_t all, old, none;
    sigfillset(&all);
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    // Stage sources above every child slot, so one dup2 never clobbers another's source.
    int highest = 2;
    for (int i = 0; i < r->count; i++) if (r->child_fds[i] > highest) highest = r->child_fds[i];
    int staged[r->count > 0 ? r->count : 1];
    for (int i = 0; i < r->count; i++) {
        staged[i] = fcntl(r->parent_fds[i], F_DUPFD_CLOEXEC, highest + 1 > 100 ? highest + 1 : 100);
        if (staged[i] < 0) {
            r->result = errno;
            for (int j = 0; j < i; j++) close(staged[j]);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return;
        }
    }
    pid_t parent = getpid();
    volatile int child_errno = 0;
    pid_t pid = vfork();
    if (pid == 0) {
        // The child: only async-signal-safe calls from here to exec.
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; s++) if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
        if (r->new_session && setsid() < 0) { child_errno = errno; _exit(127); }
        if (r->death_signal) {
            if (prctl(PR_SET_PDEATHSIG, r->death_signal) < 0) { child_errno = errno; _exit(127); }
            // The parent may have died before the prctl: then nobody would ever signal us.
            if (getppid() != parent) _exit(127);
        }
        for (int i = 0; i < r->count; i++) {
            if (dup2(staged[i], r->child_fds[i]) < 0) { child_errno = errno; _exit(127); }
        }
        // Close everything that is not a child slot (slots below the highest one included).
        for (int fd = 0; fd <= highest; fd++) {
            int keep = 0;
            for (int i = 0; i < r->count; i++) if (r->child_fds[i] == fd) keep = 1;
            if (!keep) close(fd);
        }
        if (syscall(SYS_close_range, highest + 1, ~0U, 0) < 0) {
            struct rlimit limit;
            long max = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY ? (long)limit.rlim_cur : 65536;
            for (long fd = highest + 1; fd < max; fd++) close((int)fd);
        }
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(r->path, r->argv, r->envp);
        child_errno = errno;
        _exit(127);
    }
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < r->count; i++) close(staged[i]);
    if (pid < 0) { r->result = fork_errno; return; }
    if (child_errno != 0) {
        // The child never ran the program: reap it here, the caller gets no pid.
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        r->result = child_errno;
        return;
    }
    r->result = 0;
    r->pid = pid;
}

static void *spawner_main(void *unused) {
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!head) pthread_cond_wait(&wake, &lock);
        struct request *r = head;
        head = r->next;
        if (!head) tail = NULL;
        pthread_mutex_unlock(&lock);
        do_spawn(r);
        pthread_mutex_lock(&lock);
        r->done = 1;
        pthread_cond_broadcast(&finished);
    }
    return NULL;
}

static void start_spawner(void) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    // Signals are handled elsewhere (by signalfd/dispatch sources); the spawner never takes one.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&thread, &attr, spawner_main, NULL) != 0) spawner_failed = 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

int skiff_spawn(const char *path, char *const argv[], char *const envp[],
                const int *child_fds, const int *parent_fds, int count,
                int new_session, int death_signal, int on_spawner_thread, pid_t *pid_out) {
    struct request r = {
        .path = path, .argv = argv, .envp = envp, .child_fds = child_fds, .parent_fds = parent_fds,
        .count = count, .new_session = new_session, .death_signal = death_signal,
    };
    if (!on_spawner_thread) {
        do_spawn(&r);
    } else {
        pthread_once(&once, start_spawner);
        if (spawner_failed) return EAGAIN;
        pthread_mutex_lock(&lock);
        if (tail) tail->next = &r; else head = &r;
        tail = &r;
        pthread_cond_signal(&wake);
        while (!r.done) pthread_cond_wait(&finished, &lock);
        pthread_mutex_unlock(&lock);
    }
    if (r.result == 0) *pid_out = r.pid;
    return r.result;
}
