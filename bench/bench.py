#!/usr/bin/env python3
"""The benchmark driver (scripts/bench.sh, docs/benchmarks.md).

Boots guest/bench/calls twice (the normal paths with --service-times, then
the legacy path with --legacy-translate), times cold starts of the smallest
guest, and writes one JSON object: machine, method, figures. Plots are made
with gnuplot beside the JSON when gnuplot is installed.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ABI_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'abi')


def op_names():
    """(hypercall number, sub-op index) -> 'hypercall.subop', from abi/*.yml."""
    names = {}
    for f in sorted(os.listdir(ABI_DIR)):
        if not f.endswith('.yml'):
            continue
        with open(os.path.join(ABI_DIR, f)) as fh:
            spec = yaml.safe_load(fh)
        for sub, body in (spec.get('subops') or {}).items():
            names[(spec['hypercall_index'], body['index'])] = '%s.%s' % (spec['name'], sub)
    return names


def machine():
    model = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    with open('/proc/cpuinfo') as f:
        flags = f.read()
    hw = ' vmx' in flags or ' svm' in flags
    # The loaded KVM vendor modules name the flavour (kvm_intel, kvm_amd, kvm_pvm).
    mods = sorted(m for m in os.listdir('/sys/module') if m.startswith('kvm_'))
    if hw:
        kvm = 'hardware-assisted (vmx/svm)'
    else:
        kvm = 'no vmx/svm flag: KVM without hardware virtualization'
    return {
        'cpu': model,
        'cpus': os.cpu_count(),
        'kernel': platform.release(),
        'kvm': '%s; modules: %s' % (kvm, ', '.join(mods) or 'none'),
    }


def progress(msg):
    print('bench: ' + msg, file=sys.stderr, flush=True)


def run_guest(fastabi, elf, args, cmdline, timeout):
    cmd = [fastabi, 'run', elf, '--timeout', str(timeout), '--cmdline', cmdline] + args
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit('bench: %s failed (exit status %d):\n%s' % (' '.join(cmd), p.returncode,
                                                            p.stdout[-3000:]))
    return p.stdout


def parse_guest(out, relabel=None):
    figs = []
    for line in out.splitlines():
        i = line.find('BENCH ')
        if i < 0:
            continue
        w = line[i:].split()
        metric, abi, op, size, unit = w[1:6]
        med, p10, p90, p99, n, cyc = (int(x) for x in w[6:12])
        if relabel and abi == 'legacy':
            abi = relabel
        f = {'metric': metric, 'abi': abi, 'op': op, 'unit': unit, 'median': med,
             'p10': p10, 'p90': p90, 'p99': p99, 'n': n}
        if unit == 'kB/s':  # the guest's rates, in MB/s with three decimals
            f.update(unit='MB/s', **{k: round(f[k] / 1000, 3)
                                     for k in ('median', 'p10', 'p90', 'p99')})
        if int(size):
            f['size'] = int(size)
        if unit == 'ns':
            f['median_cycles'] = cyc
        figs.append(f)
    return figs


def parse_service(path, names, legacy_label):
    figs = []
    with open(path) as fh:
        for line in fh:
            r = json.loads(line)
            if r['kind'] == 'exit':
                if r['a'] != 2 or r['b'] != 0x80:  # KVM_EXIT_IO to port 0x80: the null exit
                    continue
                abi, op = 'null', 'null'
            else:
                abi = 'fastabi' if r['kind'] == 'fastabi' else legacy_label
                op = names.get((r['a'], r['b']), '%d.%d' % (r['a'], r['b']))
            figs.append({'metric': 'vmm_service', 'abi': abi, 'op': op, 'unit': 'ns',
                         'median': r['median'], 'p10': r['p10'], 'p90': r['p90'],
                         'p99': r['p99'], 'n': r['n']})
    return figs


def pct(sorted_v, p):
    r = (p * len(sorted_v) + 99) // 100
    return sorted_v[max(r - 1, 0)]


def dist(values):
    v = sorted(values)
    return {'median': pct(v, 50), 'p10': pct(v, 10), 'p90': pct(v, 90), 'p99': pct(v, 99),
            'n': len(v)}


def host_memcpy(n, size=262144):
    """The host's memcpy of 256 KiB (a bytearray slice copy is one memmove), MB/s."""
    src, dst = bytearray(b'\x5a' * size), bytearray(size)
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        dst[:] = src
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    rate = lambda ns: round(size * 1000 / max(ns, 1))
    return {'metric': 'memcpy_bandwidth', 'abi': 'host', 'op': 'memcpy', 'unit': 'MB/s',
            'median': rate(pct(times, 50)), 'p10': rate(pct(times, 90)),
            'p90': rate(pct(times, 10)), 'p99': rate(pct(times, 1)), 'n': n, 'size': size}


def ping_pong(build, msgs, runs):
    """Event-channel ping-pong between two domains (guest/tests/interdom-ring: a
    request in a granted ring, an event, the answer, an event), per ABI, against
    the floor of two host threads waking each other through eventfds.

    The frontend reports its mean round trip over msgs (TSC, pvclock-scaled);
    the distribution is over runs separate `fastabi create` runs."""
    fastabi = os.path.join(build, 'vmm', 'fastabi')
    ring = os.path.join(build, 'guest', 'tests', 'interdom-ring.elf')
    figs = []
    with tempfile.TemporaryDirectory() as tmp:
        for abi, opt, key in (('fastabi', 'abi=fast', ''), ('legacy', 'abi=legacy', 'fastabi = 0')):
            vals = []
            for _ in range(runs):
                cfgs = []
                # The frontend's vif names its backend: the toolstack writes the
                # device directories where the two find each other (docs/domains.md).
                for name, extra, vif in (('frontend', 'role=frontend gref=8 msgs=%d %s'
                                          % (msgs, opt), "vif = [ 'backend=backend' ]\n"),
                                         ('backend', 'role=backend gref=8 %s' % opt, '')):
                    path = os.path.join(tmp, name + '.cfg')
                    with open(path, 'w') as fh:
                        fh.write('name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = 32\n'
                                 'fixed_mem_layout = 1\n%sextra = "%s"\n%s\n'
                                 % (name, ring, vif, extra, key))
                    cfgs.append(path)
                p = subprocess.run([fastabi, 'create'] + cfgs + ['--timeout', '120'],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                m = re.search(r'DEMO .*ns_per_round_trip=(\d+)', p.stdout)
                if p.returncode != 0 or not m:
                    sys.exit('bench: ping-pong (%s) failed (exit status %d):\n%s'
                             % (abi, p.returncode, p.stdout[-2000:]))
                vals.append(int(m.group(1)))
            figs.append(dict({'metric': 'ping_pong', 'abi': abi, 'op': 'event_channel.send',
                              'unit': 'ns', 'messages': msgs}, **dist(vals)))
    exe = os.path.join(build, 'bench', 'eventfd-pingpong')
    out = subprocess.run([exe, str(msgs * 10)], stdout=subprocess.PIPE, text=True,
                         check=True).stdout.split()
    med, p10, p90, p99, n = (int(x) for x in out[1:6])
    figs.append({'metric': 'ping_pong', 'abi': 'none', 'op': 'eventfd', 'unit': 'ns',
                 'median': med, 'p10': p10, 'p90': p90, 'p99': p99, 'n': n})
    return figs


RING_SIZES = [64, 256, 1024, 4096, 16384, 65536]


def ring_throughput(build, msgs):
    """Messages through a grant-shared ring with event notifications, by message size
    (guest/bench/ring: the backend grant-copies each message from the frontend's
    granted pages), per ABI; rates from the per-message times."""
    fastabi = os.path.join(build, 'vmm', 'fastabi')
    elf = os.path.join(build, 'guest', 'tests', 'bench-ring.elf')
    figs = []
    with tempfile.TemporaryDirectory() as tmp:
        for abi, opt, key in (('fastabi', 'abi=fast', ''), ('legacy', 'abi=legacy', 'fastabi = 0')):
            cfgs = []
            for name, extra in (('frontend', 'role=frontend backend=2 gref=8 msgs=%d %s'
                                 % (msgs, opt)),
                                ('backend', 'role=backend frontend=1 gref=8 %s' % opt)):
                path = os.path.join(tmp, name + '.cfg')
                with open(path, 'w') as fh:
                    fh.write('name = "%s"\ntype = "pvh"\nkernel = "%s"\nmemory = 32\n'
                             'fixed_mem_layout = 1\nextra = "%s"\n%s\n' % (name, elf, extra, key))
                cfgs.append(path)
            p = subprocess.run([fastabi, 'create'] + cfgs + ['--timeout', '300'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            got = []
            for line in p.stdout.splitlines():
                i = line.find('BENCH ring_throughput ')
                if i < 0:
                    continue
                w = line[i:].split()
                got.append({'metric': 'ring_throughput', 'abi': w[2], 'op': 'ring',
                            'unit': w[5], 'median': float(w[6]), 'p10': float(w[7]),
                            'p90': float(w[8]), 'p99': float(w[9]), 'n': int(w[10]),
                            'size': int(w[4]), 'messages_per_s': int(w[11])})
            if p.returncode != 0 or len(got) != len(RING_SIZES):
                sys.exit('bench: ring throughput (%s) failed (exit status %d):\n%s'
                         % (abi, p.returncode, p.stdout[-2000:]))
            figs += got
    return figs


TIMELINE = [('main', 'main_to_init'), ('init+core+RAM', 'build_core'), ('ELF', 'build_elf'),
            ('bootinfo', 'build_bootinfo'), ('KVM VM', 'build_kvm_vm'),
            ('memslots', 'build_memslots'), ('vCPUs', 'build_vcpus'),
            ('boot state', 'build_boot_state'), ('threads', 'thread_start'),
            ('guest', 'guest_run')]


def cold_start(fastabi, guests, n):
    """Wall time of the whole process for the smallest guest, and where it goes.

    guests: (name, ELF) pairs, run alternately (n runs each) so that both see
    the same machine load: 'min' (guest/bench/min, the smallest guest: its
    hypercall page and SCHEDOP_shutdown, the target's figure) and 'hello'
    (a C guest on the library: page tables, console, C runtime).
    --stats prints the VMM's timeline (vmm.c, timeline()): CLOCK_MONOTONIC at
    main(), then each build step, the threads' start up to vCPU 0's first
    KVM_RUN, the guest's run to its shutdown, and when the report came.
    Against this process's own CLOCK_MONOTONIC at the exec: exec_load (fork,
    exec, dynamic loading, up to main) and teardown (after the report: the
    threads joined, the VM and its memory released, exit, until wait returns).
    The op of the whole is the guest's name; its parts are named as below,
    for 'hello' bare (as before 'min' existed), for others '<name>.<part>'."""
    part_names = ['to_first_instruction', 'vmm_build', 'guest_run', 'process_overhead',
                  'exec_load', 'teardown'] + [op for _, op in TIMELINE]
    parts = {}
    for name, _ in guests:
        pre = '' if name == 'hello' else name + '.'
        parts[name] = {name: []}
        for op in part_names:
            parts[name][pre + op] = []
    for _ in range(n):
        for name, elf in guests:
            add = parts[name]
            pre = '' if name == 'hello' else name + '.'
            t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            p = subprocess.run([fastabi, 'run', elf, '--timeout', '10', '--stats'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            t1 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            if p.returncode != 0:
                sys.exit('bench: cold start: %s exited with %d' % (elf, p.returncode))
            m = re.search(r'timeline \(ms\): (.*); report at ([\d.]+); main_at (\d+)', p.stderr)
            if not m:
                sys.exit('bench: cold start: no "timeline" line from --stats')
            tl = dict((k.strip(), float(v)) for k, v in
                      (x.rsplit(' ', 1) for x in m.group(1).split(',')))
            if any(k not in tl for k, _ in TIMELINE):
                sys.exit('bench: cold start: timeline without %s' %
                         [k for k, _ in TIMELINE if k not in tl])
            total = (t1 - t0) / 1e6
            exec_load = (int(m.group(3)) - t0) / 1e6
            report = exec_load + tl['main'] + float(m.group(2))
            for k, op in TIMELINE:
                add[pre + op].append(max(tl[k], 0.001))
            first = exec_load + sum(tl[k] for k, _ in TIMELINE[:-1])
            add[name].append(total)
            add[pre + 'exec_load'].append(max(exec_load, 0.001))
            add[pre + 'teardown'].append(max(total - report, 0.001))
            add[pre + 'vmm_build'].append(sum(tl[k] for k, _ in TIMELINE[1:8]))
            add[pre + 'to_first_instruction'].append(first)
            add[pre + 'process_overhead'].append(
                max(exec_load + tl['main'] + total - report, 0.001))
    figs = []
    for name, _ in guests:
        for op, v in parts[name].items():
            d = dist(v)
            for k in ('median', 'p10', 'p90', 'p99'):
                d[k] = round(d[k], 3)
            figs.append(dict({'metric': 'cold_start', 'abi': None, 'op': op, 'unit': 'ms'}, **d))
    return figs


INSN_OPS = ['version.version', 'event_channel.send', 'vcpu.get_runstate_info', 'hvm.get_param',
            'hvm.get_time', 'grant_table.query_size', 'sched.yield', 'grant_table.copy']


def callgrind_inclusive(out_file):
    """Inclusive instruction counts per function name, from callgrind_annotate."""
    p = subprocess.run(['callgrind_annotate', '--inclusive=yes', '--threshold=100', '--auto=no',
                        out_file], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       check=True)
    incl = {}
    for line in p.stdout.splitlines():
        m = re.match(r'\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+\S+:(\w+)\s+\[', line)
        if m:
            incl[m.group(2)] = int(m.group(1).replace(',', ''))
    return incl


def insn_counts(build, count=200):
    """core_insns and abi_insns per op and ABI: callgrind on bench/core-insns (no KVM)."""
    exe = os.path.join(build, 'bench', 'core-insns')
    if not shutil.which('valgrind') or not os.path.exists(exe):
        progress('no valgrind or no %s: no instruction counts' % exe)
        return []
    figs = []
    with tempfile.TemporaryDirectory() as tmp:
        for op in INSN_OPS:
            for abi, dispatch in (('fastabi', 'fastabi__dispatch'), ('legacy', 'legacy__dispatch')):
                out = os.path.join(tmp, 'cg.out')
                subprocess.run(['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
                                exe, op, abi, str(count)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=True)
                incl = callgrind_inclusive(out)
                core = incl.get(op.replace('.', '__'), 0) / count
                disp = incl.get(dispatch, 0) / count
                total = incl.get('hv_hypercall', 0) / count
                for metric, v in (('core_insns', core), ('abi_insns', disp - core),
                                  ('hypercall_insns', total)):
                    v = round(v, 1)
                    figs.append({'metric': metric, 'abi': abi, 'op': op, 'unit': 'count',
                                 'median': v, 'p10': v, 'p90': v, 'p99': v, 'n': count})
    return figs


def status_kib(pid):
    out = {}
    with open('/proc/%d/status' % pid) as fh:
        for line in fh:
            k, _, v = line.partition(':')
            if k in ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'Threads'):
                out[k] = int(v.split()[0])
    return out


def idle_domains(fastabi, elf, n, tmp):
    """Start n idle domains in one process; its memory once all block. None if refused."""
    cfgs = []
    for i in range(1, n + 1):
        path = os.path.join(tmp, 'idle%d.cfg' % i)
        with open(path, 'w') as fh:
            fh.write('name = "idle%d"\ntype = "pvh"\nkernel = "%s"\nmemory = 16\nvcpus = 1\n'
                     % (i, elf))
        cfgs.append(path)
    t0 = time.perf_counter()
    p = subprocess.Popen([fastabi, 'create'] + cfgs + ['--timeout', '120'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, lines = 0, []
    for line in p.stdout:
        lines.append(line.rstrip())
        if 'BENCH-IDLE blocking' in line:
            seen += 1
            if seen == n:
                break
    if seen < n:
        p.wait()
        return None, ' '.join(lines[-2:])
    started_ms = (time.perf_counter() - t0) * 1000
    time.sleep(0.2)  # every vCPU into SCHEDOP_block
    st = status_kib(p.pid)
    st['started_ms'] = started_ms
    p.kill()
    p.wait()
    return st, None


SCALE_COUNTS = [1, 8, 32, 128]


def scale(fastabi, elf, counts):
    figs, ran, why = [], 0, None
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            progress('%d idle domains' % n)
            st, err = idle_domains(fastabi, elf, n, tmp)
            if st is None:
                why = '%d domains refused: %s' % (n, err)
                progress(why)
                break
            ran = n
            # The VMM's own memory: anonymous pages (guest RAM is a memfd: RssShmem).
            v = round(st['RssAnon'] / 1024 / n, 3)
            figs.append({'metric': 'rss_per_domain', 'abi': None, 'op': 'idle', 'unit': 'MiB',
                         'median': v, 'p10': v, 'p90': v, 'p99': v, 'n': 1, 'domains': n,
                         'guest_touched_mib': round(st['RssShmem'] / 1024 / n, 3),
                         'threads': st['Threads'],
                         'process_rss_mib': round(st['VmRSS'] / 1024, 3),
                         'all_idle_after_ms': round(st['started_ms'], 1)})
    if ran:
        figs.append({'metric': 'max_domains', 'abi': None, 'op': 'idle', 'unit': 'count',
                     'median': ran, 'p10': ran, 'p90': ran, 'p99': ran, 'n': 1,
                     'limit': why or 'none reached'})
    return figs


REGISTER_OPS = ['version.version', 'event_channel.send', 'vcpu.get_runstate_info',
                'hvm.get_param', 'hvm.get_time', 'grant_table.query_size', 'sched.yield']


def targets(figs):
    """The issue's targets, each as (target, op, value, met), from the figures."""
    def get(metric, abi, op, size=None, field='median'):
        for f in figs:
            if (f['metric'], f['abi'], f['op']) == (metric, abi, op) and f.get('size') == size:
                return f.get(field)
        return None

    rows = []
    for op in REGISTER_OPS:
        svc, rt = get('vmm_service', 'fastabi', op), get('round_trip', 'fastabi', op)
        if svc is not None and rt:
            rows.append(('FastABI service <= 3% of its round trip', op, svc / rt, svc / rt <= 0.03))
        leg = get('vmm_service', 'legacy', op)
        if svc is not None and leg:
            rows.append(('FastABI service <= 1/4 of legacy service', op, svc / leg,
                         svc / leg <= 0.25))
    for op in INSN_OPS:
        fa, le = get('abi_insns', 'fastabi', op), get('abi_insns', 'legacy', op)
        if fa is not None and le:
            rows.append(('FastABI decode+encode insns <= 1/10 legacy', op, fa / le, fa / le <= 0.1))
    for op in REGISTER_OPS + ['grant_table.copy']:
        size = 64 if op == 'grant_table.copy' else None
        q = get('round_trip', 'legacy-translate', op, size)
        fa = get('round_trip', 'legacy-translate', op, size, 'fastabi_median_same_run')
        if q and fa:
            rows.append(('legacy QEMU way >= 1.4 x FastABI round trip', op, q / fa, q / fa >= 1.4))
    for kind in ('copy', 'map', 'unmap'):
        size = 4096 if kind == 'copy' else None
        one = get('batch_per_op', 'fastabi', 'grant_%s_single' % kind, size)
        bat = get('batch_per_op', 'fastabi', 'grant_%s_batch' % kind, size)
        if one and bat:
            rows.append(('64-batch >= 20 x cheaper per op', 'grant_' + kind, one / bat,
                         one / bat >= 20))
    bw = get('bandwidth', 'fastabi', 'grant_table.copy_batch', 262144)
    for abi, what in (('host', 'vs host memcpy'), ('none', 'vs guest memcpy')):
        mc = get('memcpy_bandwidth', abi, 'memcpy', 262144)
        if bw and mc:
            rows.append(('batched 4 KiB copy >= 1/2 memcpy bandwidth', what, bw / mc,
                         bw / mc >= 0.5))
    cs = get('cold_start', None, 'min')
    if cs:
        rows.append(('cold start < 5 ms', 'min (ms)', cs, cs < 5))
    for f in figs:
        if f['metric'] == 'rss_per_domain':
            rows.append(('<= 2 MiB VMM memory per idle domain', '%d domains (MiB)' % f['domains'],
                         f['median'], f['median'] <= 2))
    md = get('max_domains', None, 'idle')
    if md:
        rows.append(('128 idle domains in one process', 'most that ran', md, md >= 128))
    return rows


def targets_table(rows):
    lines = ['%-46s %-26s %10s  %s' % ('target', 'op', 'value', 'met')]
    for t, op, v, ok in rows:
        lines.append('%-46s %-26s %10.3f  %s' % (t, op, v, 'yes' if ok else 'NO'))
    return '\n'.join(lines)


def markdown(figs, rows):
    """The figures and the targets as Markdown tables (written beside the JSON)."""
    out = ['| metric | abi | op | size | median | p10 | p90 | p99 | n | unit |',
           '|---|---|---|---|---|---|---|---|---|---|']
    for f in figs:
        out.append('| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |' % (
            f['metric'], f['abi'] or '', f['op'], f.get('size', f.get('domains', '')),
            f['median'], f['p10'], f['p90'], f['p99'], f['n'], f['unit']))
    out += ['', '| target | op | value | met |', '|---|---|---|---|']
    for t, op, v, ok in rows:
        out.append('| %s | %s | %.3f | %s |' % (t, op, v, 'yes' if ok else '**no**'))
    return '\n'.join(out) + '\n'


def table(figs):
    lines = ['%-16s %-16s %-24s %6s %10s %10s %10s %10s %6s %s' %
             ('metric', 'abi', 'op', 'size', 'median', 'p10', 'p90', 'p99', 'n', 'unit')]
    for f in figs:
        lines.append('%-16s %-16s %-24s %6s %10s %10s %10s %10s %6d %s' % (
            f['metric'], f['abi'] or '-', f['op'], f.get('size', ''), f['median'], f['p10'],
            f['p90'], f['p99'], f['n'], f['unit']))
    return '\n'.join(lines)


def plot(figs, json_path):
    """Round trip per operation and ABI (median with p10..p90 bars), SVG beside the JSON."""
    gp = shutil.which('gnuplot')
    if not gp:
        progress('gnuplot not installed (scripts/install-deps.sh): no plots')
        return []
    base = os.path.splitext(json_path)[0]
    rt = [f for f in figs if f['metric'] == 'round_trip']
    ops = []
    for f in rt:
        key = f['op'] + ('/%d' % f['size'] if 'size' in f else '')
        if key not in ops:
            ops.append(key)
    abis = ['null', 'fastabi', 'legacy', 'legacy-translate']
    dat = base + '-round-trip.dat'
    with open(dat, 'w') as fh:
        for i, key in enumerate(ops):
            row = [str(i), '"%s"' % key]
            for a in abis:
                m = [f for f in rt if f['abi'] == a and
                     f['op'] + ('/%d' % f['size'] if 'size' in f else '') == key]
                if m:
                    row += [str(m[0]['median'] / 1000), str(m[0]['p10'] / 1000),
                            str(m[0]['p90'] / 1000)]
                else:
                    row += ['NaN', 'NaN', 'NaN']
            fh.write(' '.join(row) + '\n')
    svg = base + '-round-trip.svg'
    plots = []
    for j, a in enumerate(abis):
        c = 3 + 3 * j
        plots.append("'%s' using ($1+%f):%d:%d:%d:xtic(2) with yerrorbars title '%s'" %
                     (dat, (j - 1.5) * 0.18, c, c + 1, c + 2, a))
    script = ('set terminal svg size 1100,600 noenhanced\nset output "%s"\n'
              'set ylabel "round trip (us)"\nset xrange [-0.6:%f]\nset bmargin 9\n'
              'set xtics rotate by -40\nset logscale y\nset grid ytics\nset key top left\n'
              'set title "Guest-observed round trip: median, bars p10..p90"\nplot %s\n' %
              (svg, len(ops) - 0.4, ', '.join(plots)))
    subprocess.run([gp], input=script, text=True, check=True)
    out = [svg]

    ring = [f for f in figs if f['metric'] == 'ring_throughput']
    if ring:
        dat = base + '-ring.dat'
        with open(dat, 'w') as fh:
            for size in RING_SIZES:
                row = [str(size)]
                for abi in ('fastabi', 'legacy'):
                    m = [f for f in ring if f['abi'] == abi and f['size'] == size]
                    row += ([str(m[0]['median']), str(m[0]['p10']), str(m[0]['p90'])] if m
                            else ['NaN'] * 3)
                fh.write(' '.join(row) + '\n')
        svg = base + '-ring.svg'
        script = ('set terminal svg size 800,500 noenhanced\nset output "%s"\n'
                  'set xlabel "message size (bytes)"\nset ylabel "MB/s"\nset logscale xy 2\n'
                  'set grid\nset key top left\n'
                  'set title "Ring throughput between two domains: median, bars p10..p90"\n'
                  "plot '%s' using 1:2:3:4 with yerrorlines title 'FastABI', "
                  "'%s' using 1:5:6:7 with yerrorlines title 'legacy'\n" % (svg, dat, dat))
        subprocess.run([gp], input=script, text=True, check=True)
        out.append(svg)

    mem = [f for f in figs if f['metric'] == 'rss_per_domain']
    if mem:
        dat = base + '-memory.dat'
        with open(dat, 'w') as fh:
            for f in mem:
                fh.write('%d %s %s\n' % (f['domains'], f['median'], f['guest_touched_mib']))
        svg = base + '-memory.svg'
        script = ('set terminal svg size 800,500 noenhanced\nset output "%s"\nset xlabel "idle domains"\n'
                  'set ylabel "MiB per domain"\nset logscale x 2\nset grid\nset yrange [0:*]\n'
                  'set offsets 0, 0, graph 0.15, 0\n'
                  'set title "Memory per idle domain (16 MiB, 1 vCPU, SCHEDOP_block)"\n'
                  "plot '%s' using 1:2 with linespoints title 'VMM (RssAnon)', "
                  "'%s' using 1:3 with linespoints title 'guest RAM touched (RssShmem)', "
                  "2 with lines dashtype 2 title 'target: 2 MiB'\n" % (svg, dat, dat))
        subprocess.run([gp], input=script, text=True, check=True)
        out.append(svg)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--build', required=True)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--json', required=True)
    a = ap.parse_args()

    fastabi = os.path.join(a.build, 'vmm', 'fastabi')
    calls = os.path.join(a.build, 'guest', 'tests', 'bench-calls.elf')
    hello = os.path.join(a.build, 'guest', 'tests', 'hello.elf')
    min_elf = os.path.join(a.build, 'guest', 'tests', 'bench-min.elf')
    n, nb, ncold = (100, 5, 10) if a.quick else (1000, 30, 50)
    npp, npp_runs = (200, 3) if a.quick else (2000, 10)
    nring = 30 if a.quick else 500
    names = op_names()
    figs = []
    with tempfile.TemporaryDirectory() as tmp:
        svc = os.path.join(tmp, 'svc.jsonl')
        progress('round trips and service times, FastABI and legacy (n=%d)' % n)
        # No injection figures in this run: their sends to an IPI port would
        # mix into the service time of event_channel.send (the console
        # port's); they come from the second run.
        out = run_guest(fastabi, calls, ['--fixed-mem-layout', '--service-times', svc],
                        'n=%d nb=%d inject=0' % (n, nb), 600)
        figs += parse_guest(out)
        svc_figs = parse_service(svc, names, 'legacy')
        progress('round trips and service times, legacy through KVM_TRANSLATE (n=%d)' % n)
        out = run_guest(fastabi, calls,
                        ['--fixed-mem-layout', '--legacy-translate', '--service-times', svc],
                        'n=%d nb=%d' % (n, nb), 600)
        second = parse_guest(out, 'legacy-translate')
        # The ratio to FastABI is taken within one run (machine noise moves whole runs).
        fast2 = {(f['metric'], f['op'], f.get('size')): f['median'] for f in second
                 if f['abi'] == 'fastabi'}
        for f in second:
            if f['abi'] == 'legacy-translate' and f['metric'] == 'round_trip':
                f['fastabi_median_same_run'] = fast2.get((f['metric'], f['op'], f.get('size')))
        # The guest's code is the same in both runs: only the timings differ.
        figs += [f for f in second if f['abi'] == 'legacy-translate' and
                 f['metric'] == 'round_trip']
        figs += [f for f in second if f['metric'] == 'ping_pong']
        svc_figs += [f for f in parse_service(svc, names, 'legacy-translate')
                     if f['abi'] == 'legacy-translate']
    # Service times only for the operations the guest timed (same op names).
    timed = {f['op'] for f in figs if f['metric'] == 'round_trip'}
    figs += [f for f in svc_figs if f['op'] in timed]
    figs.append(host_memcpy(n))
    progress('instructions per call in the core (callgrind, in process)')
    figs += insn_counts(a.build)
    progress('ping-pong between two domains (%d round trips, %d runs per ABI)' % (npp, npp_runs))
    figs += ping_pong(a.build, npp, npp_runs)
    progress('ring throughput between two domains by message size (%d messages each)' % nring)
    figs += ring_throughput(a.build, nring)
    progress('memory and scale: idle domains in one process')
    idle = os.path.join(a.build, 'guest', 'tests', 'bench-idle.elf')
    figs += scale(fastabi, idle, SCALE_COUNTS)
    progress('cold start of the smallest guest and of hello (%d runs each)' % ncold)
    figs += cold_start(fastabi, [('min', min_elf), ('hello', hello)], ncold)

    doc = {
        'machine': machine(),
        'method': {
            'round_trip': 'guest rdtsc around one call, median empty-sample overhead '
                          'subtracted; ns from the TSC rate calibrated against hvm get_time',
            'vmm_service': 'host TSC from KVM_RUN returning to the next KVM_RUN '
                           '(fastabi run --service-times)',
            'legacy-translate': 'legacy pointers translated with one KVM_TRANSLATE per page '
                                '(fastabi run --legacy-translate), as QEMU does; a second '
                                'run, whose own FastABI medians are kept beside '
                                '(fastabi_median_same_run) for the ratio',
            'batch_per_op': '64 FastABI single calls vs one 64-entry batch, time / 64',
            'bandwidth': 'one 64 x 4 KiB copy_batch call, bytes over the whole call',
            'memcpy_bandwidth': 'abi none: the guest\'s memcpy (rep movsq) of the same 256 KiB; '
                                'abi host: the host\'s (a Python bytearray slice copy, one '
                                'memmove), both in the same run',
            'core_insns': 'callgrind, bench/core-insns on the core in process (no KVM): '
                          'inclusive instructions of the op\'s core function <hypercall>__<op>',
            'abi_insns': 'the ABI dispatcher (fastabi__dispatch / legacy__dispatch) inclusive, '
                         'less core_insns: decode, guest-memory copies, encode',
            'hypercall_insns': 'hv_hypercall inclusive: the whole core path with its locks',
            'ping_pong': 'fastabi create with guest/tests/interdom-ring (frontend and backend, a '
                         'granted ring, inter-domain event channel): the frontend\'s mean round '
                         'trip (request, event, answer, event) per run, percentiles over runs; '
                         'abi none: two host threads waking each other through eventfds '
                         '(bench/eventfd-pingpong), per round trip',
            'ring_throughput': 'fastabi create with guest/bench/ring: the frontend posts one '
                               'message at a time in a granted ring with an event; the backend '
                               'grant-copies it from 16 granted pages (one call) and answers '
                               'with an event; MB/s from per-message times (p10 from the p90 '
                               'time), messages_per_s over the whole run of that size',
            'rss_per_domain': 'idle domains (16 MiB, 1 vCPU, blocked in SCHEDOP_block) in one '
                              '`fastabi create`: the process\'s RssAnon / domains (guest RAM '
                              'is a memfd, RssShmem, reported as guest_touched_mib)',
            'max_domains': 'the most idle domains of %s one process ran (each count a '
                           'new process; all_idle_after_ms: from its start until every '
                           'domain said it blocks)' % ', '.join(map(str, SCALE_COUNTS)),
            'cold_start': 'wall time of `fastabi run min.elf` (op min: guest/bench/min, the '
                          'smallest guest, hypercall page and SCHEDOP_shutdown) and of '
                          '`fastabi run hello.elf` (op hello), run alternately, exec to exit; '
                          'their parts (min.<part> and <part> for hello) from the --stats timeline against CLOCK_MONOTONIC: exec_load '
                          '(fork, exec, dynamic loading to main), main_to_init, build_* (core '
                          'domain and RAM, ELF, boot info, KVM VM, memslots, vCPUs, boot state; '
                          'their sum vmm_build), thread_start (sandbox, threads, to vCPU 0\'s first '
                          'KVM_RUN), to_first_instruction (all of these), guest_run (first '
                          'KVM_RUN to shutdown), teardown (report to exit), process_overhead '
                          '(exec_load + main_to_init + teardown)',
            'quick': a.quick, 'samples': n, 'batch_samples': nb,
        },
        'figures': figs,
    }
    rows = targets(figs)
    doc['targets'] = [{'target': t, 'op': op, 'value': round(v, 4), 'met': ok}
                      for t, op, v, ok in rows]
    with open(a.json, 'w') as fh:
        json.dump(doc, fh, indent=1)
    with open(os.path.splitext(a.json)[0] + '.md', 'w') as fh:
        fh.write(markdown(figs, rows))
    print(table(figs))
    print()
    print(targets_table(rows))
    for p in plot(figs, a.json):
        progress('plot: ' + p)
    progress('JSON: ' + a.json)


if __name__ == '__main__':
    main()
