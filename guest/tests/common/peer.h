/*
 * What a program for two or more domains needs (docs/domains.md), linked
 * in with 'common' : ['peer.c']: its command line's numbers, one ABI for
 * every call (abi=fast: FastABI registers; otherwise the hypercall page),
 * 2-level or FIFO events ('fifo'), and a sleep on a port until the peer
 * changes a word of shared memory.
 */
#ifndef GUEST_TESTS_COMMON_PEER_H
#define GUEST_TESTS_COMMON_PEER_H

#include "guest.h"

#define MS 1000000ull

extern struct shared_info *peer_si;
extern bool peer_fast, peer_fifo;
extern evtchn_port_t peer_port;  /* the port peer_wait_change() sleeps on */
extern uint64_t peer_deadline;   /* system time (ns) after which waits fail */

/*
 * abi= and fifo from the command line, shared_info, FIFO set up when asked.
 * false after xtf_error/xtf_failure.
 */
bool peer_init(void);

/* "key=N" of the command line, or dflt. */
unsigned peer_opt_uint(const char *key, unsigned dflt);
/* "key=want" is on the command line. */
bool peer_opt_is(const char *key, const char *want);

uint64_t peer_now_ns(void);
/* TSC cycles to ns with the hypervisor's pvclock scale. */
uint64_t peer_pvclock_ns(uint64_t cycles);

long peer_poll(evtchn_port_t p, uint64_t until);
long peer_send(evtchn_port_t p);
long peer_status(evtchn_port_t p, struct evtchn_status *st);
long peer_close(evtchn_port_t p);
long peer_alloc_unbound(domid_t remote, evtchn_port_t *p);
long peer_bind(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *p);
long peer_map(struct gnttab_map_grant_ref *m);
long peer_unmap(struct gnttab_unmap_grant_ref *u);
/* count ops: one legacy call, or one FastABI call (copy_batch when count > 1). */
long peer_copy(struct gnttab_copy *c, unsigned count);

/* Take p's event (the 2-level bit, or the FIFO queues consumed). */
void peer_clear_event(evtchn_port_t p);

/*
 * Sleep on peer_port until *word != old (no event lost, no spinning); false
 * after xtf_failure when peer_deadline passes.
 */
bool peer_wait_change(volatile uint64_t *word, uint64_t old);
/* The same until *flag is set; 'what' names it in the failure ("connection from the backend"). */
bool peer_wait_flag(volatile uint32_t *flag, const char *what);

/*
 * test_main of a granter/mapper pair: peer_init, then "peer=<domid>
 * gref=<G>" (G..G+nrefs-1 within the first grant frame) and
 * "role=granter|mapper" from the command line, and the role's function
 * called with (peer, G); an ERROR naming what is missing otherwise.
 */
void peer_granter_mapper(unsigned nrefs, void (*granter)(unsigned peer, unsigned g),
			 void (*mapper)(unsigned peer, unsigned g));

/* Sleep (SCHEDOP_poll of port p, timeout) for ms milliseconds. */
void peer_sleep_ms(evtchn_port_t p, unsigned ms);

#endif
