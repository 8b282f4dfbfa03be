/* output_file: outputs that never destroy what they name (see output_file.h). */
#include "core/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/strbuf.h"

/* ---- the inputs --------------------------------------------------------- */

typedef struct {
    dev_t dev;
    ino_t ino;
    char* path;
    char* role;
} input_file;

static input_file* inputs;
static size_t input_count;

void output_file_note_input(const char* path, const char* role)
{
    struct stat st;
    if (!path || stat(path, &st))
        return;
    for (size_t i = 0; i < input_count; i++)
        if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino)
            return;
    inputs = xrealloc(inputs, (input_count + 1) * sizeof *inputs);
    inputs[input_count++] = (input_file){st.st_dev, st.st_ino, xstrdup(path), xstrdup(role)};
}

static const input_file* input_at(const struct stat* st)
{
    for (size_t i = 0; i < input_count; i++)
        if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino)
            return &inputs[i];
    return NULL;
}

/* ---- following links ------------------------------------------------------ */

/* SimGrid's and Linux's limit on symbolic links followed in one path. */
enum { MAX_LINKS_FOLLOWED = 40 };

/* Where PATH leads once its symbolic links are followed (a link's relative
 * text is taken from the link's directory), into a new string. A link that
 * leads nowhere yet leads to the file it names, to be created. Returns
 * NULL, errno ELOOP, after too many links. */
static char* follow_links(const char* path)
{
    char* target = xstrdup(path);
    for (int hops = 0; hops < MAX_LINKS_FOLLOWED; hops++) {
        struct stat st;
        if (lstat(target, &st) || !S_ISLNK(st.st_mode))
            return target;
        strbuf text = {0};
        char buf[4096];
        ssize_t n = readlink(target, buf, sizeof buf - 1);
        if (n < 0)
            return target;   /* open says why */
        buf[n] = '\0';
        strbuf_append(&text, buf);
        char* next = path_beside(target, strbuf_text(&text));
        strbuf_free(&text);
        free(target);
        target = next;
    }
    free(target);
    errno = ELOOP;
    return NULL;
}

/* ---- the checks --------------------------------------------------------- */

static int is_stdout(const char* path)
{
    return !path || !strcmp(path, "-");
}

static void say_cannot(const char* what, const char* path, const char* why)
{
    if (is_stdout(path))
        fprintf(stderr, "trainsim: cannot write the %s to stdout: %s\n", what, why);
    else
        fprintf(stderr, "trainsim: cannot write the %s %s: %s\n", what, path, why);
}

void output_file_say_failed(const char* path, const char* what, int error)
{
    say_cannot(what, path, strerror(error ? error : EIO));
}

int output_stdout(const char* text, size_t len, const char* what)
{
    errno = 0;
    if (fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0)
        return 0;
    output_file_say_failed(NULL, what, errno);
    return -1;
}

int output_stdout_flush(const char* what)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    output_file_say_failed(NULL, what, errno);
    return -1;
}

/* TARGET (PATH after its links) may be written: not a directory, not an
 * input. Returns 0, or -1 after a message. */
static int check_target(const char* path, const char* target, const char* what)
{
    struct stat st;
    if (stat(target, &st))
        return 0;   /* a new file: open says whether it can be created */
    if (S_ISDIR(st.st_mode)) {
        say_cannot(what, path, "it is a directory; name a file");
        return -1;
    }
    const input_file* in = input_at(&st);
    if (in) {
        strbuf why = {0};
        strbuf_printf(&why, "it is the %s %s, which this run reads; name another file", in->role, in->path);
        say_cannot(what, path, strbuf_text(&why));
        strbuf_free(&why);
        return -1;
    }
    return 0;
}

int output_file_check(const char* path, const char* what)
{
    if (is_stdout(path))
        return 0;
    char* target = follow_links(path);
    if (!target) {
        say_cannot(what, path, strerror(errno));
        return -1;
    }
    int bad = check_target(path, target, what);
    free(target);
    return bad;
}

/* ---- opening ------------------------------------------------------------ */

/* The mode a new file gets: the old target's, or what the umask leaves of
 * rw-rw-rw- (mkstemp's file is rw------- whatever the umask). */
static mode_t new_file_mode(const char* target)
{
    struct stat st;
    if (!stat(target, &st))
        return st.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Opens F->target through a temporary file in its directory. */
static int open_temp(output_file* f)
{
    strbuf name = {0};
    strbuf_printf(&name, "%s.partial.XXXXXX", f->target);
    f->temp = xstrdup(strbuf_text(&name));
    strbuf_free(&name);
    f->fd = mkstemp(f->temp);
    if (f->fd < 0) {
        free(f->temp);
        f->temp = NULL;
        return -1;
    }
    (void)fchmod(f->fd, new_file_mode(f->target));   /* failing, the file stays rw------- */
    return f->fd;
}

int output_file_open(output_file* f, const char* path, output_mode mode, const char* what)
{
    *f = (output_file){.named = xstrdup(path), .fd = -1};
    f->target = follow_links(path);
    if (!f->target) {
        say_cannot(what, path, strerror(errno));
        return -1;
    }
    if (check_target(path, f->target, what))
        return -1;
    struct stat st;
    int exists = !stat(f->target, &st);
    if (mode == OUTPUT_REPLACED && (!exists || S_ISREG(st.st_mode)))
        open_temp(f);
    else   /* in place: a device or a FIFO always is */
        f->fd = open(f->target, O_WRONLY | O_CREAT | (exists && !S_ISREG(st.st_mode) ? 0 : O_TRUNC), 0666);
    if (f->fd < 0) {
        say_cannot(what, path, strerror(errno));
        return -1;
    }
    return f->fd;
}

int output_file_place(output_file* f)
{
    if (!f->temp)
        return 0;
    if (rename(f->temp, f->target))
        return -1;
    free(f->temp);
    f->temp = NULL;
    return 0;
}

void output_file_end(output_file* f)
{
    if (f->temp)
        unlink(f->temp);
    if (f->fd >= 0)
        close(f->fd);
    free(f->named);
    free(f->target);
    free(f->temp);
    *f = (output_file){.fd = -1};
}
