/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef RTE_PMD_ISM_H
#define RTE_PMD_ISM_H

/**
 * @file
 * net_ism specific calls: what the ethdev API cannot express.
 *
 * Each call takes an ethdev port id and fails with -ENODEV for a port that
 * is not a net_ism port. They may be called from any thread while the
 * port exists; in the primary process the values a call reads are taken
 * under the port's control lock, so they are consistent with each other
 * but may change right after (the peer goes away, a new handshake runs).
 * A secondary process reads the GIDs from the port's shared data without
 * that lock (the lock is the primary's) and has no lib/ism device or
 * peer DMB of its own: see each call.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "ism.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The GID of the ISM function behind the port.
 *
 * @param port_id  an ethdev port
 * @param[out] gid  the function's GID
 * @return 0, or -ENODEV if @p port_id is not a net_ism port.
 */
__rte_experimental
int rte_pmd_ism_get_gid(uint16_t port_id, uint64_t *gid);

/**
 * The GID of the peer function: the other end of the port's link.
 *
 * @param port_id  an ethdev port
 * @param[out] peer_gid  the peer's GID; 0 while no peer has been found
 * @return 0, or -ENODEV if @p port_id is not a net_ism port.
 */
__rte_experimental
int rte_pmd_ism_get_peer(uint16_t port_id, uint64_t *peer_gid);

/**
 * The lib/ism device of the port, e.g. to issue SMC-D style moves beside
 * the ethdev traffic.
 *
 * The port keeps owning the device: do not close it, and do not use it
 * after the port is closed. The thread-safety rules of ism.h apply to its
 * use beside the port's own (ism_move() may run beside the datapath; do
 * not poll its SBA or IEQ, the port does).
 *
 * @param port_id  an ethdev port
 * @return the device, or NULL if @p port_id is not a net_ism port or the
 *   caller is a secondary process (the device is the primary's).
 */
__rte_experimental
struct ism_dev *rte_pmd_ism_get_dev(uint16_t port_id);

/**
 * The peer's RX DMB of queue pair @p queue_id: where our TX queue writes.
 *
 * @param port_id  an ethdev port
 * @param queue_id  a queue pair of the port
 * @param[out] dmb  the peer's DMB (token and length), for ism_move()
 * @return 0; -ENODEV if @p port_id is not a net_ism port; -ENOTCONN when
 *   the handshake has not delivered that DMB (yet), or @p queue_id is not
 *   a configured queue; -ENOTSUP in a secondary process (the tokens are
 *   the primary's to use).
 */
__rte_experimental
int rte_pmd_ism_get_peer_dmb(uint16_t port_id, uint16_t queue_id,
			     struct ism_rdmb *dmb);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_ISM_H */
