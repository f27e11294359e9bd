/* pimstream base: reading input files and writing output files safely.
 *
 * Inputs: only regular files, up to a size cap, so /dev/zero, a FIFO or a
 * directory is refused at once instead of read forever.
 *
 * Outputs: written to a uniquely named temporary file beside the target
 * (mkstemp, so no user file such as "X.tmp" is ever touched) and renamed
 * over it only when the whole run succeeded. A symlink is written through:
 * the link stays, its target gets the data. A guard thread removes the
 * temporary files when SIGINT, SIGTERM or SIGHUP stops the process. */
#define _XOPEN_SOURCE 700 /* realpath, fchmod */
#include "pimstream/base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- inputs ----------------------------------------------------------- */

static pim_status not_regular(const char *path, mode_t mode, pim_error *err)
{
    if (S_ISDIR(mode))
        return pim_fail(err, PIM_EINPUT, "%s: is a directory, not a file", path);
    return pim_fail(err, PIM_EINPUT,
                    "%s: not a regular file (a device, FIFO or socket); give a file", path);
}

pim_status pim_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len,
                         pim_error *err)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not hang; it is
     * refused below like any other non-regular file */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return pim_fail(err, PIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    pim_status st = PIM_OK;
    if (fstat(fd, &sb) != 0)
        st = pim_fail(err, PIM_EINPUT, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = not_regular(path, sb.st_mode, err);
    else if ((uint64_t)sb.st_size > max_bytes)
        st = pim_fail(err, PIM_EINPUT, "%s: %lld bytes, more than the %llu MiB this input may have",
                      path, (long long)sb.st_size, (unsigned long long)(max_bytes >> 20));
    if (st) {
        close(fd);
        return st;
    }
    /* read what is there, never more than the size seen (the file may grow) */
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        st = pim_fail(err, PIM_EINTERNAL, "%s: out of memory", path);
    while (!st && n < cap - 1) {
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            st = pim_fail(err, PIM_EINPUT, "%s: read error: %s", path, strerror(errno));
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (st) {
        free(buf);
        return st;
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return PIM_OK;
}

/* ---- the guard: temporary files removed on a stopping signal ----------- */

static void guard_unlink_all(pim_guard *g)
{
    for (size_t i = 0; i < g->count; i++)
        unlink(g->paths[i]);
}

static void *guard_watch(void *arg)
{
    pim_guard *g = arg;
    int sig = 0;
    if (sigwait(&g->signals, &sig) != 0)
        return NULL;
    /* Holding the lock until the process ends: no output is committed or
     * opened after this point, and every temporary file goes. */
    pthread_mutex_lock(&g->lock);
    guard_unlink_all(g);
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig); /* ends the process as the signal would have */
    _exit(128 + sig);
}

pim_status pim_guard_start(pim_guard *g, pim_error *err)
{
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->lock, NULL);
    sigemptyset(&g->signals);
    sigaddset(&g->signals, SIGINT);
    sigaddset(&g->signals, SIGTERM);
    sigaddset(&g->signals, SIGHUP);
    /* Blocked here, and so in every thread started after: only the
     * watcher receives them. A closed stdout must not kill the process
     * with files half written either: writes then fail with EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    if (pthread_sigmask(SIG_BLOCK, &g->signals, NULL) != 0 ||
        pthread_create(&g->thread, NULL, guard_watch, g) != 0)
        return pim_fail(err, PIM_EINTERNAL, "cannot start the signal guard");
    g->running = 1;
    return PIM_OK;
}

void pim_guard_stop(pim_guard *g)
{
    if (g->running) {
        pthread_cancel(g->thread); /* sigwait is a cancellation point */
        pthread_join(g->thread, NULL);
        g->running = 0;
    }
    for (size_t i = 0; i < g->count; i++)
        free(g->paths[i]);
    free(g->paths);
    g->paths = NULL;
    g->count = 0;
    pthread_mutex_destroy(&g->lock);
}

/* Called with the lock held (from the file's creation: a signal between
 * the two would leave a file the guard does not know). */
static int guard_add(pim_guard *g, const char *path)
{
    if (!g)
        return 1;
    char *copy = strdup(path);
    char **grown = copy ? realloc(g->paths, (g->count + 1) * sizeof *grown) : NULL;
    if (grown) {
        g->paths = grown;
        g->paths[g->count++] = copy;
    } else {
        free(copy);
    }
    return grown != NULL;
}

/* Called with the lock held. */
static void guard_forget(pim_guard *g, const char *path)
{
    for (size_t i = 0; g && i < g->count; i++)
        if (strcmp(g->paths[i], path) == 0) {
            free(g->paths[i]);
            g->paths[i] = g->paths[--g->count];
            return;
        }
}

/* ---- outputs ---------------------------------------------------------- */

/* The file the data must end in: a symlink's final target, with its
 * directory made absolute so two spellings of one file compare equal. */
static pim_status resolve_target(const char *path, char *target, pim_error *err)
{
    char dir[PIM_PATH_MAX], base[PIM_PATH_MAX];
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        if (!realpath(path, target))
            return pim_fail(err, PIM_EINPUT, "%s: a symlink whose target cannot be reached: %s",
                            path, strerror(errno));
        return PIM_OK;
    }
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        snprintf(dir, sizeof dir, "%.*s", (int)(n ? n : 1), path);
        pim_strlcpy(base, slash + 1, sizeof base);
    } else {
        pim_strlcpy(dir, ".", sizeof dir);
        pim_strlcpy(base, path, sizeof base);
    }
    char real_dir[PIM_PATH_MAX];
    if (!*base)
        return pim_fail(err, PIM_EINPUT, "%s: is a directory, not a file", path);
    if (!realpath(dir, real_dir))
        return pim_fail(err, PIM_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    if (snprintf(target, PIM_PATH_MAX, "%s/%s", strcmp(real_dir, "/") ? real_dir : "", base) >=
        PIM_PATH_MAX)
        return pim_fail(err, PIM_EINPUT, "%s: path too long", path);
    return PIM_OK;
}

pim_status pim_outfile_target(const char *path, char target[PIM_PATH_MAX], pim_error *err)
{
    if (!*path)
        return pim_fail(err, PIM_EINPUT, "an output file name is empty");
    if (strlen(path) >= PIM_PATH_MAX)
        return pim_fail(err, PIM_EINPUT, "%.80s...: path too long", path);
    pim_status st = resolve_target(path, target, err);
    struct stat sb;
    if (!st && stat(target, &sb) == 0 && !S_ISREG(sb.st_mode))
        st = not_regular(path, sb.st_mode, err);
    return st;
}

/* New files get the usual 0666 less the umask (mkstemp makes 0600);
 * a file being replaced keeps its mode. */
static void set_mode(int fd, const char *target)
{
    struct stat sb;
    if (stat(target, &sb) == 0) {
        fchmod(fd, sb.st_mode & 07777);
        return;
    }
    mode_t mask = 022;
    FILE *f = fopen("/proc/self/status", "r"); /* reads the umask without changing it */
    char line[128];
    unsigned m;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Umask: %o", &m) == 1)
            mask = (mode_t)m;
    if (f)
        fclose(f);
    fchmod(fd, 0666 & ~mask);
}

pim_status pim_outfile_open(pim_outfile *of, const char *path, pim_guard *guard, pim_error *err)
{
    memset(of, 0, sizeof *of);
    pim_status st = pim_outfile_target(path, of->path, err);
    if (st)
        return st;
    const char *slash = strrchr(of->path, '/');
    if (snprintf(of->tmp, sizeof of->tmp, "%.*s/.%s.XXXXXX", (int)(slash - of->path), of->path,
                 slash + 1) >= (int)sizeof of->tmp)
        return pim_fail(err, PIM_EINPUT, "%s: path too long", path);
    if (guard) /* a signal now waits until the guard knows the file */
        pthread_mutex_lock(&guard->lock);
    int fd = mkstemp(of->tmp);
    int saved = errno, known = fd >= 0 && guard_add(guard, of->tmp);
    if (fd >= 0 && !known) {
        close(fd);
        unlink(of->tmp);
    }
    if (guard)
        pthread_mutex_unlock(&guard->lock);
    if (fd < 0)
        return pim_fail(err, PIM_EINPUT, "%s: cannot write: %s", path, strerror(saved));
    if (!known)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    set_mode(fd, of->path);
    of->guard = guard;
    of->fp = fdopen(fd, "wb");
    if (!of->fp) {
        close(fd);
        pim_outfile_abort(of);
        return pim_fail(err, PIM_EINTERNAL, "%s: cannot write: %s", path, strerror(errno));
    }
    return PIM_OK;
}

/* Rename the temporary file onto the target (or remove it) and forget
 * it, as one step for the guard. Returns errno of a failed rename, or 0. */
static int finish(pim_outfile *of, int keep)
{
    pim_guard *g = of->guard;
    int failed = 0;
    if (g)
        pthread_mutex_lock(&g->lock);
    if (keep && rename(of->tmp, of->path) != 0)
        failed = errno;
    if (!keep || failed)
        unlink(of->tmp);
    guard_forget(g, of->tmp);
    if (g)
        pthread_mutex_unlock(&g->lock);
    of->tmp[0] = '\0';
    return failed;
}

pim_status pim_outfile_commit(pim_outfile *of, pim_error *err)
{
    FILE *f = of->fp;
    of->fp = NULL;
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    int saved = bad ? (errno ? errno : EIO) : finish(of, 1);
    if (bad)
        finish(of, 0);
    if (saved)
        return pim_fail(err, PIM_EINPUT, "%s: write failed: %s", of->path, strerror(saved));
    return PIM_OK;
}

void pim_outfile_abort(pim_outfile *of)
{
    if (of->fp) {
        fclose(of->fp);
        of->fp = NULL;
    }
    if (of->tmp[0])
        finish(of, 0);
}

pim_status pim_parse_text_file(const char *path, pim_text_parser parse, void *ctx, pim_error *err)
{
    char *text;
    size_t len;
    pim_status st = pim_read_file(path, PIM_MAX_TEXT_FILE, &text, &len, err);
    if (st)
        return st;
    st = parse(text, len, path, ctx, err);
    free(text);
    return st;
}

const char *pim_preset_yaml(const pim_preset *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].yaml;
    return NULL;
}

const char *pim_preset_name(const pim_preset *table, size_t n, size_t i)
{
    return i < n ? table[i].name : NULL;
}

void pim_preset_summary(const pim_preset *table, size_t n, size_t i, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (i >= n)
        return;
    const char *yaml = table[i].yaml, *colon = strchr(yaml, ':');
    const char *start = colon ? colon + 2 : yaml;
    snprintf(buf, cap, "%.*s", (int)strcspn(start, "\n"), start);
}
