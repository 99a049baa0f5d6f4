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
    return {
        'cpu': model,
        'cpus': os.cpu_count(),
        'kernel': platform.release(),
        'kvm': 'hardware-assisted (vmx/svm)' if hw else
               'no vmx/svm flag: KVM without hardware virtualization (PVM backend)',
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


def cold_start(fastabi, elf, n):
    """Wall time of the whole process, start to exit, for the smallest guest."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        p = subprocess.run([fastabi, 'run', elf, '--timeout', '10'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter_ns() - t0) / 1e6)
        if p.returncode != 0:
            sys.exit('bench: cold start: %s exited with %d' % (elf, p.returncode))
    d = dist(times)
    for k in ('median', 'p10', 'p90', 'p99'):
        d[k] = round(d[k], 3)
    return dict({'metric': 'cold_start', 'abi': None, 'op': 'hello', 'unit': 'ms'}, **d)


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
    script = ('set terminal svg size 1100,600\nset output "%s"\nset ylabel "round trip (us)"\n'
              'set xtics rotate by -40\nset logscale y\nset grid ytics\n'
              'set title "Guest-observed round trip: median, bars p10..p90"\nplot %s\n' %
              (svg, ', '.join(plots)))
    subprocess.run([gp], input=script, text=True, check=True)
    return [svg]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--build', required=True)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--json', required=True)
    a = ap.parse_args()

    fastabi = os.path.join(a.build, 'vmm', 'fastabi')
    calls = os.path.join(a.build, 'guest', 'tests', 'bench-calls.elf')
    hello = os.path.join(a.build, 'guest', 'tests', 'hello.elf')
    n, nb, ncold = (100, 5, 10) if a.quick else (1000, 30, 50)
    names = op_names()
    figs = []
    with tempfile.TemporaryDirectory() as tmp:
        svc = os.path.join(tmp, 'svc.jsonl')
        progress('round trips and service times, FastABI and legacy (n=%d)' % n)
        out = run_guest(fastabi, calls, ['--fixed-mem-layout', '--service-times', svc],
                        'n=%d nb=%d' % (n, nb), 600)
        figs += parse_guest(out)
        svc_figs = parse_service(svc, names, 'legacy')
        progress('round trips and service times, legacy through KVM_TRANSLATE (n=%d)' % n)
        out = run_guest(fastabi, calls,
                        ['--fixed-mem-layout', '--legacy-translate', '--service-times', svc],
                        'n=%d nb=%d' % (n, nb), 600)
        figs += [f for f in parse_guest(out, 'legacy-translate')
                 if f['abi'] == 'legacy-translate']
        svc_figs += [f for f in parse_service(svc, names, 'legacy-translate')
                     if f['abi'] == 'legacy-translate']
    # Service times only for the operations the guest timed (same op names).
    timed = {f['op'] for f in figs if f['metric'] == 'round_trip'}
    figs += [f for f in svc_figs if f['op'] in timed]
    progress('instructions per call in the core (callgrind, in process)')
    figs += insn_counts(a.build)
    progress('cold start of the smallest guest (%d runs)' % ncold)
    figs.append(cold_start(fastabi, hello, ncold))

    doc = {
        'machine': machine(),
        'method': {
            'round_trip': 'guest rdtsc around one call, median empty-sample overhead '
                          'subtracted; ns from the TSC rate calibrated against hvm get_time',
            'vmm_service': 'host TSC from KVM_RUN returning to the next KVM_RUN '
                           '(fastabi run --service-times)',
            'legacy-translate': 'legacy pointers translated with one KVM_TRANSLATE per page '
                                '(fastabi run --legacy-translate), as QEMU does',
            'batch_per_op': '64 FastABI single calls vs one 64-entry batch, time / 64',
            'bandwidth': 'one 64 x 4 KiB copy_batch call, bytes over the whole call',
            'memcpy_bandwidth': 'guest memcpy (rep movsq) of the same 256 KiB in the same run',
            'core_insns': 'callgrind, bench/core-insns on the core in process (no KVM): '
                          'inclusive instructions of the op\'s core function <hypercall>__<op>',
            'abi_insns': 'the ABI dispatcher (fastabi__dispatch / legacy__dispatch) inclusive, '
                         'less core_insns: decode, guest-memory copies, encode',
            'hypercall_insns': 'hv_hypercall inclusive: the whole core path with its locks',
            'cold_start': 'wall time of `fastabi run hello.elf`, process start to exit',
            'quick': a.quick, 'samples': n, 'batch_samples': nb,
        },
        'figures': figs,
    }
    with open(a.json, 'w') as fh:
        json.dump(doc, fh, indent=1)
    print(table(figs))
    for p in plot(figs, a.json):
        progress('plot: ' + p)
    progress('JSON: ' + a.json)


if __name__ == '__main__':
    main()
