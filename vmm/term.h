/*
 * The VMM side of a domain's console (term.c): line-buffered output,
 * each line prefixed with "[name] ". Port 0xe9 and the PV console ring
 * both write here.
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

#include <pthread.h>
#include <stddef.h>

#include "hv.h"
#include "ioport.h"

/* Line buffer of one domain's console. */
#define CONSOLE_LINE_MAX 1024
struct term {
	pthread_mutex_t lock;
	char prefix[HV_NAME_MAX + 4];
	char line[CONSOLE_LINE_MAX];
	unsigned len;
};


void term__init(struct term *c, const char *name);
void term__put(struct term *c, const char *buf, size_t len);
void term__flush(struct term *c);
void term__destroy(struct term *c);
/* Port 0xe9 (ioport.h): writes go to the console, reads give 0xe9. */
extern const struct ioport_ops term__port;

#endif
