/* Private to src/arch: the field table shared by the loader and --set. */
#ifndef PIMSTREAM_ARCH_INTERNAL_H
#define PIMSTREAM_ARCH_INTERNAL_H

#include "pimstream/arch.h"

typedef enum {
    PIM_F_STR,
    PIM_F_U32,
    PIM_F_U64,
    PIM_F_F64,
    PIM_F_MACRO_TYPE,
    PIM_F_DYN_POLICY,
    PIM_F_DATAFLOW,
    PIM_F_ENCODING,
    PIM_F_TOPOLOGY,
    PIM_F_INTERPOSER,
    PIM_F_TEXT,    /* up to 255 characters */
    PIM_F_BOOL,    /* false or true, stored as an int */
    PIM_F_NOT_BOOL /* true or false, stored negated: 0 is the default (true) */
} pim_field_type;

typedef struct {
    const char *path;
    pim_field_type type;
    size_t offset;
    double min, max;
    int optional; /* may be left out of a full file (defaults to 0) */
} pim_arch_field;

const pim_arch_field *pim_arch_field_find(const char *path);
/* A field's row in the table: the index pim_arch_check_complete's `seen` uses. */
size_t pim_arch_field_index(const pim_arch_field *f);
int pim_arch_path_is_section(const char *path);
/* Every required field given (a file without `base:`). */
pim_status pim_arch_check_complete(const pim_arch *a, pim_error *err);
pim_status pim_arch_field_store(pim_arch *a, const pim_arch_field *f, const char *value,
                                const char *where, pim_error *err);

/* Generated at build time from configs/ *.yaml (see scripts/embed.sh). */
extern const pim_preset pim_arch_presets[];
extern const size_t pim_arch_presets_count;

#endif
