package dataplane

import (
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// validateCase is one validation rule (docs/dataplane.md, "What is
// validated"): a frame A1 sends to the seed router's ra1 and what must
// come of it.
type validateCase struct {
	name  string
	setup []string // command lines after the seed's
	v6    *frameSpec
	arp   *arpSpec
	v4    func(s *seedLab) []byte
	// reason is the drop (or, with an answer, the refusal) counted on
	// ra1; none for a case the router takes.
	reason Reason
	answer []string // what A1 receives from the router (answers)
	fwd    bool     // A2 receives the packet
	// stale, when set, is a neighbour of ra1 put in the cache as STALE at
	// another MAC before the frame.
	stale string
	// neigh, when set, is the address whose entry on ra1 must be at
	// peerMAC after the frame exactly when learnt is set.
	neigh  string
	learnt bool
}

// Recurring upper layers and options.
var (
	udpTo = func(dst string) []byte { return udp(ip(vA1), ip(dst), 1, 9, nil) }
	// unreach is the answer of a datagram for the router's closed port.
	unreach = []string{"icmp6 1/4"}
	// na is the answer to a multicast solicitation, naU to a unicast one
	// (no O flag, no target link-layer option), naDAD to duplicate
	// address detection.
	na    = []string{"na RSO tll"}
	naU   = []string{"na RS"}
	naDAD = []string{"na RO tll"}
)

// TestValidate checks each rule govrf validates packets with, as Linux
// does, one case per rule: a refused frame is neither forwarded nor
// answered (unless with the ICMP error Linux sends), teaches ra1's
// neighbour cache nothing, and is counted under its reason; a control
// case is answered or forwarded.
func TestValidate(t *testing.T) {
	var cases []validateCase
	cases = append(cases, ipv6Cases()...)
	cases = append(cases, ndpCases()...)
	cases = append(cases, arpCases()...)
	cases = append(cases, ipv4Cases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runValidateCase(t, tc) })
	}
}

func runValidateCase(t *testing.T, tc validateCase) {
	s := newSeed(t, Config{}, tc.setup...)
	// Resolve the neighbours both ways first (forwarding may be off).
	s.a1.Ping(ip(vA2), sim.Opts{})
	s.a1.Ping(ip("192.168.2.10"), sim.Opts{})
	cache := s.dp.Neighbors(s.index("ra1"))
	other := header.MAC{0x02, 0, 0, 0, 0, 0x99}
	if tc.stale != "" {
		if err := cache.Add(neigh.Static{Addr: ip(tc.stale), MAC: other, State: neigh.StateStale}); err != nil {
			t.Fatal(err)
		}
	}
	var frame []byte
	switch {
	case tc.v6 != nil:
		frame = tc.v6.build(s)
	case tc.arp != nil:
		frame = tc.arp.build(s)
	default:
		frame = tc.v4(s)
	}
	before := s.port("ra1")
	s.a1.ResetCapture()
	s.a2.ResetCapture()
	s.send(s.a1, frame)
	after := s.port("ra1")

	if got := answers(s.a1); !slices.Equal(got, tc.answer) {
		t.Errorf("A1 received %q from the router, want %q", got, tc.answer)
	}
	if n := forwardedTo(s.a2); (n != 0) != tc.fwd || after.Forwarded-before.Forwarded != uint64(n) {
		t.Errorf("A2 received %d, forwarded +%d; want forwarded %v", n, after.Forwarded-before.Forwarded, tc.fwd)
	}
	refused := after.Dropped() + after.AnsweredTotal() - before.Dropped() - before.AnsweredTotal()
	switch {
	case tc.reason == none && refused != 0:
		t.Errorf("%d frames refused, want none (drops %v)", refused, reasonsOf(after.Drops, before.Drops))
	case tc.reason != none:
		r := after.Drops[tc.reason] + after.Answered[tc.reason] - before.Drops[tc.reason] - before.Answered[tc.reason]
		if r != 1 || refused != 1 {
			t.Errorf("%s +%d of %d refusals (drops %v), want 1 of 1", tc.reason, r, refused, reasonsOf(after.Drops, before.Drops))
		}
	}
	if tc.neigh != "" {
		e, ok := cache.Get(ip(tc.neigh))
		if learnt := ok && e.MAC == peerMAC; learnt != tc.learnt {
			t.Errorf("ra1's entry for %s: %+v (present %v), want learnt %v", tc.neigh, e, ok, tc.learnt)
		}
	}
	checkBalance(t, s.dp.Stats())
}

// reasonsOf names the reasons a counter array grew by.
func reasonsOf(after, before [NumReasons]uint64) []string {
	var out []string
	for r := range after {
		if after[r] != before[r] {
			out = append(out, Reason(r).String())
		}
	}
	return out
}
