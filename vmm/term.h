/*
 * The VMM side of a domain's console (term.c): line-buffered output,
 * each line prefixed with "[name] ". Port 0xe9 and the PV console ring
 * both write here.
 */
#ifndef VMM_TERM_H
#define VMM_TERM_H

#include <pthread.h>
#include <stdbool.h>
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
	bool raw; /* --console raw: the guest's bytes as they are (term.c) */
};


void term__init(struct term *c, const char *name, bool raw);
/*
 * How byte ch (not '\n', '\r' or NUL) is shown: 1 to 4 characters into out,
 * their number returned. Escaped unless raw (term.c says which bytes).
 */
unsigned term__render(char ch, bool raw, char out[4]);
void term__put(struct term *c, const char *buf, size_t len);
void term__flush(struct term *c);
void term__destroy(struct term *c);
/* Port 0xe9 (ioport.h): writes go to the console, reads give 0xe9. */
extern const struct ioport_ops term__port;

#endif
