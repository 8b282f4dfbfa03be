/* report_rows: the rows and figures the reports share (see report_rows.h). */
#include "output/report_rows.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"

void report_step_parts(const step_profile* p, double* parts)
{
    double all[REPORT_STEP_PARTS] = {p->compute, p->bubble, p->tp_comm, p->pp_comm, p->dp_comm_exposed,
                                     p->optimizer, p->ep_comm, p->cp_comm};
    memcpy(parts, all, sizeof all);
}

void report_breakdown(const run_result* r, breakdown_row* rows)
{
    const campaign_result* c = &r->campaign;
    double total[REPORT_STEP_PARTS] = {0}, parts[REPORT_STEP_PARTS];
    for (int i = 0; i < r->phase_count; i++) {
        report_step_parts(r->phase[i].profile, parts);
        for (int k = 0; k < REPORT_STEP_PARTS; k++)
            total[k] += parts[k] * r->phase[i].steps;
    }
    breakdown_row all[REPORT_PARTS] = {
        {"compute", "compute", total[0]},
        {"bubble", "pipeline bubble", total[1]},
        {"tp_comm", "TP communication", total[2]},
        {"pp_comm", "PP communication", total[3]},
        {"dp_comm_exposed", "DP communication, exposed", total[4]},
        {"optimizer", "optimizer step", total[5]},
        {"ep_comm", "expert dispatch", total[6]},
        {"cp_comm", "CP communication, exposed", total[7]},
        {"failure_lost_work", "work lost to failures", c->lost_work},
        {"restart", "detection, restart, load", c->recovery},
        {"spare_wait", "waiting for spare nodes", c->waiting},
        {"checkpoint", "checkpoints", c->checkpoint},
    };
    for (int i = 0; i < REPORT_PARTS; i++)
        rows[i] = all[i];
}

int report_row_shown(int i, double seconds)
{
    return i < REPORT_ALWAYS_SHOWN || seconds > 0;
}

int report_collectives(const run_result* r, int* stage, collective_row* rows)
{
    *stage = run_last_reduction_stage(r);
    const stage_plan* st = &r->plan.stage[*stage];
    collective_row all[REPORT_COLLECTIVES] = {
        {"dp_reduce", "gradient reduction", &st->dp_reduce},
        {"dp_gather", "weight all-gather", &st->dp_gather},
        {"zero_gather", "ZeRO-3 weight gather", &st->chunk[0].zero_gather},
        {"zero_scatter", "ZeRO-3 gradient scatter", &st->chunk[0].zero_scatter},
        {"expert_reduce", "expert gradient reduction", &st->expert_reduce},
        {"expert_gather", "expert weight all-gather", &st->expert_gather},
        {"amax_reduce", "fp8 amax all-reduce", &st->amax_fwd},
    };
    int n = 0;
    for (int i = 0; i < REPORT_COLLECTIVES; i++)
        if (all[i].c->shape.phase_count > 0)
            rows[n++] = all[i];
    return n;
}

const char* report_protocol(const collective_plan* c, int k)
{
    const phase_plan* ph = &c->phase[k];
    return ph->call.ranks ? nccl_protocol_names[phase_choice(ph, 1).protocol] : "sends";
}

double report_gpu_hours_lost(const run_result* r)
{
    const campaign_result* c = &r->campaign;
    return (double)r->world_gpus * (c->lost_work + c->recovery + c->waiting) / 3600.0;
}

const char* report_count(double x, char* buf, int size)
{
    static const char* suffix[] = {"", "k", "M", "B", "T", "P", "E"};
    if (fabs(x) >= 1e21) {   /* past the last suffix: short, not 31 digits */
        snprintf(buf, (size_t)size, "%.3g", x);
        return buf;
    }
    int i = 0;
    while (fabs(x) >= 1000.0 && i < 6) {
        x /= 1000.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, (size_t)size, fabs(x) < 100 ? "%.3g" : "%.0f", x);
    else
        snprintf(buf, (size_t)size, fabs(x) < 10 ? "%.2f%s" : fabs(x) < 100 ? "%.1f%s" : "%.0f%s", x,
                 suffix[i]);
    return buf;
}

const char* report_duration(double seconds, char* buf, int size)
{
    if (seconds >= 86400.0)
        snprintf(buf, (size_t)size, "%.1f days", seconds / 86400.0);
    else if (seconds >= 3600.0)
        snprintf(buf, (size_t)size, "%.1f h", seconds / 3600.0);
    else if (seconds >= 60.0)
        snprintf(buf, (size_t)size, "%.1f min", seconds / 60.0);
    else
        units_format_seconds(seconds, buf, size);
    return buf;
}

const char* report_power(double watts, char* buf, int size)
{
    if (watts >= 1e6)
        snprintf(buf, (size_t)size, "%.2f MW", watts / 1e6);
    else if (watts >= 1e3)
        snprintf(buf, (size_t)size, "%.1f kW", watts / 1e3);
    else
        snprintf(buf, (size_t)size, "%.0f W", watts);
    return buf;
}

const char* report_energy(double joules, char* buf, int size)
{
    double kwh = joules / 3.6e6;
    if (kwh >= 1e6)
        snprintf(buf, (size_t)size, "%.1f GWh", kwh / 1e6);
    else if (kwh >= 1e3)
        snprintf(buf, (size_t)size, "%.1f MWh", kwh / 1e3);
    else
        snprintf(buf, (size_t)size, "%.3g kWh", kwh);
    return buf;
}
