/* args: what every command's argument parsing shares: numbers and seeds
 * read strictly, the worker count, and the usage error.
 *
 * A parser returns CLI_GO_ON when the arguments are read, else the exit
 * status to leave with; cli_usage_error returns CLI_USAGE, for which main
 * prints the usage (it alone knows the commands) and exits with EXIT_INPUT. */
#ifndef TRAINSIM_ARGS_H
#define TRAINSIM_ARGS_H

#define CLI_GO_ON (-1)
#define CLI_USAGE (-2)

/* "trainsim: " FMT (with ARG) on stderr; returns CLI_USAGE. */
int cli_usage_error(const char* fmt, const char* arg);

/* TEXT as a whole number from MIN to MAX into OUT. Returns 0, or -1. */
int cli_parse_count(const char* text, long min, long max, long* out);

/* TEXT as a seed, 0 to 2^63-1, into SEED. Returns 0, or -1. */
int cli_parse_seed(const char* text, unsigned long long* seed);

/* -j's value V into JOBS: CLI_GO_ON, or the usage error's status. */
int cli_parse_jobs(const char* v, int* jobs);

/* --timeout's value V, seconds a point's process may run (a positive
 * number up to CLI_MAX_TIMEOUT), into SECONDS: CLI_GO_ON, or the usage
 * error's status. */
#define CLI_MAX_TIMEOUT 1e6
int cli_parse_timeout(const char* v, double* seconds);

/* Worker processes by default: the cores online. */
int cli_cores(void);

#endif
