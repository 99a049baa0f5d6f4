#!/usr/bin/env python3
"""The bench-quick test: bench.py --quick into a temporary file, then check
that every figure the issue asks for is there and sane (positive values,
p10 <= median <= p90 <= p99, n > 0). Never a timing."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

build, bench_py = sys.argv[1], sys.argv[2]
REQUIRED = [  # (metric, abi, op) that must be present
    ('round_trip', 'null', 'null'), ('vmm_service', 'null', 'null'),
    ('cold_start', None, 'min'), ('cold_start', None, 'min.to_first_instruction'),
    ('cold_start', None, 'min.guest_run'), ('cold_start', None, 'min.teardown'),
    ('cold_start', None, 'hello'), ('cold_start', None, 'to_first_instruction'),
    ('cold_start', None, 'vmm_build'), ('cold_start', None, 'guest_run'),
    ('rss_per_domain', None, 'idle'), ('max_domains', None, 'idle'),
    ('batch_per_op', 'fastabi', 'grant_copy_single'), ('batch_per_op', 'fastabi', 'grant_copy_batch'),
    ('batch_per_op', 'fastabi', 'grant_map_single'), ('batch_per_op', 'fastabi', 'grant_map_batch'),
    ('batch_per_op', 'fastabi', 'grant_unmap_single'), ('batch_per_op', 'fastabi', 'grant_unmap_batch'),
    ('bandwidth', 'fastabi', 'grant_table.copy_batch'), ('memcpy_bandwidth', 'none', 'memcpy'),
    ('memcpy_bandwidth', 'host', 'memcpy'),
    ('ping_pong', 'fastabi', 'event_channel.send'), ('ping_pong', 'legacy', 'event_channel.send'),
    ('ping_pong', 'none', 'eventfd'), ('ping_pong', 'fastabi', 'upcall_self'),
    ('ping_pong', 'fastabi', 'upcall_masked'), ('ping_pong', 'none', 'self_ipi'),
]
for abi in ('fastabi', 'legacy', 'legacy-translate'):
    for op in ('version.version', 'event_channel.send', 'vcpu.get_runstate_info',
               'hvm.get_param', 'hvm.get_time', 'grant_table.query_size', 'sched.yield',
               'grant_table.copy'):
        REQUIRED += [('round_trip', abi, op), ('vmm_service', abi, op)]
        if abi != 'legacy-translate':
            REQUIRED += [('core_insns', abi, op), ('abi_insns', abi, op),
                         ('guest_insns', abi, op)]

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, 'quick.json')
    subprocess.run([sys.executable, bench_py, '--build', build, '--quick', '--json', out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out) as fh:
        doc = json.load(fh)
    plots = [os.path.join(tmp, 'quick-%s.svg' % k) for k in ('round-trip', 'memory', 'ring')]
    missing_plots = [p for p in plots if not os.path.exists(p) or not os.path.getsize(p)] if shutil.which('gnuplot') \
        else []
bad = ['plot %s empty' % p for p in missing_plots]
for k in ('cpu', 'kernel', 'kvm'):
    if not doc['machine'].get(k):
        bad.append('machine.%s missing' % k)
if not doc.get('method'):
    bad.append('method missing')
seen = set()
for f in doc['figures']:
    key = (f['metric'], f['abi'], f['op'])
    seen.add(key)
    q = [f['p10'], f['median'], f['p90'], f['p99']]
    if f['n'] <= 0 or any(v <= 0 for v in q) or q != sorted(q) or not f['unit']:
        bad.append('insane figure %s' % json.dumps(f))
copies = {f.get('size') for f in doc['figures']
          if f['metric'] == 'round_trip' and f['op'] == 'grant_table.copy'}
for abi in ('fastabi', 'legacy'):
    sizes = {f['size'] for f in doc['figures']
             if f['metric'] == 'ring_throughput' and f['abi'] == abi}
    if sizes != {64, 256, 1024, 4096, 16384, 65536}:
        bad.append('ring_throughput %s sizes %s, want 64 B to 64 KiB' % (abi, sorted(sizes)))
if copies != {64, 4096, 65536}:
    bad.append('grant copy sizes %s, want 64, 4096, 65536' % sorted(copies - {None}))
for r in REQUIRED:
    if r not in seen:
        bad.append('missing figure %s' % (r,))
for b in bad:
    print('bench-quick: ' + b)
print('bench-quick: %d figures, %d problems' % (len(doc['figures']), len(bad)))
sys.exit(1 if bad else 0)
