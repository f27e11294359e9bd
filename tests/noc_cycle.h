/* pimstream tests: a cycle-accurate input-queued wormhole router network,
 * the reference the flow model of src/noc is validated against.
 *
 * A k x m mesh, XY routing. Each router has five ports (four neighbours and
 * the local node); each input port has V virtual channels of D flits. A
 * head flit spends one cycle in each of route computation, VC allocation,
 * switch allocation and switch traversal, then one on the link: five
 * cycles a hop at zero load. Body flits follow through switch allocation
 * and traversal, one a cycle. Credits take one cycle back. Allocators are
 * separable round-robin (input first); an output VC is freed when the tail
 * flit leaves. Sources keep a queue and inject a flit a cycle into a free
 * VC of their router's local port; sinks take a flit a cycle. */
#ifndef PIMSTREAM_NOC_CYCLE_H
#define PIMSTREAM_NOC_CYCLE_H

#include "pimstream/noc.h"

typedef struct {
    double completion_cycles; /* the last tail flit's arrival */
    double latency_avg;       /* per packet: injection of its head to arrival of its tail */
    uint64_t packets;
} noc_cycle_result;

/* Batch mode on a k x m mesh: every node sends `packets` packets of
 * `flits` flits, destinations drawn by pim_traffic_dest in the same order
 * as the flow model's benchmark. 0 on bad arguments or out of memory. */
int noc_cycle_batch(const pim_noc *n, const pim_noc_bench *b, noc_cycle_result *out);

#endif
