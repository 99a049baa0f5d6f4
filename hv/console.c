/* The guest console: output to the VMM, input from a per-domain queue. */
#include <stdint.h>
#include <string.h>

#include <xen/xen.h>

#include "console.h"
#include "hv.h"
#include "lock.h"

void console__write(struct hv_vcpu *v, const char *buf, size_t len)
{
	struct hv *hv = v->d->hv;

	if (len && hv->ops.console_write)
		hv->ops.console_write(v->d, buf, len, hv->ops.ctx);
}

size_t console__peek(struct hv_vcpu *v, char *buf, size_t len)
{
	struct domain *d = v->d;

	if (len > d->console_in_len)
		len = d->console_in_len;
	memcpy(buf, d->console_in, len);
	return len;
}

void console__consume(struct hv_vcpu *v, size_t len)
{
	struct domain *d = v->d;

	if (len > d->console_in_len)
		len = d->console_in_len;
	memmove(d->console_in, d->console_in + len, d->console_in_len - len);
	d->console_in_len -= (unsigned)len;
}

size_t hv_console__input(struct domain *d, const char *buf, size_t len)
{
	struct hv *hv = d->hv;

	lock__domain(d);
	size_t room = HV_CONSOLE_IN_MAX - d->console_in_len;
	if (len > room)
		len = room;
	memcpy(d->console_in + d->console_in_len, buf, len);
	d->console_in_len += (unsigned)len;
	if (len)
		evtchn__raise_virq_locked(&d->vcpus[0], VIRQ_CONSOLE);
	lock__release(hv);
	return len;
}
