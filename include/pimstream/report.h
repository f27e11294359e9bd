/* pimstream report: what a run prints and writes.
 *
 * JSON is written by a small streaming writer, so a trace of millions of
 * intervals never sits in memory as a tree. */
#ifndef PIMSTREAM_REPORT_H
#define PIMSTREAM_REPORT_H

#include <stdio.h>

#include "pimstream/run.h"

typedef struct {
    FILE *f;
    int depth;
    unsigned char need_comma[64];
    int pretty;
} pim_json;

void pim_json_init(pim_json *j, FILE *f, int pretty);
void pim_json_obj(pim_json *j, const char *key);
void pim_json_arr(pim_json *j, const char *key);
void pim_json_end(pim_json *j, char close);
void pim_json_str(pim_json *j, const char *key, const char *v);
void pim_json_u64(pim_json *j, const char *key, uint64_t v);
void pim_json_f64(pim_json *j, const char *key, double v);
void pim_json_finish(pim_json *j); /* trailing newline */

/* One run as a JSON object (the caller may add fields before closing). */
void pim_report_json_run(pim_json *j, const char *key, const pim_model *m, const pim_arch *a,
                         const pim_run_result *r);
void pim_report_text(FILE *f, const pim_model *m, const pim_arch *a, const pim_run_result *r);
void pim_report_csv(FILE *f, const pim_run_result *r);
void pim_report_inspect_text(FILE *f, const pim_model *m, const pim_arch *a);
void pim_report_area_text(FILE *f, const pim_arch *a, const pim_area *ar);
void pim_report_area_json(FILE *f, const pim_arch *a, const pim_area *ar);
void pim_report_inspect_json(FILE *f, const pim_model *m, const pim_arch *a);

/* Chrome trace-event JSON written while the simulation runs. */
typedef struct {
    pim_json json;
    const pim_model *model;
    uint32_t macros_per_core;
    pim_sim_observer obs;
} pim_trace;

void pim_trace_begin(pim_trace *t, FILE *f, const pim_model *m, uint32_t macros_per_core);
void pim_trace_end(pim_trace *t);

#endif
