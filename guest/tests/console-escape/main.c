/*
 * Control characters on the console (docs/security.md, "Console output"):
 * the same line, holding terminal escape sequences (window title, clear
 * screen, an OSC 52 clipboard write), other control bytes, a tab, a
 * backslash, DEL and bytes >= 0x80, goes out three ways: console_io, port
 * 0xe9 and the PV console ring. The guest cannot see what the host's
 * terminal got: run-guest-check.sh's 'console-escaped' check (the default
 * console) finds the line three times in the escaped form and no ESC byte
 * in the VMM's output at all; 'console-raw' (the console-escape-raw build,
 * `--console raw`) finds the guest's bytes as they are, three times.
 */
#include "guest.h"
#include "string.h"

#include <xen/hvm/params.h>
#include <xen/io/console.h>

const char test_title[] = "console-escape";

/* '\r' is dropped in both modes; everything else is shown (escaped or not). */
static const char payload[] =
	" \x1b]0;pwned\x07\x1b[2J\x1b]52;c;aGk=\x07 tab\there back\\slash \x7f\x80\xff\x01 end\r\n";

static uint64_t get_param(unsigned index)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	if (hypercall_hvm_op(HVMOP_get_param, &p))
		return 0;
	return p.value;
}

/* The whole line into the PV console ring (it has room: nothing else uses it), then a send. */
static bool ring_write(const char *s, size_t len)
{
	uint64_t pfn = get_param(HVM_PARAM_CONSOLE_PFN);
	evtchn_port_t port = (evtchn_port_t)get_param(HVM_PARAM_CONSOLE_EVTCHN);
	volatile struct xencons_interface *c;

	if (!pfn || !port || pfn >= (1ull << 20))
		return false;
	c = (volatile struct xencons_interface *)(uintptr_t)(pfn << 12);
	XENCONS_RING_IDX prod = c->out_prod;
	if (len > sizeof(c->out) - (prod - c->out_cons))
		return false;
	for (size_t i = 0; i < len; i++)
		c->out[MASK_XENCONS_IDX(prod + i, c->out)] = s[i];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	c->out_prod = prod + (XENCONS_RING_IDX)len;
	struct evtchn_send send = { .port = port };
	return hypercall_event_channel_op(EVTCHNOP_send, &send) == 0 &&
	       c->out_cons == c->out_prod;
}

void test_main(void)
{
	static const char ring_prefix[] = "via the ring:";
	char line[sizeof(ring_prefix) + sizeof(payload)];

	if (!xen_info.hypercall_page_ready) {
		xtf_error("no hypercall page");
		return;
	}
	if (hypercall_console_io(CONSOLEIO_write, 15, "via console_io:") ||
	    hypercall_console_io(CONSOLEIO_write, sizeof(payload) - 1, payload)) {
		xtf_failure("console_io write refused");
		return;
	}
	enum console_backend was = console_backend();
	console_set_backend(CONSOLE_PORT_E9);
	console_write("via port 0xe9:", 14);
	console_write(payload, sizeof(payload) - 1);
	console_set_backend(was);
	memcpy(line, ring_prefix, sizeof(ring_prefix) - 1);
	memcpy(line + sizeof(ring_prefix) - 1, payload, sizeof(payload));
	if (!ring_write(line, strlen(line))) {
		xtf_failure("the PV console ring did not take the line");
		return;
	}
	xtf_success(NULL);
}
