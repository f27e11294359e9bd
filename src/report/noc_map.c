/* pimstream report: the network as a picture (SVG).
 *
 * Each node is a square at its place (chiplets apart on a shaded package,
 * 3-D tiers as panels two abreast), labelled with the layers whose weights
 * it holds; each directed link is a line beside its reverse, coloured by
 * its utilization (bytes over width x run time) on one scale from idle to
 * the busiest link; a node's vertical links are its up and down arrows,
 * coloured the same way. Memory controllers carry a badge. Hovering shows
 * the details. */
#include "pimstream/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL 90.0 /* pixels between neighbouring nodes */
#define BOX 70.0  /* a node's square */
#define MARGIN 40.0

typedef struct {
    FILE *f;
    const pim_run_result *r;
    const pim_model *m;
    int32_t span_x, span_y; /* one tier's panel in cells (tiers sit two abreast) */
    double peak;            /* the busiest link's utilization */
} map;

static double px(const map *mp, uint32_t node)
{
    const pim_noc *n = &mp->r->noc;
    return MARGIN + CELL * (n->x[node] + (n->z[node] % 2) * mp->span_x) + CELL / 2;
}

static double py(const map *mp, uint32_t node)
{
    const pim_noc *n = &mp->r->noc;
    return MARGIN + 30 + CELL * (n->y[node] + (n->z[node] / 2) * mp->span_y) + CELL / 2;
}

/* Idle links pale grey-blue, then yellow to red as they fill (relative to
 * the busiest), so the hot path stands out. */
static void link_colour(double u, char *buf, size_t cap)
{
    if (u <= 0) {
        snprintf(buf, cap, "#c8d0dc");
        return;
    }
    double t = u > 1 ? 1 : u;
    int r = (int)(255 - 40 * t), g = (int)(220 - 200 * t), b = (int)(60 - 40 * t);
    snprintf(buf, cap, "#%02x%02x%02x", r, g, b < 0 ? 0 : b);
}

static double utilization(const map *mp, uint32_t l)
{
    const pim_run_result *r = mp->r;
    double width = r->noc.spec.link[r->noc.links[l].cls].bytes_per_cycle;
    return r->sim.end > 0 ? r->sim.noc.link_bytes[l] / (width * r->sim.end) : 0;
}

/* Per network node, the layers it holds: each logical node's first MVM
 * unit and how many distinct layers it holds in all. */
static void node_layers(const map *mp, uint32_t *first_layer, uint32_t *count)
{
    const pim_run_result *r = mp->r;
    uint32_t n = r->noc.nodes;
    for (uint32_t i = 0; i < n; i++) {
        first_layer[i] = UINT32_MAX;
        count[i] = 0;
    }
    uint32_t *last = malloc(n * sizeof *last);
    if (!last)
        return;
    for (uint32_t i = 0; i < n; i++)
        last[i] = UINT32_MAX;
    for (uint32_t x = 0; x < r->program.count; x++) {
        const pim_instr *in = &r->program.code[x];
        if (in->op != PIM_I_MVM || in->image != 0 || in->node >= r->program.nodes)
            continue;
        uint32_t phys = r->place[in->node], layer = r->units[in->unit].layer;
        if (last[phys] == layer)
            continue;
        if (first_layer[phys] == UINT32_MAX)
            first_layer[phys] = layer;
        last[phys] = layer;
        count[phys]++;
    }
    free(last);
}

static void draw_link(const map *mp, uint32_t l)
{
    const pim_noc_link *k = &mp->r->noc.links[l];
    if (k->cls == PIM_LINK_VERTICAL)
        return; /* drawn on its nodes as arrows */
    double x0 = px(mp, k->from), y0 = py(mp, k->from), x1 = px(mp, k->to), y1 = py(mp, k->to);
    double dx = x1 - x0, dy = y1 - y0, len = sqrt(dx * dx + dy * dy);
    if (len <= 0)
        return;
    /* each direction on its own side of the centre line */
    double ox = -dy / len * 4, oy = dx / len * 4, u = utilization(mp, l);
    char colour[16];
    link_colour(mp->peak > 0 ? u / mp->peak : 0, colour, sizeof colour);
    const char *dash = k->cls == PIM_LINK_INTERPOSER ? " stroke-dasharray=\"7 3\"" : "";
    double width = k->cls == PIM_LINK_ONCHIP ? 3.5 : 4.5;
    fprintf(mp->f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-width=\"%.1f\" stroke-opacity=\"0.9\"%s>",
            x0 + ox, y0 + oy, x1 + ox, y1 + oy, colour, width, dash);
    fprintf(mp->f, "<title>link %u->%u (%s): %.4g MB, %.1f%% busy</title></line>\n", k->from, k->to,
            pim_link_class_name(k->cls), mp->r->sim.noc.link_bytes[l] / 1048576.0, 100 * u);
}

/* A node's vertical links: an arrow up (to the tier above) and one down. */
static void draw_vertical(const map *mp, uint32_t node, double x, double y)
{
    const pim_noc *n = &mp->r->noc;
    for (uint32_t l = 0; l < n->nlinks; l++) {
        const pim_noc_link *k = &n->links[l];
        if (k->cls != PIM_LINK_VERTICAL || k->from != node)
            continue;
        int up = n->z[k->to] > n->z[node];
        double u = utilization(mp, l), ax = x + BOX - (up ? 22 : 11), ay = y + BOX - 4;
        char colour[16];
        link_colour(mp->peak > 0 ? u / mp->peak : 0, colour, sizeof colour);
        fprintf(mp->f,
                "<path d=\"M%.1f %.1f L%.1f %.1f L%.1f %.1f Z\" fill=\"%s\" stroke=\"#5b6b82\" "
                "stroke-width=\"0.6\"><title>link %u->%u (vertical, %s): %.4g MB, %.1f%% "
                "busy</title></path>",
                ax, up ? ay : ay - 9, ax + 9, up ? ay : ay - 9, ax + 4.5, up ? ay - 9 : ay, colour,
                k->from, k->to, up ? "up" : "down", mp->r->sim.noc.link_bytes[l] / 1048576.0,
                100 * u);
    }
}

/* Chiplets: each one's nodes on a shaded die. */
static void draw_chiplets(const map *mp)
{
    const pim_noc *n = &mp->r->noc;
    if (n->spec.topology != PIM_TOPO_CHIPLETS)
        return;
    uint32_t per = n->spec.k * n->spec.m;
    for (uint32_t c = 0; c * per < n->nodes; c++) {
        double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
        for (uint32_t i = c * per; i < (c + 1) * per && i < n->nodes; i++) {
            x0 = fmin(x0, px(mp, i));
            y0 = fmin(y0, py(mp, i));
            x1 = fmax(x1, px(mp, i));
            y1 = fmax(y1, py(mp, i));
        }
        double pad = BOX / 2 + 6;
        fprintf(mp->f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\" "
                "fill=\"#eef0e6\" stroke=\"#9aa18a\"/>\n",
                x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad);
    }
}

#define LABEL 14 /* characters a line of a node's label holds */

/* A layer's name on two lines that fit a node's box: where it sits (all
 * but the last dotted part, its tail kept when too long) and what it is
 * (the last part). */
static void label_lines(const char *full, char *where, char *what, size_t cap)
{
    /* torchvision's long module words, shortened so block numbers show */
    static const char *const words[][2] = {{"features.", ""},
                                           {"denseblock", "block"},
                                           {"denselayer", "layer"},
                                           {"transition", "trans"}};
    char name[160];
    size_t n = 0;
    for (const char *p = full; *p && n + 1 < sizeof name;) {
        size_t w = 0;
        while (w < 4 && strncmp(p, words[w][0], strlen(words[w][0])) != 0)
            w++;
        if (w < 4) {
            n += (size_t)snprintf(name + n, sizeof name - n, "%s", words[w][1]);
            p += strlen(words[w][0]);
        } else {
            name[n++] = *p++;
        }
    }
    name[n < sizeof name ? n : sizeof name - 1] = '\0';
    const char *s = name;
    const char *dot = strrchr(s, '.');
    size_t head = dot ? (size_t)(dot - s) : 0;
    const char *last = dot ? dot + 1 : s;
    if (head > LABEL)
        snprintf(where, cap, "..%.*s", LABEL - 2, s + head - (LABEL - 2));
    else
        snprintf(where, cap, "%.*s", (int)head, s);
    snprintf(what, cap, "%.*s", LABEL, last);
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
}

static void draw_node(const map *mp, uint32_t node, uint32_t layer, uint32_t count, int is_mc)
{
    FILE *f = mp->f;
    double x = px(mp, node) - BOX / 2, y = py(mp, node) - BOX / 2;
    const char *fill = count ? "#e8f1fb" : "#f4f4f4";
    fprintf(f,
            "<g><rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" rx=\"5\" fill=\"%s\" "
            "stroke=\"#5b6b82\" stroke-width=\"1.2\"/>",
            x, y, BOX, BOX, fill);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#5b6b82\">%u</text>", x + 3,
            y + 10, node);
    if (count) {
        char where[32], what[32];
        label_lines(mp->m->layers[layer].name, where, what, sizeof where);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">",
                x + BOX / 2, y + 27);
        xml_text(f, where);
        fprintf(f,
                "</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" font-weight=\"bold\" "
                "text-anchor=\"middle\">",
                x + BOX / 2, y + 40);
        xml_text(f, what);
        fputs("</text>", f);
        if (count > 1)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8.5\" text-anchor=\"middle\" "
                    "fill=\"#5b6b82\">+%u more</text>",
                    x + BOX / 2, y + 55, count - 1);
    }
    draw_vertical(mp, node, x, y);
    if (is_mc)
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"20\" height=\"11\" rx=\"2\" fill=\"#37474f\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" fill=\"white\">MC</text>",
                x + BOX - 21, y + 1, x + BOX - 18, y + 10);
    fprintf(f, "<title>node %u: %u layer%s%s%s%s</title></g>\n", node, count, count == 1 ? "" : "s",
            count ? ", first " : "", count ? mp->m->layers[layer].name : "",
            is_mc ? "; memory controller" : "");
}

static void draw_legend(const map *mp, double x, double y)
{
    FILE *f = mp->f;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">link utilization</text>\n", x, y);
    for (int i = 0; i <= 20; i++) {
        char colour[16];
        link_colour(i / 20.0, colour, sizeof colour);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"10\" fill=\"%s\"/>", x + i * 8,
                y + 5, colour);
    }
    fprintf(f,
            "\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">0</text>"
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.1f%%</text>\n",
            x, y + 28, x + 168, y + 28, 100 * mp->peak);
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#5b6b82\">solid: on-chip, "
            "dashed: interposer; triangles: a node's links up and down a tier</text>\n",
            x + 190, y + 14);
}

void pim_report_noc_map(FILE *f, const pim_model *m, const pim_run_result *r)
{
    const pim_noc *n = &r->noc;
    map mp = {.f = f, .r = r, .m = m};
    int32_t max_x = 0, max_y = 0, max_z = 0;
    for (uint32_t i = 0; i < n->nodes; i++) {
        max_x = n->x[i] > max_x ? n->x[i] : max_x;
        max_y = n->y[i] > max_y ? n->y[i] : max_y;
        max_z = n->z[i] > max_z ? n->z[i] : max_z;
    }
    mp.span_x = max_x + 2; /* a column's gap between tiers */
    mp.span_y = max_y + 2;
    for (uint32_t l = 0; l < n->nlinks; l++) {
        double u = utilization(&mp, l);
        mp.peak = u > mp.peak ? u : mp.peak;
    }
    int32_t cols = max_z > 0 ? 2 : 1, rows = (max_z + 2) / 2;
    double width = 2 * MARGIN + CELL * (mp.span_x * cols - 1);
    double height = 2 * MARGIN + 30 + CELL * (mp.span_y * rows - 1) + 40;
    width = width < 560 ? 560 : width;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            width, height, width, height);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">", MARGIN, 26.0);
    xml_text(f, m->name);
    fprintf(f, " on a %s network, %u nodes, placement %s, batch %llu</text>\n",
            pim_topology_name(n->spec.topology), n->nodes, pim_placement_name(r->placement),
            (unsigned long long)r->batch);
    for (int32_t z = 0; z <= max_z && max_z > 0; z++)
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#5b6b82\">tier %d%s</text>\n",
                MARGIN + CELL * (z % 2) * mp.span_x, MARGIN + 22 + CELL * (z / 2) * mp.span_y, z,
                z == 0 ? " (bottom)" : "");
    draw_chiplets(&mp);
    for (uint32_t l = 0; l < n->nlinks; l++)
        draw_link(&mp, l);
    uint32_t *first = malloc(n->nodes * sizeof *first), *count = malloc(n->nodes * sizeof *count);
    if (first && count) {
        node_layers(&mp, first, count);
        for (uint32_t i = 0; i < n->nodes; i++) {
            int is_mc = 0;
            for (uint32_t k = 0; k < r->nmcs; k++)
                is_mc |= r->mcs[k] == i;
            draw_node(&mp, i, first[i], count[i], is_mc);
        }
    }
    free(first);
    free(count);
    draw_legend(&mp, MARGIN, height - 48);
    fputs("</svg>\n", f);
}
