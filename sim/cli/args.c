/* args: numbers, seeds, workers and the usage error (see args.h). */
#include "cli/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage_error(const char* fmt, const char* arg)
{
    fprintf(stderr, "trainsim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    return CLI_USAGE;
}

int cli_parse_seed(const char* text, unsigned long long* seed)
{
    if (!text || !*text || strlen(text) > 19)
        return -1;
    for (const char* s = text; *s; s++)
        if (*s < '0' || *s > '9')
            return -1;
    *seed = strtoull(text, NULL, 10);
    return *seed > 9223372036854775807ULL ? -1 : 0;
}

int cli_parse_count(const char* text, long min, long max, long* out)
{
    char* end = NULL;
    if (!text || !*text)
        return -1;
    long v = strtol(text, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_timeout(const char* v, double* seconds)
{
    char* end = NULL;
    double t = v && *v ? strtod(v, &end) : 0;
    if (!v || !*v || *end || !(t > 0) || t > CLI_MAX_TIMEOUT)
        return cli_usage_error("--timeout expects a positive number of seconds, at most 1000000, found '%s'",
                               v ? v : "nothing");
    *seconds = t;
    return CLI_GO_ON;
}

int cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

int cli_parse_jobs(const char* v, int* jobs)
{
    long n;
    if (cli_parse_count(v, 1, 1024, &n))
        return cli_usage_error("-j expects a number of workers from 1 to 1024, found '%s'", v ? v : "nothing");
    *jobs = (int)n;
    return CLI_GO_ON;
}
