/* Private to src/hier: the key table the YAML loader and --set share, and
 * the embedded presets. */
#ifndef PIMSTREAM_HIER_INTERNAL_H
#define PIMSTREAM_HIER_INTERNAL_H

#include "pimstream/hier.h"

/* Set one key of level i ("capacity", "x", "factor.M", "axis.K", "keep",
 * "permutation", ...) from its text; `where` names the place for errors. */
pim_status pim_hier_level_set(pim_hier *h, uint32_t i, const char *key, const char *value,
                              const char *where, pim_error *err);
/* Set one key of the CiM primitive ("primitive", "rp", "latency", ...). */
pim_status pim_hier_cim_set(pim_cim_primitive *p, const char *key, const char *value,
                            const char *where, pim_error *err);
/* Write the primitive's levels (cell array, input and output buffers,
 * weight storage, unit) at index `at`, named after `prefix`. */
pim_status pim_hier_expand_cim(pim_hier *h, uint32_t at, const char *prefix, pim_error *err);

/* Generated at build time from configs/hier/ *.yaml (scripts/embed.sh). */
extern const pim_preset pim_hier_presets[];
extern const size_t pim_hier_presets_count;

#endif
