/* pimstream report: `inspect`, the per-layer view of a model's workload. */
#include "pimstream/map.h"
#include "pimstream/report.h"

/* One row of the inspect table, computed once for both output forms. */
typedef struct {
    char shape[96];
    uint64_t weights, macs, vectors, tiles;
} inspect_row;

static void inspect_layer(const pim_layer *l, const pim_arch *a, inspect_row *r)
{
    pim_tiling t;
    pim_map_layer_arch(l, a, &t);
    pim_layer_shape(l, r->shape, sizeof r->shape);
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    r->weights = pim_layer_weights(l);
    r->macs = pim_layer_macs(l);
    r->vectors = l->kind == PIM_OP_DYN_MATMUL ? l->heads * l->m : mx.vectors;
    r->tiles = t.tiles;
}

void pim_report_inspect_text(FILE *f, const pim_model *m, const pim_arch *a)
{
    fprintf(f, "%s: %u layers (%u with stationary weights), tiles for %s (%ux%u macro)\n\n",
            m->name, m->count, pim_model_stationary_layers(m), a->name, a->macro.rows,
            a->macro.columns);
    fprintf(f, "%-28s %-14s %-36s %12s %14s %9s %7s\n", "layer", "kind", "shape", "weights", "MACs",
            "vectors", "tiles");
    for (uint32_t i = 0; i < m->count; i++) {
        const pim_layer *l = &m->layers[i];
        inspect_row r;
        inspect_layer(l, a, &r);
        fprintf(f, "%-28.28s %-14s %-36.36s %12llu %14llu %9llu %7llu\n", l->name,
                pim_op_kind_name(l->kind), r.shape, (unsigned long long)r.weights,
                (unsigned long long)r.macs, (unsigned long long)r.vectors,
                (unsigned long long)r.tiles);
    }
    if (m->notes[0])
        fprintf(f, "\nnote: unknown elementwise operators run as vector operations: %s", m->notes);
    if (m->warnings[0])
        fprintf(f, "\nwarning: %s", m->warnings);
    fprintf(f, "\ntotal: %llu weights, %llu MACs per sample\n",
            (unsigned long long)pim_model_weights(m), (unsigned long long)pim_model_macs(m));
}

void pim_report_inspect_json(FILE *f, const pim_model *m, const pim_arch *a)
{
    pim_json j;
    pim_json_init(&j, f, 1);
    pim_json_obj(&j, NULL);
    pim_json_str(&j, "model", m->name);
    if (m->warnings[0])
        pim_json_str(&j, "warnings", m->warnings);
    pim_json_arr(&j, "layers");
    for (uint32_t i = 0; i < m->count; i++) {
        const pim_layer *l = &m->layers[i];
        inspect_row r;
        inspect_layer(l, a, &r);
        pim_json_obj(&j, NULL);
        pim_json_str(&j, "name", l->name);
        pim_json_str(&j, "kind", pim_op_kind_name(l->kind));
        pim_json_str(&j, "shape", r.shape);
        pim_json_u64(&j, "weights", r.weights);
        pim_json_u64(&j, "macs", r.macs);
        pim_json_u64(&j, "vectors", r.vectors);
        pim_json_u64(&j, "tiles", r.tiles);
        pim_json_end(&j, '}');
    }
    pim_json_end(&j, ']');
    pim_json_obj(&j, "totals");
    pim_json_u64(&j, "weights", pim_model_weights(m));
    pim_json_u64(&j, "macs", pim_model_macs(m));
    pim_json_end(&j, '}');
    pim_json_end(&j, '}');
    pim_json_finish(&j);
}
