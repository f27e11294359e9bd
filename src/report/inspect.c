/* pimstream report: `inspect`, the per-layer view of a model's workload. */
#include "pimstream/map.h"
#include "pimstream/report.h"

static uint64_t layer_vectors(const pim_layer *l)
{
    if (l->kind == PIM_OP_DYN_MATMUL)
        return l->heads * l->m;
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    return mx.vectors;
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
        pim_tiling t;
        pim_map_layer(l, &a->macro, &t);
        char shape[96];
        pim_layer_shape(l, shape, sizeof shape);
        fprintf(f, "%-28.28s %-14s %-36.36s %12llu %14llu %9llu %7llu\n", l->name,
                pim_op_kind_name(l->kind), shape, (unsigned long long)pim_layer_weights(l),
                (unsigned long long)pim_layer_macs(l), (unsigned long long)layer_vectors(l),
                (unsigned long long)t.tiles);
    }
    fprintf(f, "\ntotal: %llu weights, %llu MACs per sample\n",
            (unsigned long long)pim_model_weights(m), (unsigned long long)pim_model_macs(m));
}

void pim_report_inspect_json(FILE *f, const pim_model *m, const pim_arch *a)
{
    pim_json j;
    pim_json_init(&j, f, 1);
    pim_json_obj(&j, NULL);
    pim_json_str(&j, "model", m->name);
    pim_json_arr(&j, "layers");
    for (uint32_t i = 0; i < m->count; i++) {
        const pim_layer *l = &m->layers[i];
        pim_tiling t;
        pim_map_layer(l, &a->macro, &t);
        char shape[96];
        pim_layer_shape(l, shape, sizeof shape);
        pim_json_obj(&j, NULL);
        pim_json_str(&j, "name", l->name);
        pim_json_str(&j, "kind", pim_op_kind_name(l->kind));
        pim_json_str(&j, "shape", shape);
        pim_json_u64(&j, "weights", pim_layer_weights(l));
        pim_json_u64(&j, "macs", pim_layer_macs(l));
        pim_json_u64(&j, "vectors", layer_vectors(l));
        pim_json_u64(&j, "tiles", t.tiles);
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
