package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// echoCounts returns how many ICMP and ICMPv6 echo requests the kernel
// of namespace host has received: InEchos in /proc/net/snmp and
// Icmp6InEchos in /proc/net/snmp6, both per namespace.
func (tp *topo) echoCounts(host string) (v4, v6 int) {
	tp.t.Helper()
	out, err := tp.in(host, "cat", "/proc/net/snmp", "/proc/net/snmp6").Output()
	if err != nil {
		tp.t.Fatalf("reading %s's ICMP counters: %v", host, err)
	}
	lines := strings.Split(string(out), "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "Icmp6InEchos":
			fmt.Sscan(f[1], &v6)
		case len(f) > 1 && f[0] == "Icmp:" && f[1] == "InMsgs" && i+1 < len(lines):
			v := strings.Fields(lines[i+1])
			for j, name := range f {
				if name == "InEchos" && j < len(v) {
					fmt.Sscan(v[j], &v4)
				}
			}
		}
	}
	return v4, v6
}

// ping runs the system's ping in namespace host and returns its output
// and whether it exited zero (an answer came back).
func (tp *topo) ping(host string, args ...string) (string, bool) {
	out, err := tp.in(host, append([]string{"ping"}, args...)...).CombinedOutput()
	return string(out), err == nil
}

// warm resolves the neighbours on every path of the seed topology, both
// families, so that the tests count what they send from a settled
// network: govrfd drops the IPv4 packet that starts neighbour
// resolution where Linux queues it (a known difference).
func (tp *topo) warm() {
	for _, from := range []string{"A1", "B1"} {
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			tp.ping(from, "-c", "2", "-i", "0.2", "-W", "1", dst)
		}
	}
}

// TestIntegrationSeedIsolation pings A1→A2 and B1→B2 at the same time,
// to the same addresses, and checks by the receivers' echo counters
// that each destination got exactly its own company's requests.
func TestIntegrationSeedIsolation(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	const count = 5
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		var before [2][2]int
		for i, h := range []string{"A2", "B2"} {
			before[i][0], before[i][1] = tp.echoCounts(h)
		}
		var wg sync.WaitGroup
		errs := make([]string, 2)
		for i, from := range []string{"A1", "B1"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if out, ok := tp.ping(from, "-c", fmt.Sprint(count), "-i", "0.2", "-W", "2", dst); !ok {
					errs[i] = fmt.Sprintf("%s: ping %s failed:\n%s", from, dst, out)
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Error(e)
			}
		}
		for i, h := range []string{"A2", "B2"} {
			v4, v6 := tp.echoCounts(h)
			got := [2]int{v4 - before[i][0], v6 - before[i][1]}
			want := [2]int{count, 0}
			if strings.Contains(dst, ":") {
				want = [2]int{0, count}
			}
			if got != want {
				t.Errorf("ping %s from A1 and B1 at once: %s received (v4, v6) echo requests %v, want %v", dst, h, got, want)
			}
		}
	}
}

// TestIntegrationTraceroute follows A1's path to A2 with ICMP echo probes
// and with traceroute's default UDP probes (whose checksums the hosts
// leave to offload, so govrf must complete them): R's VRF-a address on
// A1's side answers the first hop (Time Exceeded, RFC 1812 5.3.1), A2 the
// second.
func TestIntegrationTraceroute(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	for _, mode := range [][]string{{"-I"}, nil} {
		args := append([]string{"traceroute", "-n"}, mode...)
		args = append(args, "-q", "1", "-w", "2", "-m", "3", "192.168.2.10")
		out, err := tp.in("A1", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s from A1: %v\n%s", strings.Join(args, " "), err, out)
		}
		var hops []string
		for _, l := range strings.Split(string(out), "\n")[1:] {
			if f := strings.Fields(l); len(f) >= 2 {
				hops = append(hops, f[1])
			}
		}
		if want := []string{"192.168.1.1", "192.168.2.10"}; strings.Join(hops, " ") != strings.Join(want, " ") {
			t.Errorf("%s from A1: hops %v, want %v\n%s", strings.Join(args, " "), hops, want, out)
		}
	}
	got, _ := tp.ping("A1", "-c", "1", "-t", "1", "-W", "2", "192.168.2.10")
	if !strings.Contains(got, "From 192.168.1.1") || !strings.Contains(got, "Time to live exceeded") {
		t.Errorf("ping -c1 -t1 192.168.2.10 from A1 = %q, want Time to live exceeded from 192.168.1.1", got)
	}

	// The expired probes are counted by reason, on the port and on its
	// VRF's device; B's side saw none of them.
	for _, dev := range []string{"ra1", "a"} {
		if out := tp.govrf("-s -s link show dev " + dev); !strings.Contains(out, "RX answered:") || !strings.Contains(out, " ttl_exceeded ") {
			t.Errorf("govrf -s -s link show dev %s lacks the ttl_exceeded answers:\n%s", dev, out)
		}
	}
	if out := tp.govrf("-s -s link show dev rb1"); strings.Contains(out, "ttl_exceeded") {
		t.Errorf("govrf -s -s link show dev rb1 counts VRF a's expired probes:\n%s", out)
	}
}

// TestIntegrationRejectRoutes checks what A1 sees for destinations whose
// route in VRF a rejects them, as Linux answers (ip_error,
// icmp6 in ip6_pkt_drop): unreachable is Host Unreachable, prohibit is
// Communication Administratively Prohibited (ping: "Packet filtered"),
// blackhole is silence, and a miss falls to the configuration's
// unreachable default.
func TestIntegrationRejectRoutes(t *testing.T) {
	tp := newTopo(t)
	tp.configure(
		"route add unreachable 10.9.0.0/16 vrf a",
		"route add prohibit 10.8.0.0/16 vrf a",
		"route add blackhole 10.7.0.0/16 vrf a",
		"-6 route add unreachable 2001:db8:9::/48 vrf a",
		"-6 route add prohibit 2001:db8:8::/48 vrf a",
		"-6 route add blackhole 2001:db8:7::/48 vrf a",
	)
	for _, c := range []struct{ dst, want string }{
		{"10.9.0.1", "From 192.168.1.1 icmp_seq=1 Destination Host Unreachable"},
		{"10.8.0.1", "From 192.168.1.1 icmp_seq=1 Packet filtered"},
		{"10.7.0.1", ""},
		{"10.6.0.1", "From 192.168.1.1 icmp_seq=1 Destination Host Unreachable"},
		{"2001:db8:9::1", "From 2001:db8:1::1 icmp_seq=1 Destination unreachable: No route"},
		{"2001:db8:8::1", "From 2001:db8:1::1 icmp_seq=1 Destination unreachable: Administratively prohibited"},
		{"2001:db8:7::1", ""},
		{"2001:db8:6::1", "From 2001:db8:1::1 icmp_seq=1 Destination unreachable: No route"},
	} {
		out, ok := tp.ping("A1", "-c", "1", "-W", "1", c.dst)
		if ok {
			t.Errorf("ping %s from A1 succeeded, want no echo reply:\n%s", c.dst, out)
		}
		if c.want == "" && strings.Contains(out, "From ") {
			t.Errorf("ping %s from A1 = %q, want silence", c.dst, out)
		}
		if c.want != "" && !strings.Contains(out, c.want) {
			t.Errorf("ping %s from A1 = %q, want %q", c.dst, out, c.want)
		}
	}
}

// TestIntegrationLocalAddressesPerVRF checks that R's own addresses
// answer only the hosts of their VRF: A1 reaches its gateway, but not
// the address of a port in VRF c.
func TestIntegrationLocalAddressesPerVRF(t *testing.T) {
	tp := newTopo(t)
	tp.addNS("C1")
	tp.addPort("C1", "rc1")
	tp.configure(
		"link add name c type vrf table 30",
		"link set dev c up",
		"link add link rc1 name rc1 type packet",
		"link set dev rc1 master c",
		"link set dev rc1 up",
		"addr add 10.3.0.1/24 dev rc1",
	)
	if out, ok := tp.ping("A1", "-c", "1", "-W", "2", "192.168.1.1"); !ok {
		t.Errorf("ping 192.168.1.1 from A1 failed:\n%s", out)
	}
	out, ok := tp.ping("A1", "-c", "1", "-W", "1", "10.3.0.1")
	if ok || !strings.Contains(out, "Destination Host Unreachable") {
		t.Errorf("ping 10.3.0.1 (VRF c's address) from A1 = %q, want Destination Host Unreachable", out)
	}
}
