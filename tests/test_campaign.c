/* test_campaign: the run level against its closed forms: no failures gives
 * the failure-free time exactly; with exponential failures the mean
 * wall-clock over many replications matches renewal theory (Daly 2006);
 * across checkpoint intervals the wall-clock is a U whose bottom is near
 * the Young/Daly optimum; seeds, Weibull and spares behave. Each test runs in
 * its own process (one SimGrid engine per process). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "des/campaign.h"
#include "helpers.h"
#include "network/platform_xml.h"
#include "network/simgrid_start.h"
#include "run/run.h"

#define HOUR 3600.0

static void renewal_input(campaign_input* in)
{
    renewal_campaign_input(in, 7, 1000);   /* tests/helpers.h */
}

START_TEST(no_failures_take_the_failure_free_time)
{
    campaign_input in;
    renewal_input(&in);
    in.class_count = 0;
    in.interval_seconds = 0;
    in.replications = 3;
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_double_eq(r.wall_mean, in.work_seconds);   /* exactly */
    ck_assert_double_eq(r.wall_p10, in.work_seconds);
    ck_assert_double_eq(r.goodput, 1.0);
    ck_assert_double_eq(r.failures_total, 0);
    /* With checkpoints but no failures: work plus every checkpoint. */
    in.interval_seconds = 0.3 * HOUR;
    campaign_simulate(&in, "gpu-0", &r);
    double expected = in.work_seconds + ceil(100 / 0.3) * in.checkpoint_seconds;
    ck_assert_double_eq_tol(r.wall_mean, expected, 1e-6);
    ck_assert_double_eq_tol(campaign_expected_wall(&in), expected, 1e-6);
}
END_TEST

/* Renewal theory: each segment of tau + C takes M e^{R/M}(e^{(tau+C)/M} - 1)
 * on average. The time failures cost (lost work and recoveries) over 1,000
 * replications is within 3 % of its expectation. */
START_TEST(failures_cost_what_renewal_theory_expects)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    double segments = ceil(in.work_seconds / in.interval_seconds);
    double overhead_free = in.work_seconds + segments * in.checkpoint_seconds;
    double expected = campaign_expected_wall(&in) - overhead_free;
    ck_assert_rel(r.lost_work + r.recovery, expected, 0.03);
    ck_assert_rel(r.wall_mean - overhead_free, expected, 0.03);
    ck_assert_double_eq_tol(r.checkpoint, segments * in.checkpoint_seconds, 1e-6);
    ck_assert_double_eq(r.waiting, 0);
    /* Every second of the run is accounted for once. */
    ck_assert_rel(r.wall_mean, in.work_seconds + r.checkpoint + r.lost_work + r.recovery + r.waiting, 1e-9);
    /* One failure per 5 h of wall-clock (about 122 h): about 24. */
    ck_assert_rel(r.failures_total, r.wall_mean / (5 * HOUR), 0.03);
    ck_assert(r.wall_p10 < r.wall_mean && r.wall_mean < r.wall_p90);
}
END_TEST

/* The work lost per run is a compound Poisson sum: N failures while training
 * (rate lambda; E[N] = lambda (W + k C) / (1 - lambda L / 2), L = tau + C,
 * as explain has it), each losing the time X since its segment began, whose
 * density is lambda e^{-lambda x} / (1 - e^{-lambda L}) on [0, L]. Its
 * variance is E[N] E[X^2] (Ross, Introduction to Probability Models, Sec.
 * 3.5), so the mean of n replications has the standard error
 * sqrt(E[N] E[X^2] / n). Over 1,000 replications an estimated standard
 * error scatters by about 2 %, and N is a little wider than Poisson (redone
 * work draws more failures: about 4 % on the error here): within 6 %. */
START_TEST(standard_errors_follow_the_compound_poisson_form)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    double rate = campaign_failure_rate(&in), length = in.interval_seconds + in.checkpoint_seconds;
    double segments = ceil(in.work_seconds / in.interval_seconds);
    double failures = rate * (in.work_seconds + segments * in.checkpoint_seconds) / (1 - rate * length / 2);
    double tail = exp(-rate * length);
    double x2 = (2 / (rate * rate) - tail * (length * length + 2 * length / rate + 2 / (rate * rate))) / (1 - tail);
    ck_assert_rel(r.lost_work_se, sqrt(failures * x2 / in.replications), 0.06);
    /* One replication has no scatter to measure. */
    in.replications = 1;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_double_eq(r.lost_work_se, 0);
    ck_assert_double_eq(r.wall_se, 0);
}
END_TEST

/* Too-frequent checkpoints waste time writing them, too-rare ones lose more
 * work: over intervals from a quarter to four times the Young/Daly one, the
 * simulated wall-clock falls, then rises, lowest at the optimum. */
START_TEST(wall_clock_is_a_u_around_the_optimal_interval)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    in.replications = 100;
    double m = 1 / campaign_failure_rate(&in);
    double best = campaign_optimal_interval(in.checkpoint_seconds, m);
    /* sqrt(2CM) = 0.707 h, Daly's corrections: 0.674 h. */
    ck_assert_double_eq_tol(best, 0.674 * HOUR, 0.001 * HOUR);
    const double factors[] = {0.25, 0.5, 1, 2, 4};   /* expected: 138, 124, 120, 125, 141 h */
    double wall[5];
    for (int i = 0; i < 5; i++) {
        in.interval_seconds = best * factors[i];
        campaign_result r;
        campaign_simulate(&in, "gpu-0", &r);
        wall[i] = r.wall_mean;
    }
    ck_assert(wall[0] > wall[1] && wall[1] > wall[2]);
    ck_assert(wall[2] < wall[3] && wall[3] < wall[4]);
}
END_TEST

START_TEST(same_seed_same_run_other_seed_other_run)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    in.replications = 5;
    campaign_result a, b, c;
    campaign_simulate(&in, "gpu-0", &a);
    campaign_simulate(&in, "gpu-0", &b);
    in.seed = 8;
    campaign_simulate(&in, "gpu-0", &c);
    /* The same draws; only the rounding of the later absolute clock differs
     * (a new process starts from the same clock, byte for byte). */
    ck_assert_double_eq(a.failures_total, b.failures_total);
    ck_assert_double_eq_tol(a.wall_mean, b.wall_mean, 1e-9 * a.wall_mean);
    ck_assert(fabs(a.wall_mean - c.wall_mean) > 1e-3 * a.wall_mean);
    /* Weibull of shape 1 is the exponential: the very same draws. */
    in.seed = 7;
    in.distribution = DIST_WEIBULL;
    in.shape = 1;
    campaign_simulate(&in, "gpu-0", &c);
    ck_assert_double_eq_tol(c.wall_mean, a.wall_mean, 1e-6 * a.wall_mean);
}
END_TEST

/* With no spare node, a failure waits for a repair (10 h, and the failures
 * meanwhile need nodes too); with plenty of spares, none waits. */
START_TEST(without_spares_the_job_waits_for_repairs)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    in.replications = 20;
    in.classes[0].repair = 10 * HOUR;
    in.spares = 0;
    campaign_result none, plenty;
    campaign_simulate(&in, "gpu-0", &none);
    in.spares = 1000;
    campaign_simulate(&in, "gpu-0", &plenty);
    ck_assert_double_eq(plenty.waiting, 0);
    /* The first failure alone waits out its repair, less the detection. */
    ck_assert(none.waiting > 9.9 * HOUR);
    /* Waiting adds to the wall-clock; the rest differs by draws only. */
    ck_assert_rel(none.wall_mean - none.waiting, plenty.wall_mean, 0.05);
}
END_TEST

static int notes_contain(const run_result* r, const char* text)
{
    for (int i = 0; i < r->not_simulated_count; i++)
        if (strstr(r->not_simulated[i], text))
            return 1;
    return 0;
}

/* Reports say what an asynchronous write leaves out (docs/model.md): its
 * traffic, when the run writes checkpoints at all. */
START_TEST(asynchronous_writes_are_listed_as_not_simulated)
{
    const char* cases[][2] = {
        {"checkpoint: {interval: 3h, async: true}\n", "1"},
        {"checkpoint: {interval: 3h}\n", "0"},
        {"checkpoint: {async: true}\n", "0"},   /* no failures, no interval: nothing written */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        strbuf text = {0};
        tiny_scenario(&text, NULL, NULL, NULL, NULL);
        strbuf_append(&text, cases[i][0]);
        scenario sc;
        load_scenario(strbuf_text(&text), &sc);
        run_result r;
        ck_assert_int_eq(run_prepare(&sc, &r), 0);
        ck_assert_int_eq(notes_contain(&r, "asynchronous checkpoint writes"), cases[i][1][0] == '1');
        run_result_free(&r);
        scenario_free(&sc);
        strbuf_free(&text);
    }
}
END_TEST

/* Asynchronous checkpoints: only the copy to host memory blocks; the write
 * goes on beside training and the next copy waits for it. Without failures
 * the run is the work, the copies and the last write (or a wait when the
 * write outlasts the interval); with failures, a checkpoint counts only once
 * written, yet the run is shorter than with blocking writes. */
START_TEST(asynchronous_checkpoints_block_only_the_copy)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    in.copy_seconds = 0.001 * HOUR;
    in.class_count = 0;
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    ck_assert_double_eq_tol(r.wall_mean, in.work_seconds + 100 * in.copy_seconds + in.checkpoint_seconds, 1e-6);
    in.checkpoint_seconds = 1.5 * HOUR;   /* longer than the interval: each copy waits 0.5 h less the copy */
    campaign_simulate(&in, "gpu-0", &r);
    double waits = 99 * (1.5 * HOUR - 1 * HOUR);
    ck_assert_double_eq_tol(r.wall_mean, in.work_seconds + 100 * in.copy_seconds + waits + 1.5 * HOUR, 1e-6);
    /* The simulation agrees when failures are possible but never come. */
    in.class_count = 1;
    in.classes[0].mtbf = 1e15 * HOUR;
    in.replications = 1;
    campaign_result simulated;
    campaign_simulate(&in, "gpu-0", &simulated);
    ck_assert_double_eq(simulated.failures_total, 0);
    ck_assert_double_eq_tol(simulated.wall_mean, r.wall_mean, 1e-6 * r.wall_mean);

    renewal_input(&in);
    in.replications = 200;
    campaign_result sync, async;
    campaign_simulate(&in, "gpu-0", &sync);
    in.copy_seconds = 0.001 * HOUR;
    campaign_simulate(&in, "gpu-0", &async);
    ck_assert_rel(async.wall_mean,
                  in.work_seconds + async.checkpoint + async.lost_work + async.recovery + async.waiting, 1e-9);
    ck_assert(async.checkpoint < 0.1 * sync.checkpoint);
    ck_assert(async.wall_mean < sync.wall_mean - 2 * HOUR);
}
END_TEST

/* A checkpoint of S bytes from a job of 8 GPUs, of which the platform holds
 * 2 (one per node): the storage links carry 2/8 of the aggregate, so the
 * two shards of S/8 take S / aggregate, as all eight would. */
START_TEST(checkpoint_io_takes_the_aggregate_share)
{
    topology t;
    simple_topology(&t, 2, 1, 25e9, 2e-6);
    t.storage_write = 10e9;
    t.storage_read = 20e9;
    t.storage_share = 2.0 / 8.0;
    int gpus[] = {0, 1};
    strbuf xml = {0};
    platform_xml(&t, gpus, 2, NULL, 0, &xml);
    ck_assert_int_eq(platform_load(strbuf_text(&xml)), 0);
    strbuf_free(&xml);
    double size = 80e9, write, load;
    campaign_checkpoint_io(gpus, 2, size / 8, &write, &load);
    /* Plus the NIC's half of the latency: the storage end adds none. */
    ck_assert_double_eq_tol(write, size / 10e9 + 1e-6, 1e-9);
    ck_assert_double_eq_tol(load, size / 20e9 + 1e-6, 1e-9);
}
END_TEST

/* WHAT ("seconds" or "fraction") of CAUSE in the report's breakdown. */
static double breakdown_of(const json_t* report, const char* cause, const char* what)
{
    char path[64];
    snprintf(path, sizeof path, "breakdown.%s.%s", cause, what);
    return number_at(report, path);
}

/* The whole chain on a scenario with failures: same seed, same bytes; the
 * JSON carries the distribution, failures by kind and a breakdown of the
 * whole wall-clock that adds up. */
START_TEST(scenario_with_failures_end_to_end)
{
    const char* file = "tests/campaign/tiny-failures.yaml";
    command_result a, b;
    run_trainsim((const char*[]){"run", file, "--json", NULL}, &a);
    run_trainsim((const char*[]){"run", file, "--json", NULL}, &b);
    ck_assert_msg(a.status == 0, "%s", strbuf_text(&a.err));
    ck_assert_str_eq(strbuf_text(&a.out), strbuf_text(&b.out));
    json_t* out = parse_json(a.out.data, a.out.len);
    double mean = number_at(out, "wall_clock_days.mean"), p10 = number_at(out, "wall_clock_days.p10");
    double p90 = number_at(out, "wall_clock_days.p90");
    ck_assert(p10 < mean && mean < p90);
    ck_assert_double_eq(number_at(out, "replications"), 50);
    ck_assert(number_at(out, "failures.gpu") > 1);
    ck_assert(number_at(out, "failures.host") > 0);
    static const char* causes[] = {"compute", "bubble", "tp_comm", "pp_comm", "dp_comm_exposed", "optimizer",
                                   "ep_comm", "failure_lost_work", "restart", "spare_wait", "checkpoint"};
    double sum = 0;
    for (int i = 0; i < 11; i++)
        sum += breakdown_of(out, causes[i], "fraction");
    ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    double failed = 0;   /* seconds the failures cost, on 16 GPUs */
    for (int i = 7; i < 10; i++)
        failed += breakdown_of(out, causes[i], "seconds");
    ck_assert_rel(number_at(out, "gpu_hours_lost"), 16 * failed / 3600, 1e-6);
    ck_assert_double_eq_tol(number_at(out, "goodput") * mean * 86400,
                            number_at(out, "steps") * number_at(out, "step_time_s"), 1e-6 * mean * 86400);
    json_decref(out);
    command_result_free(&a);
    command_result_free(&b);
}
END_TEST

/* Each class stands for the instances the job uses (docs/model.md, the run
 * level): tests/campaign/failure-kinds.yaml gives every class the MTBF that
 * makes it fail every 20 h on this job, so each is counted about
 * wall-clock / 20 h times (200 replications: ~550 failures a class). */
START_TEST(failure_classes_scale_with_their_instances)
{
    command_result r;
    run_trainsim_ok((const char*[]){"run", "tests/campaign/failure-kinds.yaml", "--json", NULL}, &r);
    json_t* out = parse_json(r.out.data, r.out.len);
    double expected = number_at(out, "wall_clock_days.mean") * 24 / 20;
    static const char* kinds[] = {"gpu", "hbm", "host", "software", "nic", "link", "switch"};
    for (int i = 0; i < 7; i++) {
        char path[32];
        snprintf(path, sizeof path, "failures.%s", kinds[i]);
        double n = number_at(out, path);
        ck_assert_msg(fabs(n / expected - 1) < 0.2, "%s: %g failures, %g expected", kinds[i], n, expected);
    }
    json_decref(out);
    command_result_free(&r);
}
END_TEST

/* failures.rate_scale multiplies every class's rate. Components fail at a
 * constant rate whether the job trains or not, so a run of random length T
 * sees N failures with E[N] = s·λ·E[T] (Wald's identity for a Poisson
 * process stopped at T), λ the unscaled rate, and N − s·λ·T has variance
 * s·λ·E[T] (the compensated process is a martingale): over n replications
 * the mean of N − s·λ·T lies within 3·sqrt(s·λ·T̄ / n) of 0. Each class of
 * tests/campaign/failure-kinds.yaml fails every 20 h, so λ = 7 / 20 h. And
 * a scale of 2 is every MTBF halved, to the byte. */
START_TEST(rate_scale_multiplies_every_failure_rate)
{
    static const char* kinds[] = {"gpu", "hbm", "host", "software", "nic", "link", "switch"};
    const double lambda = 7 / (20 * HOUR), scales[] = {0.5, 2.5};
    strbuf base = {0};
    read_file("tests/campaign/failure-kinds.yaml", &base);
    for (int k = 0; k < 2; k++) {
        strbuf text = {0}, report = {0};
        char line[64], path[64];
        strbuf_append(&text, strbuf_text(&base));
        snprintf(line, sizeof line, "  rate_scale: %g\n  detect: 1min", scales[k]);
        replace_once(&text, "  detect: 1min", line);
        temp_path(path, sizeof path, ".yaml");
        run_json_text(path, strbuf_text(&text), NULL, &report);
        json_t* out = parse_json(report.data, report.len);
        double n = number_at(out, "replications"), wall = number_at(out, "wall_clock_days.mean") * 24 * HOUR;
        double failures = 0;
        for (int i = 0; i < 7; i++) {
            snprintf(line, sizeof line, "failures.%s", kinds[i]);
            failures += number_at(out, line);
        }
        double expected = scales[k] * lambda * wall, error = sqrt(expected / n);
        ck_assert_msg(fabs(failures - expected) < 3 * error, "rate_scale %g: %g failures a run, %g expected (+-%g)",
                      scales[k], failures, expected, error);
        json_decref(out);
        strbuf_free(&report);
        strbuf_free(&text);
    }
    strbuf scaled = {0}, halved = {0};
    strbuf_append(&scaled, strbuf_text(&base));
    replace_once(&scaled, "  detect: 1min", "  rate_scale: 2\n  detect: 1min");
    strbuf_append(&halved, strbuf_text(&base));
    const char* mtbfs[][2] = {{"gpu, mtbf: 320h", "gpu, mtbf: 160h"}, {"hbm, mtbf: 320h", "hbm, mtbf: 160h"},
                              {"host, mtbf: 40h", "host, mtbf: 20h"}, {"software, mtbf: 40h", "software, mtbf: 20h"},
                              {"nic, mtbf: 320h", "nic, mtbf: 160h"}, {"link, mtbf: 320h", "link, mtbf: 160h"},
                              {"switch, mtbf: 20h", "switch, mtbf: 10h"}};
    for (int i = 0; i < 7; i++)
        replace_once(&halved, mtbfs[i][0], mtbfs[i][1]);
    assert_same_json_report(strbuf_text(&scaled), strbuf_text(&halved), NULL);
    strbuf_free(&scaled);
    strbuf_free(&halved);
    strbuf_free(&base);
}
END_TEST

/* training.batch_ramp: each phase runs whole steps of its own batch; the
 * final batch's step is the one tiny.yaml simulates, and the run is the sum
 * of its phases. */
START_TEST(batch_ramp_phases_add_up)
{
    command_result ramp, flat;
    run_trainsim((const char*[]){"run", "tests/campaign/tiny-ramp.yaml", "--json", NULL}, &ramp);
    run_trainsim((const char*[]){"run", "scenarios/tiny.yaml", "--json", NULL}, &flat);
    ck_assert_msg(ramp.status == 0, "%s", strbuf_text(&ramp.err));
    json_t* out = parse_json(ramp.out.data, ramp.out.len);
    ck_assert_uint_eq(json_array_size(value_at(out, "batch_phases")), 3);
    double seq = 1024, wall = 0, tokens = 0, steps = 0;
    const long long batches[] = {16, 32, 64};
    const double bounds[] = {1e8, 3e8, 1e9};
    double previous_step = 0;
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "batch_phases.%d.global_batch", i);
        ck_assert_double_eq(number_at(out, path), (double)batches[i]);
        snprintf(path, sizeof path, "batch_phases.%d.steps", i);
        double n = number_at(out, path);
        snprintf(path, sizeof path, "batch_phases.%d.step_time_s", i);
        double step = number_at(out, path);
        snprintf(path, sizeof path, "batch_phases.%d.tokens", i);
        ck_assert_double_eq(number_at(out, path), n * batches[i] * seq);
        ck_assert(step > previous_step);   /* more micro-batches per step */
        previous_step = step;
        tokens += n * batches[i] * seq;
        steps += n;
        wall += n * step;
        /* Whole steps: each phase ends at most one step past its bound. */
        ck_assert(tokens >= bounds[i] && tokens < bounds[i] + batches[i] * seq);
    }
    ck_assert_double_eq(previous_step, number_in(strbuf_text(&flat.out), "step_time_s"));
    ck_assert_double_eq(number_at(out, "step_time_s"), previous_step);
    ck_assert_double_eq(number_at(out, "steps"), steps);
    ck_assert_double_eq_tol(number_at(out, "wall_clock_days.mean") * 86400, wall, 1e-9 * wall);
    json_decref(out);
    command_result_free(&ramp);
    command_result_free(&flat);
}
END_TEST

/* Seconds of LOG's events of KIND, and how many there are. */
static double logged(const campaign_log* log, run_event_kind kind, int* count)
{
    double total = 0;
    *count = 0;
    for (int i = 0; i < log->count; i++)
        if (log->events[i].kind == kind) {
            total += log->events[i].end - log->events[i].start;
            (*count)++;
        }
    return total;
}

/* The job's own timeline (training, checkpoints, recoveries) of the logged
 * replication tiles [0, wall] without gap or overlap; its parts are the
 * figures the run reports; the failures are those counted. Synchronous and
 * asynchronous checkpoints, with spares short (waits) and without failures. */
static void check_log_accounts_for_the_run(campaign_input* in)
{
    campaign_log log = {0};
    in->log = &log;
    in->replications = 1;
    campaign_result r;
    campaign_simulate(in, "gpu-0", &r);
    ck_assert_int_gt(log.count, 0);
    ck_assert_int_eq(log.truncated, 0);
    double clock = 0;
    for (int i = 0; i < log.count; i++) {
        const run_event* e = &log.events[i];
        ck_assert(e->end >= e->start);
        if (e->kind == RUN_FAILURE || e->kind == RUN_LOST || e->kind == RUN_WRITE)
            continue;   /* instants and tracks beside the job's own */
        ck_assert_double_eq_tol(e->start, clock, 1e-6);
        clock = e->end;
    }
    ck_assert_double_eq_tol(clock, r.wall_mean, 1e-6);
    int n;
    double training = logged(&log, RUN_TRAINING, &n), checkpoints = logged(&log, RUN_CHECKPOINT, &n);
    ck_assert_double_eq_tol(training + checkpoints, in->work_seconds + r.checkpoint + r.lost_work, 1e-6);
    ck_assert_double_eq_tol(logged(&log, RUN_LOST, &n), r.lost_work, 1e-6);
    ck_assert_double_eq_tol(logged(&log, RUN_DETECT, &n) + logged(&log, RUN_RESTART, &n), r.recovery, 1e-6);
    ck_assert_double_eq_tol(logged(&log, RUN_WAIT_SPARE, &n), r.waiting, 1e-6);
    logged(&log, RUN_FAILURE, &n);
    ck_assert_double_eq(n, r.failures_total);
    int binned = 0;
    for (int b = 0; b < CAMPAIGN_BINS; b++)
        binned += r.wall_bins[b];
    ck_assert_int_eq(binned, 1);
    campaign_log_free(&log);
    in->log = NULL;
}

START_TEST(first_replication_log_accounts_for_its_run)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    check_log_accounts_for_the_run(&in);   /* synchronous checkpoints, failures */
    in.copy_seconds = 0.001 * HOUR;
    check_log_accounts_for_the_run(&in);   /* asynchronous */
    renewal_input(&in);
    in.classes[0].repair = 10 * HOUR;
    in.spares = 0;
    check_log_accounts_for_the_run(&in);   /* waits for repairs */
    renewal_input(&in);
    in.class_count = 0;
    check_log_accounts_for_the_run(&in);   /* no failures: the closed-form path */
    in.copy_seconds = 0.001 * HOUR;
    check_log_accounts_for_the_run(&in);
}
END_TEST

/* The histogram of wall-clocks holds every replication, between the least
 * and the longest. */
START_TEST(wall_clock_histogram_holds_every_replication)
{
    load_two_gpu_platform();
    campaign_input in;
    renewal_input(&in);
    in.replications = 50;
    campaign_result r;
    campaign_simulate(&in, "gpu-0", &r);
    int binned = 0;
    for (int b = 0; b < CAMPAIGN_BINS; b++)
        binned += r.wall_bins[b];
    ck_assert_int_eq(binned, 50);
    ck_assert(r.wall_min <= r.wall_p10 && r.wall_p90 <= r.wall_max && r.wall_min < r.wall_max);
    ck_assert_int_gt(r.wall_bins[0], 0);
    ck_assert_int_gt(r.wall_bins[CAMPAIGN_BINS - 1], 0);
}
END_TEST

Suite* campaign_suite(void)
{
    Suite* s = suite_create("campaign");
    TCase* tc = tcase_create("run level");
    tcase_set_timeout(tc, 120);   /* a second natively; sanitizer builds switch contexts by threads */
    tcase_add_test(tc, no_failures_take_the_failure_free_time);
    tcase_add_test(tc, failures_cost_what_renewal_theory_expects);
    tcase_add_test(tc, standard_errors_follow_the_compound_poisson_form);
    tcase_add_test(tc, wall_clock_is_a_u_around_the_optimal_interval);
    tcase_add_test(tc, same_seed_same_run_other_seed_other_run);
    tcase_add_test(tc, without_spares_the_job_waits_for_repairs);
    tcase_add_test(tc, asynchronous_checkpoints_block_only_the_copy);
    tcase_add_test(tc, asynchronous_writes_are_listed_as_not_simulated);
    tcase_add_test(tc, checkpoint_io_takes_the_aggregate_share);
    tcase_add_test(tc, scenario_with_failures_end_to_end);
    tcase_add_test(tc, failure_classes_scale_with_their_instances);
    tcase_add_test(tc, rate_scale_multiplies_every_failure_rate);
    tcase_add_test(tc, batch_ramp_phases_add_up);
    tcase_add_test(tc, first_replication_log_accounts_for_its_run);
    tcase_add_test(tc, wall_clock_histogram_holds_every_replication);
    suite_add_tcase(s, tc);
    return s;
}
