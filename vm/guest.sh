#!/bin/bash
# Runs inside the test VM, chrooted into the host's (read-only) root.
# Loads the genltest module and runs tests/vm with pytest; leaves in $GT_RESULTS:
#   status        pytest's exit status (the host treats "missing" as a VM failure)
#   pytest.log    pytest's output
#   junit.xml     pytest's JUnit report
#   dmesg.txt     the guest kernel log after the tests
# Arguments for pytest come from $GT_RESULTS/pytest-args (one per line).
set -u

results=${GT_RESULTS:?}
checkout=${GT_CHECKOUT:?}
module=${GT_MODULE:?}

echo "genltest-vm: [$(cut -d" " -f1 /proc/uptime)s] kernel $(uname -r), $(nproc) cpus"
if ! insmod "$module"; then
	echo "genltest-vm: insmod $module failed"
	dmesg > "$results/dmesg.txt"
	echo 3 > "$results/status"
	exit 1
fi

args=()
if [ -s "$results/pytest-args" ]; then
	mapfile -t args < "$results/pytest-args"
fi

cd "$checkout" || exit 1
export GENLTEST_VM=1 GENLTEST_MODULE="$module" PYTHONDONTWRITEBYTECODE=1
# The status file is written last: its presence means pytest really finished.
# Hypothesis' pytest plugin costs ~15 s of imports under TCG; tests/vm do not use it.
"$checkout/.venv/bin/python" -m pytest tests/vm -p no:cacheprovider -p no:hypothesispytest \
	--junitxml="$results/junit.xml" "${args[@]}" 2>&1 | tee "$results/pytest.log"
rc=${PIPESTATUS[0]}
dmesg > "$results/dmesg.txt"
echo "$rc" > "$results/status"
sync
exit "$rc"
