#!/bin/bash
# route_capture.sh FILE... re-records the transcripts the route, rule and
# nexthop tests compare govrf with, by running their commands with the
# real ip (iproute2) in a scratch network namespace. Run as root on Linux.
#
# Transcript format, one block per command:
#   # comment                  kept as is
#   % sysctl NAME=VALUE        setup, applied on both sides, not compared
#   $ ARGS                     a command: `ip ARGS` here, `govrf ARGS` in tests
#   stdout lines               verbatim (trailing blanks matter)
#   \ No newline               the stdout line above has no final newline
#   ! stderr line              one per line
#   [rc=N]                     exit code
#
# Both sides start from the same fixture: lo up; d0 (MAC 02:00:00:00:00:01,
# 10.0.0.1/24, 2001:db8::1/64) and d1 (MAC 02:00:00:00:00:02,
# 10.10.0.1/24), up, with carrier (veth pairs whose peers live in another
# namespace); no IPv6 duplicate address detection.
set -u
ns=gvcap$$
peer=gvcapp$$
for file in "$@"; do
	ip netns add $ns && ip netns add $peer || exit 1
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n $ns link set lo up
	for i in 0 1; do
		ip -n $ns link add d$i address 02:00:00:00:00:0$((i + 1)) type veth peer name p$i netns $peer
		ip -n $peer link set p$i up
		ip -n $ns link set d$i up
	done
	ip -n $ns addr add 10.0.0.1/24 dev d0
	ip -n $ns addr add 10.10.0.1/24 dev d1
	ip -n $ns addr add 2001:db8::1/64 dev d0 nodad
	out=$(mktemp)
	while IFS= read -r line; do
		case "$line" in
		'#'*) echo "$line" >>"$out" ;;
		'% sysctl '*)
			echo "$line" >>"$out"
			ip netns exec $ns sysctl -qw "${line#% sysctl }"
			;;
		'$ '*)
			echo "$line" >>"$out"
			# shellcheck disable=SC2086 # word splitting is the point
			ip -n $ns ${line#\$ } >"$out.o" 2>"$out.e"
			rc=$?
			if [ -s "$out.o" ]; then
				cat "$out.o" >>"$out"
				[ "$(tail -c1 "$out.o" | od -An -c | tr -d ' ')" = '\n' ] || printf '\n\\ No newline\n' >>"$out"
			fi
			sed 's/^/! /' "$out.e" >>"$out"
			echo "[rc=$rc]" >>"$out"
			;;
		esac
	done <"$file"
	mv "$out" "$file"
	rm -f "$out.o" "$out.e"
	ip netns del $ns
	ip netns del $peer
done
