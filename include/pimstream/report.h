/* pimstream report: what a run prints and writes.
 *
 * JSON is written by a small streaming writer, so a trace of millions of
 * intervals never sits in memory as a tree. */
#ifndef PIMSTREAM_REPORT_H
#define PIMSTREAM_REPORT_H

#include <stdio.h>

#include "pimstream/mapper.h"
#include "pimstream/run.h"

typedef struct {
    FILE *f;
    int depth;
    unsigned char need_comma[64];
    int pretty;
    int timeless; /* leave out wall-clock times (a sweep's results are the same on any machine) */
    size_t used;  /* bytes waiting in buf (written out when a top-level value ends) */
    char buf[1024];
    char *mem; /* without a file: the text so far (malloc'd) */
    size_t mem_len, mem_cap;
    int mem_failed; /* out of memory */
} pim_json;

void pim_json_init(pim_json *j, FILE *f, int pretty);
/* Into memory (f NULL): pim_json_take gives the text, NUL-terminated and
 * malloc'd (the caller frees it), or NULL when memory ran out. */
char *pim_json_take(pim_json *j);
void pim_json_obj(pim_json *j, const char *key);
void pim_json_arr(pim_json *j, const char *key);
void pim_json_end(pim_json *j, char close);
void pim_json_str(pim_json *j, const char *key, const char *v);
void pim_json_u64(pim_json *j, const char *key, uint64_t v);
void pim_json_f64(pim_json *j, const char *key, double v);
/* Every digit a double needs to read back as itself (trace times). */
void pim_json_f64_exact(pim_json *j, const char *key, double v);
void pim_json_finish(pim_json *j); /* trailing newline */
/* A JSON string (quotes and escapes) on its own, for JSON written by hand. */
void pim_json_write_string(FILE *f, const char *s);

/* CSV (RFC 4180): a text field, quoted when it holds a comma, quote, CR
 * or LF (`first` omits the separator before it); a count; a figure in
 * printf format `fmt`, left empty when it is not a number. */
void pim_csv_text(FILE *f, int first, const char *s);
void pim_csv_u64(FILE *f, uint64_t v);
void pim_csv_f64(FILE *f, const char *fmt, double v);
/* A figure for a text table: fmt, or "n/a" when it is not a number. */
const char *pim_fmt_f64(char *buf, size_t cap, const char *fmt, double v);

/* One run as a JSON object (the caller may add fields before closing). */
void pim_report_json_run(pim_json *j, const char *key, const pim_model *m, const pim_arch *a,
                         const pim_run_result *r);
void pim_report_text(FILE *f, const pim_model *m, const pim_arch *a, const pim_run_result *r);
void pim_report_csv(FILE *f, const pim_run_result *r);
/* A run on a network-on-chip: the "noc" object and the text lines. */
void pim_report_json_noc(pim_json *j, const pim_run_result *r);
void pim_report_text_noc(FILE *f, const pim_run_result *r);
/* Several models at once: each one's figures. */
void pim_report_json_models(pim_json *j, const pim_run_result *r);
void pim_report_text_models(FILE *f, const pim_run_result *r);
/* The network as an SVG picture: nodes labelled with their layers, links
 * coloured by utilization. */
void pim_report_noc_map(FILE *f, const pim_model *m, const pim_run_result *r);
/* Time the layers waited on the network over their waiting and computing. */
double pim_report_noc_latency_share(const pim_run_result *r);
/* Links and routers, from the energy model. */
double pim_report_noc_energy(const pim_run_result *r);
void pim_report_inspect_text(FILE *f, const pim_model *m, const pim_arch *a);
void pim_report_area_text(FILE *f, const pim_arch *a, const pim_area *ar);
void pim_report_area_json(FILE *f, const pim_arch *a, const pim_area *ar);
void pim_report_inspect_json(FILE *f, const pim_model *m, const pim_arch *a);

/* Chrome trace-event JSON written while the simulation runs. Only the
 * intervals inside a window are written: those that overlap cycles
 * [from, to] and belong to layers first..last. */
typedef struct {
    double from, to;
    uint32_t first_layer, last_layer;
} pim_trace_window;

/* "START:END" in cycles, or "layers:A:B" with A and B layer indices or
 * names (inclusive); an input error naming --trace-window otherwise. */
pim_status pim_trace_window_parse(const char *spec, const pim_model *m, pim_trace_window *w,
                                  pim_error *err);

/* A network transfer seen during the run, kept for the link tracks. */
typedef struct {
    uint32_t from, to, layer;
    double t0, t1, bytes;
} pim_trace_transfer;

typedef struct {
    pim_json json;
    const pim_model *model;
    uint32_t macros_per_core;
    pim_trace_window window;
    uint64_t written; /* intervals written */
    pim_sim_observer obs;
    pim_trace_transfer *transfers; /* inside the window */
    uint32_t ntransfers, cap;
    int oom;
} pim_trace;

/* window NULL: everything. */
void pim_trace_begin(pim_trace *t, FILE *f, const pim_model *m, uint32_t macros_per_core,
                     const pim_trace_window *window);
/* On a network: a track per busiest link (at most `tracks`), each with
 * the transfers that crossed it; call after the run, before the end. */
void pim_trace_links(pim_trace *t, const pim_noc *n, uint32_t tracks);
void pim_trace_end(pim_trace *t);

/* A synthetic-traffic benchmark of a network (pimstream noc), as JSON. */
void pim_report_noc_bench_json(pim_json *j, const pim_noc *n, const pim_noc_bench *b,
                               const pim_noc_bench_result *r);

/* A network mapped onto a hierarchy (map): the loop nest and the counts
 * of each level when there is one layer, a table of layers otherwise, and
 * the totals. */
void pim_report_map_text(FILE *f, const pim_hier *h, const char *model,
                         const pim_mapper_network *net, pim_mapper_objective o);
/* Its JSON object, into j (a sweep's line or a whole file). */
void pim_report_map_json(pim_json *j, const pim_hier *h, const char *model,
                         const pim_mapper_network *net, pim_mapper_objective o);
/* The line saying how many of its shapes' searches the budget stopped
 * (nothing when none did), after `lead` (the text's label, or a
 * hierarchy's name in compare). */
void pim_report_map_stopped(FILE *f, const char *lead, const pim_mapper_network *net);
/* One row per layer (after the header line, when asked for). */
void pim_report_map_csv(FILE *f, const pim_hier *h, const pim_mapper_network *net, int header);

#endif
