package demo

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/sim"
)

// Memory tells the story in one process: the router's ports are
// in-memory pairs and the four sites are simulated hosts, so it needs no
// privileges. It returns an error if any step does not turn out as the
// story says.
func Memory(out io.Writer) error {
	s := &story{out: out}
	intro(out, false)
	ctl := control.New()
	net := sim.NewNetwork(sim.Stepped)
	defer net.Close()
	dp := dataplane.New(ctl, net.Clock(), dataplane.Config{})
	net.Add(dp)

	s.say("Configure router R: VRF a for company A, VRF b for company B")
	for _, line := range Config(func(name string) string { return "link add name " + name + " type dummy" }) {
		s.cmd(line)
		var errs bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(line), out, &errs); code != 0 {
			return fmt.Errorf("govrf %s: %s", line, strings.TrimSpace(errs.String()))
		}
	}

	s.say("Attach the four sites: A1, B1 on 192.168.1.0/24, A2, B2 on 192.168.2.0/24")
	hosts := map[string]*sim.Host{}
	for _, h := range []struct{ name, port, net string }{
		{"A1", "ra1", "1"}, {"A2", "ra2", "2"}, {"B1", "rb1", "1"}, {"B2", "rb2", "2"},
	} {
		l := ctl.Snapshot().LinkByName(h.port)
		host, p := net.Attach(sim.HostConfig{Name: h.name,
			Addrs:    []netip.Prefix{netip.MustParsePrefix("192.168." + h.net + ".10/24"), netip.MustParsePrefix("2001:db8:" + h.net + "::10/64")},
			Gateway4: netip.MustParseAddr("192.168." + h.net + ".1"), Gateway6: netip.MustParseAddr("2001:db8:" + h.net + "::1")},
			mem.Config{Name: h.port, MAC: header.MAC(l.MAC)})
		if err := dp.Attach(l.Index, p); err != nil {
			return err
		}
		hosts[h.name] = host
		fmt.Fprintf(out, "%s %s, gateway %s, behind port %s\n", h.name, host.Addrs()[0], "192.168."+h.net+".1", h.port)
	}
	net.Settle()

	s.say("Each company pings across: A1 → A2 and B1 → B2, the same addresses")
	for _, p := range []struct{ from, to, dst string }{
		{"A1", "A2", "192.168.2.10"}, {"B1", "B2", "192.168.2.10"},
		{"A1", "A2", "2001:db8:2::10"}, {"B1", "B2", "2001:db8:2::10"},
	} {
		for _, h := range hosts {
			h.ResetCapture()
		}
		r, err := hosts[p.from].Ping(netip.MustParseAddr(p.dst), sim.Opts{})
		if err != nil || r.IsError() {
			return fmt.Errorf("%s ping %s: %v %v", p.from, p.dst, r, err)
		}
		other := map[string]string{"A2": "B2", "B2": "A2"}[p.to]
		if n := len(hosts[other].Captured()); n != 0 {
			return fmt.Errorf("%s ping %s: %s received %d frames", p.from, p.dst, other, n)
		}
		fmt.Fprintf(out, "%s: ping %s → %s (%v); %s saw nothing\n", p.from, p.dst, r, p.to, other)
	}

	s.say("Neighbours are per port, so per VRF; lookups stay in their VRF")
	for _, port := range []string{"ra2", "rb2"} {
		l := ctl.Snapshot().LinkByName(port)
		for _, e := range dp.Neighbors(l.Index).Entries() {
			fmt.Fprintf(out, "%s dev %s lladdr %s %s\n", e.Addr, port, e.MAC, e.State)
		}
	}
	for _, line := range []string{"route get 192.168.2.10 vrf a", "route get 192.168.2.10 vrf b"} {
		s.cmd(line)
		cli.Run(ctl, strings.Fields(line), out, out)
	}
	st := dp.Stats()
	fmt.Fprintf(out, "VRF a forwarded %d packets, VRF b %d; nothing crossed.\n", st.VRFs["a"].Forwarded, st.VRFs["b"].Forwarded)
	return nil
}
