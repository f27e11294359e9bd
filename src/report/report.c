/* pimstream report: run results as text, JSON and CSV. */
#include "pimstream/report.h"

#include <math.h>

#include <string.h>

static void json_model(pim_json *j, const pim_model *m, const pim_run_result *r)
{
    pim_json_obj(j, "model");
    pim_json_str(j, "name", m->name);
    pim_json_u64(j, "weight_bytes", r->weight_bytes);
    pim_json_u64(j, "macs", r->macs);
    pim_json_u64(j, "layers", m->count);
    pim_json_u64(j, "batch", r->batch);
    if (m->notes[0])
        pim_json_str(j, "unknown_ops_as_vector", m->notes);
    if (m->warnings[0])
        pim_json_str(j, "warnings", m->warnings);
    pim_json_end(j, '}');
}

static void json_arch(pim_json *j, const pim_arch *a, const pim_run_result *r)
{
    pim_json_obj(j, "arch");
    pim_json_str(j, "name", a->name);
    pim_json_str(j, "macro_type", pim_macro_type_name(a->macro.type));
    pim_json_str(j, "dynamic_matmul", pim_dyn_policy_name(a->dynamic_matmul));
    pim_json_u64(j, "cores", a->cores);
    pim_json_u64(j, "macros", pim_arch_total_macros(a));
    pim_json_u64(j, "macro_bytes", pim_macro_bytes(&a->macro));
    pim_json_u64(j, "offchip_bytes_per_cycle", r->plan.bandwidth);
    pim_json_u64(j, "write_bytes_per_cycle_max", a->macro.write_bytes_per_cycle_max);
    pim_json_u64(j, "write_overhead_cycles", a->macro.write_overhead_cycles);
    pim_json_u64(j, "compute_cycles_per_vector", a->macro.compute_cycles_per_vector);
    pim_json_u64(j, "result_vectors_max", a->macro.result_vectors_max);
    pim_json_f64(j, "clock_mhz", a->clock_mhz);
    pim_json_end(j, '}');
}

/* The vectors per load of the most common rewritten layer chunking: the
 * schedule parameter a paper would quote. */
static uint64_t typical_vectors_per_load(const pim_run_result *r)
{
    uint64_t best = 0, best_loads = 0;
    for (uint32_t i = 0; i < r->plan.count; i++) {
        const pim_layer_plan *l = &r->plan.layers[i];
        if (!l->tiling.tiles)
            continue;
        uint64_t loads = pim_plan_loads(&r->plan, i);
        if (loads > best_loads) {
            best_loads = loads;
            best = pim_plan_chunk_vectors(l, 0);
        }
    }
    return best;
}

static void json_layers(pim_json *j, const pim_run_result *r)
{
    pim_json_arr(j, "layers");
    for (uint32_t i = 0; i < r->plan.count; i++) {
        const pim_layer_result *l = &r->layers[i];
        pim_json_obj(j, NULL);
        pim_json_str(j, "name", l->name);
        pim_json_str(j, "kind", pim_op_kind_name(l->kind));
        pim_json_u64(j, "cycles", l->cycles);
        pim_json_f64(j, "done", l->done);
        pim_json_u64(j, "weight_bytes", l->weight_bytes);
        pim_json_u64(j, "bytes", l->bytes);
        pim_json_u64(j, "offchip_bytes", l->offchip_bytes);
        if (r->plan.activation_buffer_bytes)
            pim_json_u64(j, "activation_bytes", l->activation_bytes);
        if (l->policy)
            pim_json_str(j, "dynamic_matmul", l->policy);
        pim_json_u64(j, "macs", l->macs);
        pim_json_u64(j, "tiles", l->tiles);
        pim_json_u64(j, "vectors", l->vectors);
        pim_json_u64(j, "loads", l->loads);
        pim_json_u64(j, "chunks", l->chunks);
        if (r->macro_time.known && l->tiles) /* a run of a plan: each load's steps */
            pim_json_u64(j, "steps", pim_plan_steps(&r->plan.layers[i]));
        if (r->plan.layers[i].macros_max) /* the search capped it (balanced rounds) */
            pim_json_u64(j, "macros_max", r->plan.layers[i].macros_max);
        if (r->plan.layers[i].write_slots) /* the search gave it its own stagger group */
            pim_json_u64(j, "write_slots", pim_plan_layer_write_slots(&r->plan, i));
        pim_json_str(j, "bound", l->bound);
        if (r->sim.has_noc) { /* per image, summed over the batch */
            pim_json_f64(j, "communication_cycles", r->sim.noc.layer_comm[i]);
            pim_json_f64(j, "compute_cycles", r->sim.noc.layer_compute[i]);
        }
        pim_json_end(j, '}');
    }
    pim_json_end(j, ']');
}

/* Partitioned runs: the partitions as simulated, and the figures COMPASS
 * reports (throughput, EDP) under the names the contract uses. */
static void json_partitions(pim_json *j, const pim_model *m, const pim_run_result *r)
{
    const pim_compiled *c = &r->compiled;
    pim_json_str(j, "partitioner", pim_partitioner_name(r->partitioner));
    pim_json_str(j, "objective", pim_objective_name(r->objective));
    if (!j->timeless)
        pim_json_f64(j, "compile_seconds", r->compile_seconds);
    /* the cost model's estimate at the run's batch; all else is simulated */
    pim_json_f64(j, "cost_model_cycles", c->estimate.cycles);
    pim_json_f64(j, "edp", r->edp);
    pim_json_obj(j, "throughput");
    pim_json_f64(j, "inferences_per_second", r->inferences_per_second);
    pim_json_end(j, '}');
    pim_json_u64(j, "instructions", r->program.count);
    pim_json_arr(j, "partitions");
    double before = 0;
    for (uint32_t p = 0; p < c->nparts; p++) {
        const pim_partition *pt = &c->parts[p];
        pim_json_obj(j, NULL);
        pim_json_arr(j, "layers");
        uint64_t bytes = 0;
        for (uint32_t k = 0; k < pt->count; k++) {
            const pim_unit *u = &c->units[pt->first + k];
            char name[80];
            if (u->slices > 1)
                snprintf(name, sizeof name, "%s#%u", m->layers[u->layer].name, u->slice);
            else
                snprintf(name, sizeof name, "%s", m->layers[u->layer].name);
            pim_json_str(j, NULL, name);
            bytes += u->bytes * pt->replicas[k];
        }
        pim_json_end(j, ']');
        pim_json_u64(j, "weight_bytes", bytes);
        /* whole cycles between barriers: they add up to the run's cycles */
        double done = p < r->sim.partitions ? r->sim.partition_done[p] : 0;
        pim_json_u64(j, "cycles", pim_cycles_between(before, done));
        pim_json_f64(j, "cost_model_cycles", pt->cost.cycles);
        before = done > before ? done : before;
        pim_json_end(j, '}');
    }
    pim_json_end(j, ']');
}

/* Weights streamed or resident; a resident run's one-time load, and the
 * pipeline's steady state. */
static void json_weights(pim_json *j, const pim_run_result *r)
{
    pim_json_str(j, "weights", pim_weights_name(r->weights));
    if (r->weights == PIM_WEIGHTS_RESIDENT) {
        pim_json_obj(j, "setup");
        pim_json_u64(j, "cycles", pim_sim_whole_cycles(r->setup_cycles));
        pim_json_f64(j, "energy_pj", r->setup_pj);
        pim_json_u64(j, "bytes", r->setup_sim.bytes_written);
        pim_json_end(j, '}');
    }
    if (r->steady_inferences_per_second > 0) {
        pim_json_obj(j, "steady_state");
        pim_json_f64(j, "inferences_per_second", r->steady_inferences_per_second);
        pim_json_end(j, '}');
    }
}

void pim_report_json_run(pim_json *j, const char *key, const pim_model *m, const pim_arch *a,
                         const pim_run_result *r)
{
    pim_json_obj(j, key);
    json_model(j, m, r);
    json_arch(j, a, r);
    pim_json_obj(j, "schedule");
    pim_json_str(j, "strategy", pim_strategy_name(r->plan.strategy));
    if (r->plan.strategy == PIM_SCHED_GPP && !r->compiled.nparts)
        pim_json_str(j, "order", pim_load_order_name(r->plan.order));
    pim_json_str(j, "requested", pim_strategy_name(r->requested));
    pim_json_f64(j, "write_bytes_per_cycle", r->plan.write_bytes_per_cycle);
    if (r->plan.strategy == PIM_SCHED_GPP && !r->compiled.nparts)
        pim_json_u64(j, "write_slots", pim_plan_write_slots(&r->plan));
    pim_json_u64(j, "vectors_per_load", typical_vectors_per_load(r));
    pim_json_u64(j, "macros", r->plan.macros);
    if (r->cut.layers_cut) /* the model's layers cut in column parts (pim_cut), and their parts */
        pim_json_u64(j, "cut_layers", r->cut.layers_cut);
    if (r->cut.layers_cut)
        pim_json_u64(j, "cut_parts", r->cut.model.count - (m->count - r->cut.layers_cut));
    if (r->order_cycles[PIM_ORDER_LAYER]) {
        pim_json_obj(j, "orders"); /* each load order's cycles after its search */
        for (int k = 0; k < PIM_ORDERS; k++)
            pim_json_u64(j, pim_load_order_name((pim_load_order)k), r->order_cycles[k]);
        pim_json_end(j, '}');
    }
    pim_json_end(j, '}');
    if (r->partitioner != PIM_PART_NONE)
        json_partitions(j, m, r);
    if (r->partitioner != PIM_PART_NONE)
        json_weights(j, r);
    if (r->sim.has_noc)
        pim_report_json_noc(j, r);
    if (r->nmodels > 1)
        pim_report_json_models(j, r);
    pim_json_u64(j, "cycles", r->sim.cycles);
    pim_json_f64(j, "seconds", r->seconds);
    pim_json_f64(j, "efficiency", r->efficiency);
    pim_json_f64(j, "inferences_per_second", r->inferences_per_second);
    pim_json_f64(j, "tops", r->tops);
    pim_json_obj(j, "bounds");
    pim_json_u64(j, "bandwidth_cycles", r->bandwidth_cycles);
    pim_json_u64(j, "macro_cycles", r->macro_cycles);
    pim_json_u64(j, "digital_cycles", r->digital_cycles);
    pim_json_u64(j, "tight_cycles", r->tight_cycles);
    if (r->tight_term[0])
        pim_json_str(j, "binding", r->tight_term);
    if (r->chain_cycles) {
        pim_json_u64(j, "chain_cycles", r->chain_cycles);
        pim_json_u64(j, "path_cycles", r->path_cycles);
        pim_json_u64(j, "capacity_cycles", r->capacity_cycles);
        pim_json_u64(j, "turnover_cycles", r->turnover_cycles);
        pim_json_u64(j, "barriers_cycles", r->barriers_cycles);
        pim_json_u64(j, "drain_cycles", r->drain_cycles);
    }
    if (r->sim.has_noc)
        pim_json_u64(j, "noc_cycles", r->noc_cycles);
    pim_json_end(j, '}');
    pim_json_obj(j, "offchip");
    pim_json_u64(j, "bytes", r->counts.offchip_bytes);
    pim_json_u64(j, "macro_write_bytes", r->counts.macro_write_bytes);
    if (r->plan.activation_buffer_bytes) {
        pim_json_u64(j, "activation_bytes", r->sim.activation_bytes);
        pim_json_u64(j, "activation_buffer_bytes", r->plan.activation_buffer_bytes);
    }
    pim_json_f64(j, "busy_fraction", r->offchip_busy_fraction);
    pim_json_f64(j, "bandwidth_utilization", r->bandwidth_utilization);
    pim_json_end(j, '}');
    if (r->macro_time.known) {
        pim_json_obj(j, "macro_time");
        pim_json_f64(j, "compute", r->macro_time.compute);
        pim_json_f64(j, "write", r->macro_time.write);
        pim_json_f64(j, "overhead", r->macro_time.overhead);
        pim_json_f64(j, "wait", r->macro_time.wait);
        pim_json_f64(j, "idle", r->macro_time.idle);
        pim_json_end(j, '}');
    }
    pim_json_obj(j, "energy_pj");
    pim_json_f64(j, "total", r->energy.total);
    pim_json_obj(j, "breakdown");
    for (int i = 0; i < PIM_E_PARTS; i++) /* components only where the arch has them */
        if (i < PIM_E_COUNT || r->energy.part[i] > 0)
            pim_json_f64(j, pim_energy_part_name(i), r->energy.part[i]);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
    if (pim_macro_is_analog(&a->macro)) {
        pim_json_obj(j, "rram");
        pim_json_f64(j, "writes_per_cell_per_second", r->writes_per_cell_per_second);
        pim_json_f64(j, "endurance", a->analog.endurance);
        pim_json_f64(j, "lifetime_seconds", r->lifetime_seconds);
        pim_json_end(j, '}');
        pim_json_obj(j, "adc");
        pim_json_f64(j, "conversions", r->counts.analog.conversions);
        pim_json_u64(j, "bits", a->analog.adc_bits);
        pim_json_str(j, "dataflow", pim_dataflow_name(a->analog.dataflow));
        pim_json_end(j, '}');
    }
    json_layers(j, r);
    pim_json_obj(j, "stats");
    pim_json_u64(j, "events", r->sim.events);
    pim_json_u64(j, "search_simulations", r->candidates);
    pim_json_u64(j, "search_events", r->search_events);
    if (a->fix.search_events) /* schedule.search_events, when the user capped the search */
        pim_json_u64(j, "search_cap", a->fix.search_events);
    pim_json_u64(j, "jumped_events", r->sim.jumped_events);
    pim_json_u64(j, "search_jumped_events", r->search_jumped_events);
    pim_json_u64(j, "search_aborted", r->search_aborted);
    if (!j->timeless)
        pim_json_f64(j, "wall_seconds", r->wall_seconds);
    pim_json_end(j, '}');
}

static void human_bytes(char *buf, size_t cap, double b)
{
    const char *unit[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        u++;
    }
    snprintf(buf, cap, u ? "%.2f %s" : "%.0f %s", b, unit[u]);
}

void pim_report_text(FILE *f, const pim_model *m, const pim_arch *a, const pim_run_result *r)
{
    fprintf(f, "pimstream: %s on %s, batch %llu, ", m->name, a->name, (unsigned long long)r->batch);
    if (r->partitioner != PIM_PART_NONE)
        fprintf(f, "partitioner %s (%s): %u partitions, %u instructions, compiled in %.3g s",
                pim_partitioner_name(r->partitioner), pim_objective_name(r->objective),
                r->compiled.nparts, r->program.count, r->compile_seconds);
    else
        fprintf(f, "schedule %s", pim_strategy_name(r->plan.strategy));
    if (r->partitioner == PIM_PART_NONE && r->requested == PIM_SCHED_AUTO)
        fprintf(f, " (chosen by auto from %u simulations)", r->candidates);
    if (r->partitioner == PIM_PART_NONE && a->fix.search_events &&
        (r->requested == PIM_SCHED_AUTO || r->requested == PIM_SCHED_GPP)) /* they search */
        fprintf(f, "; search capped at %llu events", (unsigned long long)a->fix.search_events);
    if (r->cut.layers_cut)
        fprintf(f, "\n  %u layer%s wider than the chip cut in %u column parts (\"<layer>#<q>\")",
                r->cut.layers_cut, r->cut.layers_cut == 1 ? "" : "s",
                r->cut.model.count - (m->count - r->cut.layers_cut));
    if (m->notes[0])
        fprintf(f, "\n  note: unknown elementwise operators run as vector operations: %s",
                m->notes);
    if (m->warnings[0])
        fprintf(f, "\n  warning: %s", m->warnings);
    fprintf(f, "\n  %u macros x %llu B, B = %llu B/cycle, s = %.4g B/cycle, %.4g MHz\n\n",
            r->plan.macros, (unsigned long long)pim_macro_bytes(&a->macro),
            (unsigned long long)r->plan.bandwidth, r->plan.write_bytes_per_cycle, a->clock_mhz);
    fprintf(f, "%-28s %-14s %12s %10s %10s %14s %7s %9s %6s  %s\n", "layer", "kind", "cycles",
            "weights", "off-chip", "MACs", "tiles", "vectors", "chunks", "bound");
    for (uint32_t i = 0; i < r->plan.count; i++) {
        const pim_layer_result *l = &r->layers[i];
        char wb[32], ob[32];
        human_bytes(wb, sizeof wb, (double)l->weight_bytes);
        human_bytes(ob, sizeof ob, (double)l->offchip_bytes);
        fprintf(f, "%-28.28s %-14s %12llu %10s %10s %14llu %7llu %9llu %6llu  %s%s%s\n", l->name,
                pim_op_kind_name(l->kind), (unsigned long long)l->cycles,
                l->weight_bytes ? wb : "-", l->offchip_bytes ? ob : "-",
                (unsigned long long)l->macs, (unsigned long long)l->tiles,
                (unsigned long long)l->vectors, (unsigned long long)l->chunks, l->bound,
                l->policy ? ", runs " : "", l->policy ? l->policy : "");
    }
    char off[32], wts[32];
    human_bytes(off, sizeof off, (double)r->counts.offchip_bytes);
    human_bytes(wts, sizeof wts, (double)r->weight_bytes);
    fprintf(f, "\ntotal\n");
    char ips[32], tops[32];
    fprintf(f, "  cycles          %llu (%.6g s, %s inferences/s, %s TOPS)\n",
            (unsigned long long)r->sim.cycles, r->seconds,
            pim_fmt_f64(ips, sizeof ips, "%.4g", r->inferences_per_second),
            pim_fmt_f64(tops, sizeof tops, "%.4g", r->tops));
    char eff[32];
    fprintf(f, "  lower bounds    bandwidth %llu, macro %llu, digital %llu",
            (unsigned long long)r->bandwidth_cycles, (unsigned long long)r->macro_cycles,
            (unsigned long long)r->digital_cycles);
    if (r->sim.has_noc)
        fprintf(f, ", network %llu", (unsigned long long)r->noc_cycles);
    fprintf(f, "; tight %llu cycles", (unsigned long long)r->tight_cycles);
    if (r->tight_term[0])
        fprintf(f, " (%s)", r->tight_term);
    fprintf(f, "; efficiency %s\n", pim_fmt_f64(eff, sizeof eff, "%.1f%%", 100.0 * r->efficiency));
    if (r->order_cycles[PIM_ORDER_LAYER]) {
        fprintf(f, "  load orders    ");
        for (int k = 0; k < PIM_ORDERS; k++)
            fprintf(f, " %s %llu%s", pim_load_order_name((pim_load_order)k),
                    (unsigned long long)r->order_cycles[k], k + 1 < PIM_ORDERS ? "," : "");
        fprintf(f, " cycles (each after its own search; the fastest ran)\n");
    }
    if (r->weights == PIM_WEIGHTS_RESIDENT)
        fprintf(f,
                "  resident        weights loaded once before the run: %llu cycles, %.6g uJ "
                "(not in the figures above)\n",
                (unsigned long long)pim_sim_whole_cycles(r->setup_cycles), r->setup_pj * 1e-6);
    if (r->steady_inferences_per_second > 0)
        fprintf(f, "  steady state    %.4g inferences/s once the pipeline is full\n",
                r->steady_inferences_per_second);
    if (r->sim.has_noc)
        pim_report_text_noc(f, r);
    if (r->nmodels > 1)
        pim_report_text_models(f, r);
    fprintf(f,
            "  weights         %s, streamed off chip %s; channel busy %.1f%%, "
            "bandwidth used %.1f%%\n",
            wts, off, 100.0 * r->offchip_busy_fraction, 100.0 * r->bandwidth_utilization);
    if (r->macro_time.known)
        fprintf(f,
                "  macro time      computing %.1f%%, writing %.1f%%, overhead %.1f%%, "
                "waiting with a tile %.1f%%, without one %.1f%%\n",
                100.0 * r->macro_time.compute, 100.0 * r->macro_time.write,
                100.0 * r->macro_time.overhead, 100.0 * r->macro_time.wait,
                100.0 * r->macro_time.idle);
    if (r->plan.activation_buffer_bytes) {
        char act[32], buf[32];
        human_bytes(act, sizeof act, (double)r->sim.activation_bytes);
        human_bytes(buf, sizeof buf, (double)r->plan.activation_buffer_bytes);
        fprintf(f, "  activations     %s of them spilled off chip and read back (buffer %s)\n", act,
                buf);
    }
    fprintf(f, "  energy          %.6g uJ:", r->energy.total * 1e-6);
    for (int i = 0; i < PIM_E_PARTS; i++)
        if (r->energy.part[i] > 0)
            fprintf(f, " %s %.1f%%", pim_energy_part_name(i),
                    100.0 * r->energy.part[i] / r->energy.total);
    if (pim_macro_is_analog(&a->macro) && r->writes_per_cell_per_second > 0) {
        fprintf(f, "\n  cell writes     %.4g per cell per second", r->writes_per_cell_per_second);
        if (r->lifetime_seconds > 0)
            fprintf(f, "; endurance %.3g writes: lifetime %.4g days", a->analog.endurance,
                    r->lifetime_seconds / 86400);
        else
            fprintf(f, " (no endurance given: lifetime not computed)");
    }
    fprintf(f, "\n  simulation      %llu events", (unsigned long long)r->sim.events);
    if (r->sim.jumped_events)
        fprintf(f, " (%llu of them in %llu steady-state jumps)",
                (unsigned long long)r->sim.jumped_events, (unsigned long long)r->sim.jumps);
    fprintf(f, ", %.3f s wall\n", r->wall_seconds);
}

void pim_report_csv(FILE *f, const pim_run_result *r)
{
    fprintf(f, "layer,kind,cycles,done,weight_bytes,bytes,offchip_bytes,macs,tiles,vectors,loads,"
               "chunks,bound,dynamic_matmul\n");
    for (uint32_t i = 0; i < r->plan.count; i++) {
        const pim_layer_result *l = &r->layers[i];
        pim_csv_text(f, 1, l->name);
        pim_csv_text(f, 0, pim_op_kind_name(l->kind));
        pim_csv_u64(f, l->cycles);
        pim_csv_f64(f, "%.3f", l->done);
        const uint64_t counts[] = {l->weight_bytes, l->bytes,   l->offchip_bytes, l->macs,
                                   l->tiles,        l->vectors, l->loads,         l->chunks};
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
            pim_csv_u64(f, counts[k]);
        pim_csv_text(f, 0, l->bound);
        pim_csv_text(f, 0, l->policy ? l->policy : "");
        fputc('\n', f);
    }
}
