/* pimstream report: `area`, the area and peak power of an architecture by
 * component and by level. */
#include "pimstream/report.h"

#include <math.h>

/* NAN (JSON null, "n/a") when the table gives no area or power: a ratio
 * over nothing is not a figure. */
static double gops_per(double ops, double per)
{
    return per > 0 ? ops / 1e9 / per : NAN;
}

void pim_report_area_text(FILE *f, const pim_arch *a, const pim_area *ar)
{
    fprintf(f, "%s: %u tiles x %u cores x %u macros (%s, %ux%u)\n\n", a->name, pim_arch_tiles(a),
            a->cores, a->core.macros, pim_macro_type_name(a->macro.type), a->macro.rows,
            a->macro.columns);
    fprintf(f, "%-16s %-6s %12s %14s %12s %7s %7s\n", "component", "level", "count", "power mW",
            "area mm2", "power", "area");
    for (int c = 0; c < PIM_C_COUNT; c++) {
        const pim_area_item *it = &ar->comp[c];
        if (it->count == 0)
            continue;
        fprintf(f, "%-16s %-6s %12.6g %14.6g %12.6g %6.1f%% %6.1f%%\n",
                pim_component_name((pim_component_id)c),
                pim_level_name(pim_component_level((pim_component_id)c)), it->count, it->mw,
                it->mm2, ar->total_mw > 0 ? 100 * it->mw / ar->total_mw : 0,
                ar->total_mm2 > 0 ? 100 * it->mm2 / ar->total_mm2 : 0);
    }
    fprintf(f, "\nby level:");
    for (int l = 0; l < 4; l++)
        fprintf(f, " %s %.6g mW / %.6g mm2%s", pim_level_name((pim_level)l), ar->level_mw[l],
                ar->level_mm2[l], l < 3 ? ";" : "\n");
    fprintf(f, "one tile:  %.6g mW, %.6g mm2\n", ar->tile_mw, ar->tile_mm2);
    fprintf(f, "chip:      %.6g W, %.6g mm2\n", ar->total_mw / 1000, ar->total_mm2);
    if (ar->total_mm2 > 0 && ar->total_mw > 0) {
        fprintf(f, "peak:      %.6g TOPS, %.6g GOPS/mm2, %.6g GOPS/W\n", ar->ops_per_second / 1e12,
                gops_per(ar->ops_per_second, ar->total_mm2),
                gops_per(ar->ops_per_second, ar->total_mw / 1000));
        return;
    }
    fprintf(f,
            "peak:      %.6g TOPS; GOPS/mm2 and GOPS/W n/a: no component table "
            "(this architecture prices energy per action only)\n",
            ar->ops_per_second / 1e12);
}

static void breakdown(pim_json *j, const char *key, const pim_area *ar, int power)
{
    pim_json_obj(j, key);
    pim_json_f64(j, "total", power ? ar->total_mw : ar->total_mm2);
    pim_json_obj(j, "breakdown");
    for (int c = 0; c < PIM_C_COUNT; c++)
        if (ar->comp[c].count > 0)
            pim_json_f64(j, pim_component_name((pim_component_id)c),
                         power ? ar->comp[c].mw : ar->comp[c].mm2);
    pim_json_end(j, '}');
    pim_json_obj(j, "levels");
    for (int l = 0; l < 4; l++)
        pim_json_f64(j, pim_level_name((pim_level)l), power ? ar->level_mw[l] : ar->level_mm2[l]);
    pim_json_end(j, '}');
    pim_json_f64(j, "tile", power ? ar->tile_mw : ar->tile_mm2);
    pim_json_end(j, '}');
}

void pim_report_area_json(FILE *f, const pim_arch *a, const pim_area *ar)
{
    pim_json j;
    pim_json_init(&j, f, 1);
    pim_json_obj(&j, NULL);
    pim_json_str(&j, "arch", a->name);
    breakdown(&j, "area_mm2", ar, 0);
    breakdown(&j, "power_mw", ar, 1);
    pim_json_obj(&j, "peak");
    pim_json_f64(&j, "ops_per_second", ar->ops_per_second);
    pim_json_f64(&j, "gops_per_mm2", gops_per(ar->ops_per_second, ar->total_mm2));
    pim_json_f64(&j, "gops_per_w", gops_per(ar->ops_per_second, ar->total_mw / 1000));
    pim_json_end(&j, '}');
    pim_json_end(&j, '}');
    pim_json_finish(&j);
}
