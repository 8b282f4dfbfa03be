/* platform_file: checking and reading a hand-written platform (see platform_file.h). */
#include "network/platform_file.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/link.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/dynar.h>
#include <xbt/log.h>

#include "network/host_names.h"
#include "network/simgrid_start.h"

/* ---- reading routes ----------------------------------------------------- */

/* SimGrid's links from gpu-A to gpu-B, in one array reused by every call
 * (still reachable if SimGrid aborts the check process on a missing route). */
static xbt_dynar_t links;

static xbt_dynar_t links_between(int a, int b)
{
    char name_a[32], name_b[32];
    platform_host_name(a, name_a, sizeof name_a);
    platform_host_name(b, name_b, sizeof name_b);
    if (links)
        xbt_dynar_reset(links);
    else
        links = xbt_dynar_new(sizeof(sg_link_t), NULL);
    sg_host_get_route(sg_host_by_name(name_a), sg_host_by_name(name_b), links);
    return links;
}

static void read_route(int a, int b, route* out)
{
    xbt_dynar_t route_links = links_between(a, b);
    int n = (int)xbt_dynar_length(route_links);
    out->count = n < ROUTE_MAX_LINKS ? n : ROUTE_MAX_LINKS;
    for (int k = 0; k < out->count; k++) {
        sg_link_t link = xbt_dynar_get_as(route_links, (unsigned)k, sg_link_t);
        route_link* l = &out->link[k];
        l->key = (uint64_t)(uintptr_t)link;   /* SimGrid splits a duplex link into two objects */
        l->cls = LINK_NIC;
        l->id = 0;
        l->up = 2 * k < n;                     /* the first half leaves the sender's side */
        l->shared = sg_link_is_shared(link);
        l->bandwidth = sg_link_get_bandwidth(link);
        l->latency = sg_link_get_latency(link);
    }
}

/* Routes already read, by (a, b): open addressing, grown at half full. */
typedef struct {
    int   a, b, used;
    route r;
} cached_route;

static cached_route* cache;
static size_t cache_size, cache_used;

static size_t slot_of(int a, int b, size_t size)
{
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (size - 1);
}

static void cache_grow(void)
{
    size_t size = cache_size ? 2 * cache_size : 1024;
    cached_route* grown = xcalloc(size, sizeof *grown);
    for (size_t i = 0; i < cache_size; i++) {
        if (!cache[i].used)
            continue;
        size_t j = slot_of(cache[i].a, cache[i].b, size);
        while (grown[j].used)
            j = (j + 1) & (size - 1);
        grown[j] = cache[i];
    }
    free(cache);
    cache = grown;
    cache_size = size;
}

void platform_file_route(int a, int b, route* out)
{
    if (2 * (cache_used + 1) > cache_size)
        cache_grow();
    size_t j = slot_of(a, b, cache_size);
    while (cache[j].used && (cache[j].a != a || cache[j].b != b))
        j = (j + 1) & (cache_size - 1);
    if (!cache[j].used) {
        cache[j] = (cached_route){.a = a, .b = b, .used = 1};
        read_route(a, b, &cache[j].r);
        cache_used++;
    }
    *out = cache[j].r;
}

void platform_file_forget(void)
{
    if (links)
        xbt_dynar_free(&links);
    free(cache);
    cache = NULL;
    cache_size = cache_used = 0;
}

/* ---- the check, in a child process --------------------------------------- */

static int checked_gpus;

/* The pairs whose routes are checked: all of them up to 512 GPUs; beyond,
 * each GPU to the ones 1, 2, 4, ... positions on, both ways. */
static void check_routes_actor(int argc, char* argv[])
{
    (void)argc, (void)argv;
    int n = checked_gpus;
    for (int a = 0; a < n; a++)
        for (int step = 1; step < n; step = n <= 512 ? step + 1 : 2 * step) {
            int b = (a + step) % n;
            int count = (int)xbt_dynar_length(links_between(a, b));
            if (count == 0 || count > ROUTE_MAX_LINKS) {
                fprintf(stderr, "trainsim-check: the route from gpu-%d to gpu-%d has %d links (1 to %d expected)\n",
                        a, b, count, ROUTE_MAX_LINKS);
                fflush(stderr);
                _exit(3);
            }
        }
}

/* ---- values SimGrid cannot simulate -------------------------------------- */

/* "PATH:LINE:COL: " at the start of the element whose id is NAME (a split
 * duplex link's _UP or _DOWN half: its link's), or "" when no element names
 * it (SimGrid names a <cluster>'s links itself). */
static void element_position(const char* path, const char* name, strbuf* where)
{
    strbuf text = {0};
    FILE* f = fopen(path, "r");
    char chunk[65536];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_append_n(&text, chunk, n);
    if (f)
        fclose(f);
    size_t len = strlen(name);
    if (len > 3 && !strcmp(name + len - 3, "_UP"))
        len -= 3;
    else if (len > 5 && !strcmp(name + len - 5, "_DOWN"))
        len -= 5;
    const char* at = NULL;
    for (const char* quote = "\"'"; *quote && !at; quote++) {
        strbuf id = {0};
        strbuf_printf(&id, "id=%c%.*s%c", *quote, (int)len, name, *quote);
        at = strstr(strbuf_text(&text), strbuf_text(&id));
        strbuf_free(&id);
    }
    if (at) {
        const char* start = strbuf_text(&text);
        while (at > start && *at != '<')
            at--;
        int line = 1, col = 1;
        for (const char* c = start; c < at; c++)
            *c == '\n' ? (line++, col = 1) : col++;
        strbuf_printf(where, "%s:%d:%d: ", path, line, col);
    }
    strbuf_free(&text);
}

/* Says which value of the element NAME (a KIND) SimGrid cannot simulate,
 * and ends the check. */
static void refuse_value(const char* path, const char* kind, const char* name, const char* what, double value,
                         const char* unit, const char* expected)
{
    strbuf where = {0};
    element_position(path, name, &where);
    fprintf(stderr, "trainsim-check: %s%s %s: %s %g %s, expected %s\n", strbuf_text(&where), kind, name, what, value,
            unit, expected);
    fflush(stderr);
    _exit(3);
}

/* Every link's bandwidth must be positive and finite, its latency finite
 * and not negative, every host's speed positive and finite: SimGrid 3.32
 * loads any of them, then aborts ("The Impossible Did Happen") on a zero
 * or NaN rate, or simulates nonsense with a negative latency. */
static void check_values(const char* path)
{
    sg_link_t* link = sg_link_list();
    for (size_t i = 0; i < sg_link_count(); i++) {
        const char* name = sg_link_get_name(link[i]);
        double bandwidth = sg_link_get_bandwidth(link[i]), latency = sg_link_get_latency(link[i]);
        if (!(bandwidth > 0) || !isfinite(bandwidth))
            refuse_value(path, "link", name, "bandwidth", bandwidth, "B/s", "a positive, finite bandwidth");
        if (!(latency >= 0) || !isfinite(latency))
            refuse_value(path, "link", name, "latency", latency, "s", "a finite latency of at least 0 s");
    }
    free(link);
    sg_host_t* host = sg_host_list();
    for (size_t i = 0; i < sg_host_count(); i++) {
        double speed = sg_host_get_speed(host[i]);
        if (!(speed > 0) || !isfinite(speed))
            refuse_value(path, "host", sg_host_get_name(host[i]), "speed", speed, "flop/s",
                         "a positive, finite speed");
    }
    free(host);
}

static void check_in_child(const char* path, int gpus, int err_fd)
{
    struct rlimit no_core = {0, 0};   /* SimGrid aborts on bad input: no core file */
    setrlimit(RLIMIT_CORE, &no_core);
    /* ... and dies of it: a handler inherited from the caller (a fuzzer's, a
     * sanitizer's) must not take the abort for its own program's crash. */
    const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        signal(fatal[i], SIG_DFL);
    dup2(err_fd, STDERR_FILENO);
    close(err_fd);
    FILE* null = freopen("/dev/null", "w", stdout);
    (void)null;
    platform_start_simgrid();   /* the same context factory as the parent */
    xbt_log_control_set("root.thres:error");   /* parse errors are logged at this level */
    simgrid_load_platform(path);
    check_values(path);
    for (int g = 0; g < gpus; g++) {
        char name[32];
        platform_host_name(g, name, sizeof name);
        if (!sg_host_by_name(name)) {
            fprintf(stderr, "trainsim-check: no host %s (the scenario uses %d GPUs, gpu-0 to gpu-%d)\n", name,
                    gpus, gpus - 1);
            fflush(stderr);
            _exit(3);
        }
    }
    checked_gpus = gpus;
    sg_actor_create("check", sg_host_by_name("gpu-0"), check_routes_actor, 0, NULL);
    simgrid_run();
    _exit(0);
}

/* The line of SimGrid's output that says what went wrong, without its
 * "[time] [category/LEVEL]" prefixes. */
static void reason_from(const char* text, strbuf* why)
{
    static const char* const markers[] = {"trainsim-check: ", "Parse error", "No route", "ERROR]", "CRITICAL]"};
    const char* best = NULL;
    for (size_t m = 0; m < sizeof markers / sizeof *markers && !best; m++)
        best = strstr(text, markers[m]);
    if (!best) {
        strbuf_append(why, "SimGrid stopped without a message");
        return;
    }
    const char* line = best;
    while (line > text && line[-1] != '\n')
        line--;
    const char* end = strchr(line, '\n');
    int len = end ? (int)(end - line) : (int)strlen(line);
    for (int i = len - 2; i >= 0; i--)   /* drop "file:line: [category/LEVEL] " */
        if (line[i] == ']' && line[i + 1] == ' ') {
            line += i + 2;
            len -= i + 2;
            break;
        }
    if (!strncmp(line, "trainsim-check: ", 16))
        line += 16, len -= 16;
    strbuf_printf(why, "%.*s", len, line);
}

int platform_file_check(const char* path, int gpus, strbuf* why)
{
    FILE* f = fopen(path, "r");
    if (!f) {
        strbuf_printf(why, "cannot open it");
        return -1;
    }
    fclose(f);
    int pipe_fd[2];
    if (pipe(pipe_fd)) {
        strbuf_printf(why, "cannot create a pipe to check it");
        return -1;
    }
    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        close(pipe_fd[0]);
        close(pipe_fd[1]);
        strbuf_printf(why, "cannot start a process to check it");
        return -1;
    }
    if (child == 0) {
        close(pipe_fd[0]);
        check_in_child(path, gpus, pipe_fd[1]);
    }
    close(pipe_fd[1]);
    strbuf output = {0};
    char buf[4096];
    ssize_t got;
    while ((got = read(pipe_fd[0], buf, sizeof buf)) > 0)
        strbuf_printf(&output, "%.*s", (int)got, buf);
    close(pipe_fd[0]);
    int status = 0;
    waitpid(child, &status, 0);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        reason_from(strbuf_text(&output), why);
    strbuf_free(&output);
    return ok ? 0 : -1;
}

int platform_file_check_scenario(scenario* sc, diag* d)
{
    if (!sc->cluster.platform[0])
        return 0;
    char* path = path_beside(sc->file, sc->cluster.platform);
    strbuf why = {0};
    int bad = platform_file_check(path, (int)scenario_world_size(sc), &why);
    if (bad) {
        const key_mark* m = scenario_find_mark(sc, "cluster.platform");
        strbuf found = {0};
        strbuf_printf(&found, "\"%s\": %s", path, strbuf_text(&why));
        diag_expected_in(d, m ? m->file : NULL, m ? m->line : 1, m ? m->col : 1, "cluster.platform",
                         "a SimGrid platform file with hosts gpu-0, gpu-1, ... for every GPU used, "
                         "routed to each other", strbuf_text(&found));
        strbuf_free(&found);
        free(path);
    } else {
        free(sc->cluster.platform);
        sc->cluster.platform = path;
    }
    strbuf_free(&why);
    return bad ? -1 : 0;
}
