#!/bin/sh
# Writes a govrf command script of N tenants to standard output, for the
# "Thousands of VRFs" figures of BENCHMARKS.md: each tenant I is a VRF vI
# on table 1000+I with a TAP port tI, the address 10.I/256.I%256.1/24 and
# a default route via .2. With "bare", only the VRFs, brought up.
#
#   scripts/tenants.sh 4096 > /tmp/t4096.txt; govrf -batch /tmp/t4096.txt
set -eu
n=${1:?usage: tenants.sh N [bare]}
i=0
while [ "$i" -lt "$n" ]; do
	net="10.$((i / 256)).$((i % 256))"
	echo "link add name v$i type vrf table $((1000 + i))"
	echo "link set dev v$i up"
	if [ "${2:-}" != bare ]; then
		echo "link add name t$i type tap"
		echo "link set dev t$i master v$i"
		echo "link set dev t$i up"
		echo "addr add $net.1/24 dev t$i"
		echo "route add vrf v$i default via $net.2"
	fi
	i=$((i + 1))
done
