#!/usr/bin/env bash
# The main job: build everything, validate the FastABI specification, then
# the demo: two domains from two xl config files, a frontend and a backend,
# in one `fastabi create`. They find each other through XenStore as Xen's
# split drivers do (docs/domains.md: the frontend's config names the
# backend domain in a vif entry, the toolstack writes both device
# directories, the frontend publishes its grant reference and port there,
# the backend watches and reads them, both go through the xenbus states
# from Initialising to Connected and close through Closing to Closed), share a ring through a
# grant and an inter-domain event channel, and exchange messages. Three
# variants: FastABI on both sides, the same with a confidential frontend,
# the legacy ABI on both sides. The frontend times the round trips with the
# TSC (scaled by pvclock); the table at the end and build/demo.json give
# messages per second and microseconds per round trip. The guest programs
# of each hypercall family stay in the test suite (`scripts/test.sh`).
# Without /dev/kvm it says so and shows the simulated-hypervisor run of
# every generated stub instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null

echo "== abi-tool check abi/*.yml"
build/tools/abi-tool/abi-tool check abi/*.yml
echo "the specification is valid: $(ls abi/*.yml | wc -l) families, $(grep -c '^  [a-z_]*:$' abi/*.yml | awk -F: '{s += $2} END {print s}') operations"
echo

if [ ! -e /dev/kvm ]; then
	echo "!! /dev/kvm is missing: guests cannot boot on this machine, so the demo"
	echo "!! (two domains on KVM) cannot run."
	echo "== instead: every FastABI stub through the doorbell, simulated hypervisor"
	build/tests/abi-tool/guest-stubs/guest-stubs-selftest-real
	exit 0
fi

ring=$PWD/build/guest/tests/interdom-ring.elf
dir=build/demo
mkdir -p "$dir"
msgs=${DEMO_MSGS:-2000}

# variant, its title, frontend's extra and keys, backend's extra and keys
variants=(
	"fastabi|FastABI on both sides|abi=fast||abi=fast|"
	"confidential|FastABI, confidential frontend|abi=fast share no-hypercall-page|confidential = 1|abi=fast|"
	"legacy|legacy ABI on both sides|abi=legacy|fastabi = 0|abi=legacy|fastabi = 0"
)

declare -a rows json
status=0
for entry in "${variants[@]}"; do
	IFS='|' read -r v title fx fkey bx bkey <<<"$entry"
	cat >"$dir/$v-frontend.cfg" <<-CFG
	# The frontend (domain 1): its vif's backend is the domain named
	# "backend" (a driver domain); it grants its ring page there at ref 8.
	name = "frontend"
	type = "pvh"
	kernel = "$ring"
	memory = 32
	fixed_mem_layout = 1
	vif = [ 'backend=backend' ]
	extra = "role=frontend gref=8 msgs=$msgs $fx"
	$fkey
	CFG
	cat >"$dir/$v-backend.cfg" <<-CFG
	# The backend (domain 2): finds the frontend under its backend/vif/,
	# maps its ring page and binds its port.
	name = "backend"
	type = "pvh"
	kernel = "$ring"
	memory = 32
	fixed_mem_layout = 1
	extra = "role=backend $bx"
	$bkey
	CFG
	echo "== $title: fastabi create $dir/$v-frontend.cfg $dir/$v-backend.cfg"
	set +e
	out=$(FASTABI_STATS=1 build/vmm/fastabi create "$dir/$v-frontend.cfg" "$dir/$v-backend.cfg" --timeout 30 2>&1)
	rc=$?
	set -e
	# What happened: the guests' own lines, and the hypervisor's count of refusals.
	grep -E '^\[[a-z]*\] (frontend|backend|Success|Failure|Error)|refused' <<<"$out" | grep -v '^\[.*\] DEMO' || true
	demo=$(sed -n 's/^\[frontend\] DEMO //p' <<<"$out")
	ns=$(sed -n 's/.*ns_per_round_trip=\([0-9]*\).*/\1/p' <<<"$demo")
	mps=$(sed -n 's/.*messages_per_s=\([0-9]*\).*/\1/p' <<<"$demo")
	if [ "$rc" -ne 0 ] || [ -z "$ns" ]; then
		echo "!! $title: failed (exit status $rc)"
		grep -v '^\[' <<<"$out" | tail -n 5
		status=1
		rows+=("$(printf '  %-34s %10s %12s %14s' "$title" FAILED - -)")
		json+=("$(printf '{"variant": "%s", "ok": false, "exit_status": %d}' "$v" "$rc")")
	else
		us=$(awk -v n="$ns" 'BEGIN { printf "%.1f", n / 1000 }')
		rows+=("$(printf '  %-34s %10s %12s %14s' "$title" "$msgs" "$us" "$mps")")
		json+=("$(printf '{"variant": "%s", "ok": true, "round_trips": %s, "us_per_round_trip": %s, "messages_per_s": %s}' "$v" "$msgs" "$us" "$mps")")
	fi
	echo
done

echo "== results (a round trip: request, event, answer, event; measured by the frontend)"
printf '  %-34s %10s %12s %14s\n' variant "round trips" "us / trip" "messages / s"
printf '%s\n' "${rows[@]}"
{
	echo "["
	for i in "${!json[@]}"; do
		sep=,
		[ "$i" -eq $((${#json[@]} - 1)) ] && sep=
		echo "  ${json[$i]}$sep"
	done
	echo "]"
} >build/demo.json
echo "(also in build/demo.json)"
exit $status
