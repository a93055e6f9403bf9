#!/usr/bin/env bash
# govrf's test command: installs what the tests use on a fresh Debian
# machine (as root; util-linux for nsenter, ethtool for the XDP test,
# frr and gobgpd as the EVPN tests' peers), then runs vet and the whole
# suite with the race detector, including the root-only tests against
# the kernel.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(iproute2 iputils-ping traceroute iperf3 tcpdump netcat-openbsd util-linux ethtool frr gobgpd)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "test.sh: missing packages (${missing[*]}); root tests will skip" >&2
	fi
fi

go vet ./...
# Fuzz seeds run as ordinary tests; the privileged tests need root.
go test -race -count=1 -timeout 12m ./...
