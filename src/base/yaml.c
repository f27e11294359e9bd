/* pimstream base: loading a YAML file safely.
 *
 * libyaml's document API keeps every node's line and column, which the
 * loaders use in their messages. Before building the document, one pass
 * over the event stream refuses what the document API would accept
 * silently or slowly: a second document, nesting deeper than
 * PIM_YAML_MAX_DEPTH (a file nested 100k levels deep otherwise takes
 * libyaml tens of seconds), more than PIM_YAML_MAX_EVENTS nodes, and
 * aliases (an alias may point at its own ancestor, making the tree
 * infinite). After it, duplicate keys in any mapping are errors. */
#include "pimstream/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define PIM_YAML_MAX_DEPTH 64
#define PIM_YAML_MAX_EVENTS 1000000

static pim_status syntax_error(const yaml_parser_t *p, const char *origin, pim_error *err)
{
    return pim_fail(err, PIM_EINPUT, "%s:%zu:%zu: YAML syntax error: %s", origin,
                    p->problem_mark.line + 1, p->problem_mark.column + 1,
                    p->problem ? p->problem : "malformed");
}

static pim_status at_event(const yaml_event_t *e, const char *origin, pim_error *err,
                           const char *what)
{
    return pim_fail(err, PIM_EINPUT, "%s:%zu:%zu: %s", origin, e->start_mark.line + 1,
                    e->start_mark.column + 1, what);
}

/* What the document API would take too long over, or accept wrongly. */
static pim_status check_events(const char *text, size_t len, const char *origin, pim_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return pim_fail(err, PIM_EINTERNAL, "%s: cannot start the YAML parser", origin);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    pim_status st = PIM_OK;
    int depth = 0, docs = 0, done = 0;
    for (long events = 0; !st && !done; events++) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            st = syntax_error(&p, origin, err);
            break;
        }
        if (e.type == YAML_DOCUMENT_START_EVENT && ++docs > 1)
            st = at_event(&e, origin, err, "a second YAML document: a file holds one");
        else if ((e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT) &&
                 ++depth > PIM_YAML_MAX_DEPTH)
            st = at_event(&e, origin, err, "nested more than 64 levels deep");
        else if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT)
            depth--;
        else if (e.type == YAML_ALIAS_EVENT)
            st = at_event(&e, origin, err,
                          "YAML aliases (*name) are not supported: write the "
                          "value out");
        else if (events == PIM_YAML_MAX_EVENTS)
            st = at_event(&e, origin, err, "more than a million YAML nodes");
        done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    return st;
}

static int compare_keys(const void *a, const void *b)
{
    const yaml_node_t *x = *(const yaml_node_t *const *)a, *y = *(const yaml_node_t *const *)b;
    int c = strcmp((const char *)x->data.scalar.value, (const char *)y->data.scalar.value);
    if (c)
        return c;
    return x->start_mark.index < y->start_mark.index ? -1
                                                     : x->start_mark.index > y->start_mark.index;
}

/* A key given twice in one mapping: the later one names its line. Keys
 * are sorted, so a mapping of n keys costs n log n. */
static pim_status check_duplicate_keys(yaml_document_t *doc, const char *origin, pim_error *err)
{
    size_t cap = 0;
    yaml_node_t **keys = NULL;
    pim_status st = PIM_OK;
    for (yaml_node_t *n = doc->nodes.start; n < doc->nodes.top && !st; n++) {
        if (n->type != YAML_MAPPING_NODE)
            continue;
        size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start), k = 0;
        if (count > cap) {
            yaml_node_t **grown = realloc(keys, count * sizeof *keys);
            if (!grown) {
                st = pim_fail(err, PIM_EINTERNAL, "%s: out of memory", origin);
                break;
            }
            keys = grown;
            cap = count;
        }
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *key = yaml_document_get_node(doc, p->key);
            if (key && key->type == YAML_SCALAR_NODE)
                keys[k++] = key;
        }
        if (k > 1) /* an empty mapping has no array at all */
            qsort(keys, k, sizeof *keys, compare_keys);
        for (size_t i = 1; i < k && !st; i++)
            if (!strcmp((char *)keys[i]->data.scalar.value, (char *)keys[i - 1]->data.scalar.value))
                st = pim_fail(err, PIM_EINPUT,
                              "%s:%zu:%zu: key '%s' given twice (first at line %zu)", origin,
                              keys[i]->start_mark.line + 1, keys[i]->start_mark.column + 1,
                              (char *)keys[i]->data.scalar.value, keys[i - 1]->start_mark.line + 1);
    }
    free(keys);
    return st;
}

pim_status pim_yaml_load(const char *text, size_t len, const char *origin, yaml_document_t *doc,
                         pim_error *err)
{
    pim_status st = check_events(text, len, origin, err);
    if (st)
        return st;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return pim_fail(err, PIM_EINTERNAL, "%s: cannot start the YAML parser", origin);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc))
        st = syntax_error(&parser, origin, err);
    yaml_parser_delete(&parser);
    if (!st && (st = check_duplicate_keys(doc, origin, err)))
        yaml_document_delete(doc);
    return st;
}

void pim_yaml_where(const char *origin, const yaml_node_t *n, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s:%zu:%zu", origin, n->start_mark.line + 1, n->start_mark.column + 1);
}

pim_status pim_yaml_fail(pim_error *err, const char *origin, const yaml_node_t *n, const char *msg)
{
    char where[PIM_PATH_MAX + 48];
    pim_yaml_where(origin, n, where, sizeof where);
    return pim_fail(err, PIM_EINPUT, "%s: %.400s", where, msg); /* the place is never cut */
}

const char *pim_yaml_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}
