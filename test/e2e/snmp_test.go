package e2e

import (
	"strconv"
	"strings"
)

// udpCounter returns the sum of the named Udp counters of host's kernel
// (/proc/net/snmp: InDatagrams, NoPorts, RcvbufErrors...).
func (tp *topo) udpCounter(host string, names ...string) int {
	tp.t.Helper()
	out, err := tp.in(host, "cat", "/proc/net/snmp").Output()
	if err != nil {
		tp.t.Fatal(err)
	}
	var heads []string
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if heads == nil {
			heads = f
			continue
		}
		for i, h := range heads {
			for _, want := range names {
				if h == want && i < len(f) {
					v, _ := strconv.Atoi(f[i])
					n += v
				}
			}
		}
		return n
	}
	tp.t.Fatalf("%s: no Udp counters in /proc/net/snmp", host)
	return 0
}
