/*
 * libFuzzer target: the PV console ring as a hostile guest drives it
 * (vmm/xencons.c, through the core's event channel and vmm/backend.c, out
 * through vmm/term.c). The guest owns the ring page and its indices: the
 * input is a sequence of moves on the page (bytes into out[], out_prod and
 * out_cons set to anything, any word of the page scribbled, well-behaved
 * produces) and of EVTCHNOP_send on the console port, on a domain built
 * without KVM (as elf_fuzz does). The console's output goes to a memory
 * stream instead of stdout.
 *
 * A model of the ring checks every notification: the backend consumes
 * out[out_cons..out_prod) when prod - cons fits the ring, stops serving a
 * ring whose indices do not (for good), and hands out_cons = out_prod
 * back. At the end the console's output must be exactly the consumed bytes
 * as term.c prints them: "[fuzz] " lines of at most CONSOLE_LINE_MAX bytes,
 * cut at '\n' and at the line length (an escape never cut), '\r' and NUL
 * dropped, bytes other than printable ASCII and tab shown as "\xNN" and
 * '\\' as "\\\\" (the default, escaped console).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastabi_hv.h"
#include "fuzz_domain.h"
#include "fuzz_input.h"
#include "vmm.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define OUT_PROD offsetof(struct xencons_interface, out_prod)
#define OUT_CONS offsetof(struct xencons_interface, out_cons)
#define OUT_OFF offsetof(struct xencons_interface, out)

static struct vmm vmm;
static struct vmm_domain *vd;

/* The input's next field (fuzz_input.h), at most 32 bits. */
static uint32_t take(struct fuzz_in *in, unsigned bytes)
{
	return (uint32_t)fuzz__take(in, bytes);
}

/* What the console must have printed: the model's bytes, as term.c renders them. */
struct expect {
	char *buf;
	size_t len, cap;
	unsigned line; /* bytes on the current line */
};

static void expect_put(struct expect *e, const char *s, size_t n)
{
	if (e->len + n > e->cap) {
		e->cap = (e->len + n) * 2 + 256;
		e->buf = realloc(e->buf, e->cap);
		if (!e->buf)
			abort();
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

static void expect_newline(struct expect *e)
{
	if (!e->line)
		expect_put(e, "[fuzz] ", 7);
	expect_put(e, "\n", 1);
	e->line = 0;
}

static void expect_byte(struct expect *e, char ch)
{
	if (ch == '\n') {
		expect_newline(e);
		return;
	}
	if (ch == '\r' || ch == '\0')
		return;
	/* Written out independently of term__render, so that the two check each other. */
	char shown[8];
	int n;
	if (ch == '\\')
		n = snprintf(shown, sizeof(shown), "\\\\");
	else if (ch == '\t' || (ch >= ' ' && ch <= '~'))
		n = snprintf(shown, sizeof(shown), "%c", ch);
	else
		n = snprintf(shown, sizeof(shown), "\\x%02x", (unsigned char)ch);
	if (e->line + (unsigned)n > CONSOLE_LINE_MAX)
		expect_newline(e);
	if (!e->line)
		expect_put(e, "[fuzz] ", 7);
	expect_put(e, shown, (size_t)n);
	e->line += (unsigned)n;
	if (e->line == CONSOLE_LINE_MAX)
		expect_newline(e);
}

static uint32_t load32(const uint8_t *page, size_t off)
{
	uint32_t v;
	memcpy(&v, page + off, 4);
	return v;
}

static void store32(uint8_t *page, size_t off, uint32_t v)
{
	memcpy(page + off, &v, 4);
}

static void setup(void)
{
	vd = fuzz__domain(&vmm);
	if (backend__setup(vd))
		abort();
	if (!vd->xcons.ring.host || !vd->xcons.ring.port)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *out;
	static size_t outlen;
	struct fuzz_in in = { data, size };
	struct expect e = { 0 };
	bool broken = false;
	uint64_t consumed = 0, notifies = 0;

	if (!vd)
		setup();
	uint8_t *page = vd->xcons.ring.host;
	memset(page, 0, PAGE_SIZE);
	vd->xcons.ring.broken = false;
	vd->xcons.ring.nr_notify = 0;
	vd->xcons.bytes = 0;

	FILE *real_stdout = stdout;
	stdout = open_memstream(&out, &outlen);
	if (!stdout)
		abort();

	while (in.left) {
		unsigned op = take(&in, 1) % 6;
		switch (op) {
		case 0: { /* bytes anywhere in out[], the indices untouched */
			unsigned at = take(&in, 2), n = take(&in, 1);
			for (unsigned i = 0; i < n; i++)
				page[OUT_OFF + ((at + i) & (OUT_SIZE - 1))] = (uint8_t)take(&in, 1);
			break;
		}
		case 1: { /* a well-behaved write: n bytes at out_prod, then out_prod += n */
			uint32_t prod = load32(page, OUT_PROD);
			unsigned n = take(&in, 2) % (OUT_SIZE + 1);
			for (unsigned i = 0; i < n; i++)
				page[OUT_OFF + ((prod + i) & (OUT_SIZE - 1))] = (uint8_t)take(&in, 1);
			store32(page, OUT_PROD, prod + n);
			break;
		}
		case 2: /* out_prod, out_cons: anything */
			store32(page, take(&in, 1) & 1 ? OUT_CONS : OUT_PROD, take(&in, 4));
			break;
		case 3: /* any word of the page (in[], in_cons, in_prod, the padding) */
			store32(page, take(&in, 2) & (PAGE_SIZE - 4), take(&in, 4));
			break;
		case 4: /* EVTCHNOP_send on the console port */
		case 5: /* the domain stops: backend__drain, for a guest that used the ring */ {
			uint32_t prod = load32(page, OUT_PROD), cons = load32(page, OUT_CONS);
			uint32_t n = prod - cons;
			uint8_t before[OUT_SIZE];
			memcpy(before, page + OUT_OFF, OUT_SIZE);
			if (op == 4) {
				struct evtchn_send send = { .port = vd->xcons.ring.port };
				if (event_channel__send(vd->vcpus[0].hv, &send) != 0)
					abort();
				notifies++;
			} else {
				xencons__backend.drain(vd);
			}
			/* The model: one ring's worth at most, a bad distance breaks it for good. */
			if (notifies && !broken && n > OUT_SIZE)
				broken = true;
			if (notifies && !broken && n) {
				for (uint32_t i = 0; i < n; i++)
					expect_byte(&e, (char)before[(cons + i) & (OUT_SIZE - 1)]);
				consumed += n;
				cons = prod;
			}
			/* Only out_cons is the backend's to write, and only to out_prod. */
			if (load32(page, OUT_CONS) != cons || load32(page, OUT_PROD) != prod ||
			    memcmp(before, page + OUT_OFF, OUT_SIZE))
				abort();
			if (vd->xcons.ring.broken != broken)
				abort();
			break;
		}
		}
	}
	term__flush(&vd->console);
	if (e.line)
		expect_newline(&e);
	fclose(stdout);
	stdout = real_stdout;

	if (vd->xcons.bytes != consumed || vd->xcons.ring.nr_notify != notifies)
		abort();
	if (outlen != e.len || (e.len && memcmp(out, e.buf, e.len)))
		abort();
	free(out);
	out = NULL;
	free(e.buf);
	return 0;
}
