package neigh

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// start puts ip into state s at mac1 (StateNone: no entry).
func start(t *testing.T, c *Cache, clk *ManualClock, ip netip.Addr, s State) {
	t.Helper()
	switch s {
	case StateNone:
	case StateIncomplete:
		c.Resolve(ip, nil)
	case StateReachable:
		reachable(t, c, ip)
	case StateStale:
		stale(t, c, ip)
	case StateFailed:
		c.Resolve(ip, nil)
		describe(run(c, clk, 3*time.Second))
	default:
		t.Fatalf("start(%v): unsupported", s)
	}
	wantState(t, c, ip, s, header.MAC{})
}

// TestARPMerge covers arp_process with arp_accept=0 (RFC 826's merge,
// without creating entries from packets not asking us).
func TestARPMerge(t *testing.T) {
	tests := []struct {
		name  string
		from  State
		wait  time.Duration // before the packet: locktime runs from the last update
		msg   Message
		flags Flags
		mac   header.MAC
		want  State
		wmac  header.MAC
	}{
		{"gratuitous request creates nothing", StateNone, 0, ARPRequest, FlagGratuitous, mac1, StateNone, header.MAC{}},
		{"request for another host creates nothing", StateNone, 0, ARPRequest, 0, mac1, StateNone, header.MAC{}},
		{"unsolicited reply creates nothing", StateNone, 0, ARPReply, FlagUnicast, mac1, StateNone, header.MAC{}},
		{"request for us creates STALE", StateNone, 0, ARPRequest, FlagTarget, mac1, StateStale, mac1},
		{"request for us overrides at once", StateReachable, 0, ARPRequest, FlagTarget, mac2, StateStale, mac2},
		{"reply resolves", StateIncomplete, 0, ARPReply, FlagUnicast, mac1, StateReachable, mac1},
		{"broadcast reply resolves as STALE", StateIncomplete, 0, ARPReply, 0, mac1, StateStale, mac1},
		{"request from a neighbour being resolved", StateIncomplete, 0, ARPRequest, 0, mac1, StateStale, mac1},
		{"reply revives FAILED", StateFailed, 0, ARPReply, FlagUnicast, mac1, StateReachable, mac1},
		{"reply confirms STALE", StateStale, 0, ARPReply, FlagUnicast, mac1, StateReachable, mac1},
		{"same MAC does not demote", StateReachable, 0, ARPRequest, 0, mac1, StateReachable, mac1},
		{"new MAC within locktime ignored", StateReachable, 500 * time.Millisecond, ARPReply, FlagUnicast, mac2, StateReachable, mac1},
		{"new MAC after locktime", StateReachable, 1100 * time.Millisecond, ARPReply, FlagUnicast, mac2, StateReachable, mac2},
		{"gratuitous overrides within locktime", StateReachable, 0, ARPRequest, FlagGratuitous, mac2, StateStale, mac2},
		{"gratuitous updates STALE", StateStale, 0, ARPReply, FlagGratuitous, mac2, StateStale, mac2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newCache(t)
			start(t, c, clk, ip4, tt.from)
			clk.Advance(tt.wait)
			describe(c.Input(nil, ip4, tt.mac, tt.msg, tt.flags))
			wantState(t, c, ip4, tt.want, tt.wmac)
		})
	}
}

// TestARPIgnoresOthers: ARP never touches IPv6 entries or odd senders.
func TestARPIgnoresOthers(t *testing.T) {
	c, _ := newCache(t)
	for _, ip := range []netip.Addr{ip6, netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("224.0.0.1"), netip.MustParseAddr("255.255.255.255")} {
		c.Input(nil, ip, mac1, ARPRequest, FlagTarget)
		if s := state(c, ip); s != StateNone {
			t.Errorf("after ARP request from %v: state %v, want none", ip, s)
		}
	}
	c.Input(nil, ip4, mac1, NeighborSolicit, FlagTarget)
	if s := state(c, ip4); s != StateNone {
		t.Errorf("after NS from %v: state %v, want none", ip4, s)
	}
}

// TestNDPAdvert is RFC 4861 §7.2.5's table, as ndisc_recv_na applies it.
func TestNDPAdvert(t *testing.T) {
	const (
		S, O, R, none = FlagSolicited, FlagOverride, FlagRouter, FlagNoLinkAddr
	)
	tests := []struct {
		name   string
		from   State
		flags  Flags
		mac    header.MAC
		want   State
		wmac   header.MAC
		router bool
	}{
		{"unknown target ignored", StateNone, S | O, mac1, StateNone, header.MAC{}, false},
		{"INCOMPLETE solicited", StateIncomplete, S, mac1, StateReachable, mac1, false},
		{"INCOMPLETE unsolicited", StateIncomplete, O, mac1, StateStale, mac1, false},
		{"INCOMPLETE without TLLAO discarded", StateIncomplete, S | none, mac1, StateIncomplete, header.MAC{}, false},
		{"FAILED ignored", StateFailed, S | O, mac1, StateFailed, header.MAC{}, false},
		{"REACHABLE O=0 new MAC: STALE, MAC kept", StateReachable, S, mac2, StateStale, mac1, false},
		{"STALE O=0 new MAC ignored", StateStale, S, mac2, StateStale, mac1, false},
		{"REACHABLE O=1 S=0 new MAC", StateReachable, O, mac2, StateStale, mac2, false},
		{"REACHABLE O=1 S=1 new MAC", StateReachable, S | O, mac2, StateReachable, mac2, false},
		{"STALE S=1 same MAC", StateStale, S, mac1, StateReachable, mac1, false},
		{"STALE S=1 no TLLAO", StateStale, S | none, mac2, StateReachable, mac1, false},
		{"REACHABLE S=0 O=0 same MAC unchanged", StateReachable, 0, mac1, StateReachable, mac1, false},
		{"STALE S=0 O=1 same MAC unchanged", StateStale, O, mac1, StateStale, mac1, false},
		{"router flag set", StateStale, S | O | R, mac1, StateReachable, mac1, true},
		{"router flag not set on ignored MAC", StateStale, R, mac2, StateStale, mac1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newCache(t)
			start(t, c, clk, ip6, tt.from)
			describe(c.Input(nil, ip6, tt.mac, NeighborAdvert, tt.flags))
			wantState(t, c, ip6, tt.want, tt.wmac)
			if e, _ := c.Get(ip6); e.Router != tt.router {
				t.Fatalf("Get(%v).Router = %v, want %v", ip6, e.Router, tt.router)
			}
		})
	}
}

// TestNDPRouterFlagCleared: an NA without R from a known router makes it a
// host (RFC 4861 §7.2.5 last paragraph).
func TestNDPRouterFlagCleared(t *testing.T) {
	c, _ := newCache(t)
	c.Input(nil, ip6, mac1, RouterAdvert, 0)
	if e, _ := c.Get(ip6); e.State != StateStale || !e.Router {
		t.Fatalf("after RA: Get(%v) = %v router=%v, want STALE router=true", ip6, e.State, e.Router)
	}
	c.Input(nil, ip6, mac1, NeighborAdvert, FlagSolicited)
	if e, _ := c.Get(ip6); e.State != StateReachable || e.Router {
		t.Fatalf("after NA R=0: Get(%v) = %v router=%v, want REACHABLE router=false", ip6, e.State, e.Router)
	}
}

// TestNDPSolicit covers ndisc_recv_ns: only solicitations for our
// addresses with a source link-layer address teach the sender's MAC.
func TestNDPSolicit(t *testing.T) {
	tests := []struct {
		name      string
		from      State
		flags     Flags
		mac       header.MAC
		want      State
		wmac      header.MAC
		mcast, uc uint64
	}{
		{"for us, multicast, SLLAO", StateNone, FlagTarget, mac1, StateStale, mac1, 1, 0},
		{"for us, unicast, SLLAO", StateNone, FlagTarget | FlagUnicast, mac1, StateStale, mac1, 0, 1},
		{"for us, no SLLAO", StateNone, FlagTarget | FlagUnicast | FlagNoLinkAddr, mac1, StateNone, header.MAC{}, 0, 1},
		{"not for us", StateNone, 0, mac1, StateNone, header.MAC{}, 0, 0},
		{"resolves INCOMPLETE", StateIncomplete, FlagTarget, mac1, StateStale, mac1, 1, 0},
		{"overrides REACHABLE", StateReachable, FlagTarget, mac2, StateStale, mac2, 1, 0},
		{"same MAC keeps REACHABLE", StateReachable, FlagTarget, mac1, StateReachable, mac1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newCache(t)
			start(t, c, clk, ip6, tt.from)
			describe(c.Input(nil, ip6, tt.mac, NeighborSolicit, tt.flags))
			wantState(t, c, ip6, tt.want, tt.wmac)
			st := c.Stats(IPv6)
			if st.RcvProbesMcast != tt.mcast || st.RcvProbesUcast != tt.uc {
				t.Fatalf("rcv_probes mcast/ucast = %d/%d, want %d/%d", st.RcvProbesMcast, st.RcvProbesUcast, tt.mcast, tt.uc)
			}
		})
	}
}

// TestNDPZone: a zone on a link-local address does not split entries.
func TestNDPZone(t *testing.T) {
	c, _ := newCache(t)
	ll := netip.MustParseAddr("fe80::1")
	c.Input(nil, ll.WithZone("eth0"), mac1, RouterAdvert, 0)
	settle(c)
	if mac, _, ok := c.Lookup(ll); !ok || mac != mac1 {
		t.Fatalf("Lookup(%v) = %v, %v, want %v, true", ll, mac, ok, mac1)
	}
}
