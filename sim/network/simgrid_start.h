/* simgrid_start: starting SimGrid and loading a platform into it.
 *
 * SimGrid 3.32 allows one engine per process, started once and handed one
 * platform, which it reads from a file: the generated platform goes through
 * a temporary file, a hand-written one (platform_file.h) is read where it
 * lies. */
#ifndef TRAINSIM_SIMGRID_START_H
#define TRAINSIM_SIMGRID_START_H

/* Starts SimGrid once per process, quiet but for critical messages. */
void platform_start_simgrid(void);

/* Starts SimGrid (once per process) and loads XML through a temporary file.
 * Returns 0, or -1 with a message on stderr when the file cannot be written. */
int platform_load(const char* xml);

/* Starts SimGrid and loads the platform file PATH, which must have passed
 * platform_file_check (SimGrid aborts on a bad one). */
void platform_load_file(const char* path);

#endif
