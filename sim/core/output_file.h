/* output_file: opening a file that trainsim writes, without ever destroying
 * what its name points at.
 *
 * - A symbolic link is followed to its target, and the target is written:
 *   the link stays a link.
 * - A file that is not a regular one (a character device such as /dev/null
 *   or /dev/full, a FIFO) is written in place, never replaced.
 * - A regular file, or a new one, is written in place or (OUTPUT_REPLACED)
 *   through a temporary file beside its target, renamed over the target
 *   once complete, so that a failed write leaves the old file as it was.
 * - A directory, or one of the files the run reads (noted with
 *   output_file_note_input, compared by device and inode whatever the
 *   names), is refused before anything is created.
 *
 * Every function that fails prints one line on stderr naming the output
 * ("trainsim: cannot write the trace T: ..."). */
#ifndef TRAINSIM_OUTPUT_FILE_H
#define TRAINSIM_OUTPUT_FILE_H

#include <stddef.h>

typedef enum {
    OUTPUT_IN_PLACE,   /* created, or truncated, where it is */
    OUTPUT_REPLACED,   /* a regular file: through a temporary file renamed over it */
    OUTPUT_MODE_COUNT
} output_mode;

typedef struct {
    char* named;    /* as the user named it */
    char* target;   /* where it leads after its symbolic links */
    char* temp;     /* the temporary file written, until renamed; NULL when written in place */
    int   fd;       /* -1 when closed */
} output_file;

/* Remembers PATH, which the run reads as its ROLE ("scenario"), so that no
 * output may be it. Silently ignores a PATH that cannot be examined. */
void output_file_note_input(const char* path, const char* role);

/* Whether PATH may be written as the run's WHAT ("trace"): neither a
 * directory nor one of the inputs (stdout, NULL or "-", always may).
 * Returns 0, or -1 after a message. */
int output_file_check(const char* path, const char* what);

/* Checks PATH as output_file_check does and opens it for writing (MODE for a
 * regular file). Returns the descriptor (also in F->fd), or -1 after a
 * message. */
int output_file_open(output_file* f, const char* path, output_mode mode, const char* what);

/* Renames the temporary file over the target (nothing to do when written in
 * place); writing may go on. Returns 0, or -1 with errno set. */
int output_file_place(output_file* f);

/* Forgets F: removes the temporary file unless it was placed, and closes the
 * descriptor unless the caller has handed it on (F->fd = -1). */
void output_file_end(output_file* f);

/* Says that the WHAT ("report") could not be written to PATH (stdout when
 * NULL or "-"), for the reason ERROR (an errno; EIO's text when 0):
 * "trainsim: cannot write the report to stdout: No space left on device". */
void output_file_say_failed(const char* path, const char* what, int error);

/* Writes LEN bytes of TEXT, the run's WHAT, on stdout and flushes them.
 * Returns 0, or -1 after output_file_say_failed's message. */
int output_stdout(const char* text, size_t len, const char* what);

/* Flushes what printf left in stdout's buffer, the run's WHAT. Returns 0,
 * or -1 after output_file_say_failed's message when this or any earlier
 * write to stdout failed. */
int output_stdout_flush(const char* what);

#endif
