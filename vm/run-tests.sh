#!/bin/bash
# Build the genltest module, boot Debian's kernel in qemu and run tests/vm in
# the guest (entry point of `make vm-test`).
#
#   bash vm/run-tests.sh [pytest args...]      e.g. bash vm/run-tests.sh -k echo -x
#
# The guest sees the host's root read-only over 9p (so the checkout and its
# .venv run unchanged) and writes its results to vm/work/results over a second,
# read-write 9p share. Everything generated lives in vm/work/ (gitignored).
#
# Environment:
#   KVER        kernel release to use (default: the one linux-headers-amd64 points at)
#   VM_ACCEL    kvm | tcg | auto (default auto: KVM when it works, else TCG)
#   VM_KVM_PROBE seconds KVM gets to reach the guest's init in auto mode (default 30)
#   VM_TIMEOUT  seconds before the VM is killed (default 240)
#   VM_MEM      guest memory in MiB (default 1024)
#   VM_CPUS     guest CPUs (default 2)
#
# Exit status: pytest's in the guest; 0 with "vm-test SKIPPED: <reason>" when
# this machine cannot run a VM at all; non-zero when the VM itself failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$ROOT/vm/work
RESULTS=$WORK/results
CONSOLE=$WORK/console.log
QEMU_LOG=$WORK/qemu.log
PACKAGES=(linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio kmod
	gcc make xz-utils)
# Guest drivers needed before the host root can be mounted (deps are resolved).
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p)

T0=$SECONDS
log() { printf 'vm-test: [%3ds] %s\n' "$((SECONDS - T0))" "$*"; }
skip() { echo "vm-test SKIPPED: $*"; exit 0; }
fail() { echo "vm-test FAILED: $*" >&2; exit 1; }

# ---------------------------------------------------------------- packages
ensure_packages() {
	local missing=() p
	if [ "$(uname -m)" != x86_64 ]; then
		skip "needs an x86_64 host (this is $(uname -m))"
	fi
	if ! command -v dpkg-query > /dev/null; then
		command -v qemu-system-x86_64 > /dev/null || skip "no qemu-system-x86_64 and no apt to install it"
		return
	fi
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	if [ "$(id -u)" != 0 ]; then
		skip "packages missing (${missing[*]}) and not root to install them"
	fi
	log "installing ${missing[*]}"
	# Update only when something is missing, so warm runs stay offline and fast.
	if ! apt-get update -q > "$WORK/apt.log" 2>&1 ||
		! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >> "$WORK/apt.log" 2>&1; then
		tail -n 5 "$WORK/apt.log" >&2
		skip "apt-get could not install ${missing[*]} (see vm/work/apt.log)"
	fi
}

find_kver() {
	local dep
	if [ -n "${KVER:-}" ]; then
		return
	fi
	# The headers' metapackage names the kernel the module must be built for.
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2> /dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*' | head -n 1 || true)
	KVER=${dep#linux-headers-}
	if [ -z "$KVER" ]; then
		# Without the metapackage: the newest kernel that has both headers and an image.
		local d
		for d in /lib/modules/*/build; do
			d=${d%/build}
			[ -e "/boot/vmlinuz-${d##*/}" ] && KVER=${d##*/}
		done
	fi
	[ -n "$KVER" ] || skip "no Debian kernel with headers installed"
}

# ---------------------------------------------------------------- module
build_module() {
	local src=$ROOT/kernel/genltest dst=$WORK/module key
	key=$(cat "$src"/Kbuild "$src"/*.c "$src"/*.h | sha256sum | cut -c1-16)-$KVER
	if [ -f "$dst/genltest.ko" ] && [ "$(cat "$dst/.key" 2> /dev/null)" = "$key" ]; then
		log "module up to date ($dst/genltest.ko)"
		return
	fi
	log "building genltest.ko for $KVER"
	rm -rf "$dst" && mkdir -p "$dst"
	cp "$src"/Kbuild "$src"/*.c "$src"/*.h "$dst"/
	# GENLTEST_WERROR=y: Kbuild adds -Werror, so any warning fails the build here.
	if ! make -C "/lib/modules/$KVER/build" M="$dst" GENLTEST_WERROR=y modules \
		> "$WORK/build.log" 2>&1; then
		cat "$WORK/build.log" >&2
		fail "module build failed"
	fi
	echo "$key" > "$dst/.key"
}

# ---------------------------------------------------------------- initramfs
# Prints the guest modules (paths relative to /lib/modules/$KVER) in load order.
module_order() {
	local moddir=/lib/modules/$KVER
	declare -A seen=()
	local order=()
	add() {
		local rel=$1 line deps i
		[ -n "${seen[$rel]:-}" ] && return
		seen[$rel]=1
		line=$(grep -m1 "^$rel:" "$moddir/modules.dep") || fail "$rel not in modules.dep"
		read -r -a deps <<< "${line#*:}"
		for ((i = 0; i < ${#deps[@]}; i++)); do add "${deps[i]}"; done
		order+=("$rel")
	}
	local name rel
	for name in "$@"; do
		rel=$(grep -m1 -oE "^[^:]*/${name}\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep") ||
			return 1
		add "${rel%:}"
	done
	printf '%s\n' "${order[@]}"
}

build_initramfs() {
	local out=$WORK/initramfs.cpio.gz stage=$WORK/initramfs.d busybox key rel name
	busybox=$(command -v busybox) || skip "no busybox"
	local order
	order=$(module_order "${INITRAMFS_MODULES[@]}") ||
		skip "kernel $KVER lacks virtio/9p modules (${INITRAMFS_MODULES[*]})"
	key=$( (echo "$KVER"; echo "$order"; cat "$ROOT/vm/init.sh"; sha256sum "$busybox") |
		sha256sum | cut -c1-16)
	if [ -f "$out" ] && [ "$(cat "$WORK/initramfs.key" 2> /dev/null)" = "$key" ]; then
		log "initramfs up to date"
		return
	fi
	log "building initramfs"
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
	cp "$busybox" "$stage/bin/busybox"
	install -m 0755 "$ROOT/vm/init.sh" "$stage/init"
	: > "$stage/modules/order"
	while read -r rel; do
		name=${rel##*/}
		case $rel in
		*.xz) xz -dc "/lib/modules/$KVER/$rel" > "$stage/modules/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "/lib/modules/$KVER/$rel" > "$stage/modules/${name%.zst}"; name=${name%.zst} ;;
		*.gz) gzip -dc "/lib/modules/$KVER/$rel" > "$stage/modules/${name%.gz}"; name=${name%.gz} ;;
		*) cp "/lib/modules/$KVER/$rel" "$stage/modules/$name" ;;
		esac
		echo "$name" >> "$stage/modules/order"
	done <<< "$order"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
	mv "$out.tmp" "$out"
	echo "$key" > "$WORK/initramfs.key"
}

# ---------------------------------------------------------------- qemu
kvm_usable() {
	[ -e /dev/kvm ] || return 1
	# Opening it read-write is what qemu needs.
	(exec 3<> /dev/kvm) 2> /dev/null || return 1
	# A machine where KVM was seen failing to boot is not tried again.
	[ "$(cat "$WORK/kvm-broken" 2> /dev/null)" != "$(kvm_key)" ]
}

kvm_key() { echo "$(uname -r) $(qemu-system-x86_64 --version | head -n 1)"; }

run_qemu() {
	local accel=$1 probe=0
	shift
	[ "$accel" = kvm ] && [ "${VM_ACCEL:-auto}" = auto ] && probe=${VM_KVM_PROBE:-30}
	local -a accel_args
	case $accel in
	kvm) accel_args=(-accel kvm -cpu host) ;;
	tcg) accel_args=(-accel tcg,thread=multi -cpu max) ;;
	esac
	rm -rf "$RESULTS" && mkdir -p "$RESULTS"
	if [ $# -gt 0 ]; then printf '%s\n' "$@" > "$RESULTS/pytest-args"; fi
	: > "$CONSOLE"
	log "booting $KVER with $accel (timeout ${VM_TIMEOUT}s)"
	local rc=0 pid waited=0
	# The subshell keeps bash's own "Aborted" job message in the log too.
	(timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-nodefaults -no-reboot -display none \
		"${accel_args[@]}" -m "$VM_MEM" -smp "$VM_CPUS" \
		-kernel "/boot/vmlinuz-$KVER" -initrd "$WORK/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 rdinit=/init loglevel=4 GT_CHECKOUT=$ROOT GT_RESULTS=$RESULTS GT_MODULE=$WORK/module/genltest.ko" \
		-serial "file:$CONSOLE" \
		-fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=results,path="$RESULTS",security_model=none \
		-device virtio-9p-pci,fsdev=results,mount_tag=results) \
		> "$QEMU_LOG" 2>&1 &
	pid=$!
	# A KVM that cannot run the guest (nested virtualisation) may hang instead of failing:
	# give it $probe seconds to reach init, which it does in a few when it works.
	while [ "$probe" -gt 0 ] && kill -0 "$pid" 2> /dev/null &&
		! grep -q 'genltest-vm: init started' "$CONSOLE"; do
		if [ "$waited" -ge "$probe" ]; then
			log "no sign of the guest after ${probe}s with $accel"
			pkill -TERM -P "$pid" 2> /dev/null || true
			break
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid" || rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		log "the VM was killed after ${VM_TIMEOUT}s"
	elif [ $rc -ne 0 ]; then
		log "qemu exited with $rc: $(tail -n 1 "$QEMU_LOG")"
	fi
	return 0
}

show_failure() {
	echo "---- tail of $CONSOLE ----" >&2
	tail -n 40 "$CONSOLE" >&2 || true
	if [ -s "$QEMU_LOG" ]; then
		echo "---- $QEMU_LOG ----" >&2
		tail -n 10 "$QEMU_LOG" >&2
	fi
}

# ---------------------------------------------------------------- main
main() {
	VM_TIMEOUT=${VM_TIMEOUT:-240}
	VM_MEM=${VM_MEM:-1024}
	VM_CPUS=${VM_CPUS:-2}
	mkdir -p "$WORK"
	exec 9> "$WORK/lock"
	flock -n 9 || fail "another vm-test is running (vm/work/lock)"
	case $ROOT in *[[:space:]]*) skip "checkout path contains spaces: $ROOT" ;; esac

	ensure_packages
	find_kver
	[ -r "/boot/vmlinuz-$KVER" ] || skip "no readable /boot/vmlinuz-$KVER (install linux-image-$KVER)"
	[ -d "/lib/modules/$KVER/build" ] || skip "no headers for $KVER"
	[ -x "$ROOT/.venv/bin/python" ] || fail "no $ROOT/.venv (run make setup)"
	build_module
	build_initramfs

	local accel=${VM_ACCEL:-auto}
	if [ "$accel" = auto ]; then
		if kvm_usable; then accel=kvm; else accel=tcg; fi
	fi
	run_qemu "$accel" "$@"
	if [ ! -f "$RESULTS/status" ] && [ "$accel" = kvm ] && [ "${VM_ACCEL:-auto}" = auto ] &&
		! grep -q 'genltest-vm: init started' "$CONSOLE"; then
		# KVM under nested virtualisation can abort before the guest runs.
		log "KVM did not boot the guest; remembering that, retrying with TCG"
		kvm_key > "$WORK/kvm-broken"
		accel=tcg
		run_qemu "$accel" "$@"
	fi

	if [ ! -f "$RESULTS/status" ]; then
		show_failure
		fail "the VM produced no test status ($accel)"
	fi
	local status
	status=$(cat "$RESULTS/status")
	echo "---- pytest in the VM ($KVER, $accel) ----"
	cat "$RESULTS/pytest.log" 2> /dev/null || true
	echo "----"
	local summary
	summary=$(grep -E '(passed|failed|errors?|skipped|deselected|no tests ran).* in [0-9.]+s' "$RESULTS/pytest.log" |
		tail -n 1 || true)
	log "${summary:-no pytest summary line} -> exit status $status ($accel, results in vm/work/results)"
	if [ "$status" != 0 ]; then
		show_failure
	fi
	exit "$status"
}

main "$@"
