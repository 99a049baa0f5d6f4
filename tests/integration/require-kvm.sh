# Sourced by the integration test scripts: a test that boots a guest needs a
# usable /dev/kvm; without one it says so loudly and is skipped (exit 77,
# meson's skip code), never passed.
require_kvm() {
	if [ ! -e /dev/kvm ]; then
		echo "SKIP: /dev/kvm is missing: the integration tests cannot boot guests"
		exit 77
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not readable and writable by $(id -un): the integration tests cannot boot guests"
		exit 77
	fi
}
