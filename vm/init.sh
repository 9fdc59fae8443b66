#!/bin/busybox sh
# PID 1 of the test VM's initramfs (runs under static busybox).
# Mounts the host's root read-only over 9p, a read-write 9p share for the
# results, then chroots into the host root and runs vm/guest.sh there.
# Inputs come from the kernel command line as NAME=value words, which the
# kernel hands to init as environment variables:
#   GT_CHECKOUT  the project checkout (on the host root)
#   GT_RESULTS   where the read-write results share is mounted in the new root
#   GT_MODULE    the built genltest.ko (on the host root)
# Every path out of here ends in "poweroff -f" so the VM never hangs the host.

/bin/busybox --install -s /bin
export PATH=/bin

say() { echo "genltest-vm: [$(cut -d" " -f1 /proc/uptime)s] $*" > /dev/console; }

die() {
	say "FATAL: $*"
	poweroff -f
	sleep 5
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
say "init started"

# Modules for virtio-pci and 9p, listed in dependency order by the host.
while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/modules/$mod" || die "insmod $mod failed"
done < /modules/order

R=/newroot
mkdir -p $R
# cache=loose: the host root does not change under us, and it makes Python
# imports several times faster.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot $R \
	|| die "cannot mount the host root over 9p"
# A second view of the host root, kept before scratch space covers /tmp and /run below.
mkdir -p /host
mount -o bind $R /host || die "cannot bind the host root"

mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/shm 2>/dev/null
mount -t tmpfs tmpfs $R/dev/shm
# The host root is read-only: give programs writable scratch space.
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs tmpfs $R/run
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
# A checkout under /tmp or /run would be hidden by that scratch space: put it back on top.
case "$GT_CHECKOUT" in
/tmp/* | /run/*)
	mkdir -p "$R$GT_CHECKOUT"
	mount -o bind "/host$GT_CHECKOUT" "$R$GT_CHECKOUT" || die "cannot show $GT_CHECKOUT again"
	;;
esac

[ -n "$GT_RESULTS" ] && [ -d "$R$GT_RESULTS" ] || die "results mount point $GT_RESULTS missing"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "$R$GT_RESULTS" \
	|| die "cannot mount the results share"

say "running $GT_CHECKOUT/vm/guest.sh"
chroot $R /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 TERM=dumb \
	GT_CHECKOUT="$GT_CHECKOUT" GT_RESULTS="$GT_RESULTS" GT_MODULE="$GT_MODULE" \
	/bin/bash "$GT_CHECKOUT/vm/guest.sh" > /dev/console 2>&1
say "guest script exited with $?"

sync
umount "$R$GT_RESULTS" 2>/dev/null
poweroff -f
