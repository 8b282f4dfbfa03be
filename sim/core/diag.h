/* diag: the one error message a bad input gets.
 *
 * Loaders record the first problem they meet as
 *   FILE:LINE:COL: key.path: expected ..., found ...
 * and return; the caller prints it and exits with EXIT_INPUT. Later
 * problems are ignored, so a message always describes the first fault in
 * reading order. Lines and columns are 1-based. */
#ifndef TRAINSIM_DIAG_H
#define TRAINSIM_DIAG_H

#include "core/strbuf.h"

enum trainsim_exit {
    EXIT_DONE = 0,        /* success */
    EXIT_INFEASIBLE = 1,  /* valid scenario, but the plan cannot run (memory, ...) */
    EXIT_INPUT = 2,       /* usage or input error */
    EXIT_SYSTEM = 3,      /* the system refused a call (fork, pipe, poll, a write), or the simulation broke
                             (a deadlock, a report's invariant: run/run_invariants.h): not the input's fault */
};

typedef struct {
    const char* file;     /* name used in messages; not owned */
    strbuf      message;  /* the first error, without trailing newline */
    int         failed;
} diag;

void diag_init(diag* d, const char* file);
void diag_free(diag* d);

/* "FILE:LINE:COL: KEY: expected EXPECTED, found FOUND" */
void diag_expected(diag* d, int line, int col, const char* key,
                   const char* expected, const char* found);

/* "FILE:LINE:COL: free text" for problems that are not about one key. */
void diag_problem(diag* d, int line, int col, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The same at a position in another FILE than the diag's own (a sweep's value
 * placed into its base scenario); FILE NULL means the diag's own. */
void diag_expected_in(diag* d, const char* file, int line, int col, const char* key,
                      const char* expected, const char* found);
void diag_problem_in(diag* d, const char* file, int line, int col, const char* fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "FILE: free text" for problems with the file as a whole (unreadable, too big). */
void diag_file_problem(diag* d, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
