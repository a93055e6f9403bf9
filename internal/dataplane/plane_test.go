package dataplane

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/sim"
)

// TestRun forwards with a goroutine per port on the system clock, ports
// attached before and during Run, then stops.
func TestRun(t *testing.T) {
	n := sim.NewNetwork(sim.Concurrent)
	defer n.Close()
	ctl := control.New()
	p := neigh.DefaultParams(neigh.IPv4)
	p.RetransTime = 20 * time.Millisecond
	l := &lab{t: t, ctl: ctl, net: n, dp: New(ctl, nil, Config{Neigh: neigh.Config{IPv4: p, IPv6: p}})}
	l.run("link add name a type vrf table 10", "link set dev a up", "sysctl -w net.ipv4.ip_forward=1",
		"sysctl -w net.ipv6.conf.all.forwarding=1")
	l.run(vrfPort("ra1", "a", "192.168.1.1/24", "2001:db8:1::1/64")...)
	l.run(vrfPort("ra2", "a", "192.168.2.1/24", "2001:db8:2::1/64")...)
	a1 := l.host("ra1", hostCfg("a1", "1"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.dp.Run(ctx) }()
	l.host("ra2", hostCfg("a2", "2"))
	ping(t, a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	if err := l.dp.Run(ctx); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	ping(t, a1, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
	ping(t, a1, "192.168.2.99", sim.Opts{}, "host unreachable from 192.168.1.1") // the timers run too
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	checkBalance(t, l.dp.Stats())
}

// TestAttach checks what Attach refuses and what Detach gives back.
func TestAttach(t *testing.T) {
	l := newLab(t, Config{})
	l.run("link add name a type vrf table 10", "link add name p1 type dummy")
	pt, _ := mem.Pair(mem.Config{Name: "x"}, mem.Config{Name: "y"})
	tests := []struct {
		index int
		want  error
	}{
		{99, ErrNoLink},
		{1, ErrLinkKind},
		{l.index("a"), ErrLinkKind},
		{l.index("p1"), nil},
		{l.index("p1"), ErrAttached},
	}
	for _, tt := range tests {
		if err := l.dp.Attach(tt.index, pt); !errors.Is(err, tt.want) {
			t.Errorf("Attach(%d) = %v, want %v", tt.index, err, tt.want)
		}
	}
	if l.dp.Neighbors(l.index("p1")) == nil {
		t.Errorf("Neighbors(p1) = nil after Attach")
	}
	if got, ok := l.dp.Detach(l.index("p1")); !ok || got != pt {
		t.Errorf("Detach(p1) = %v, %v, want the port", got, ok)
	}
	if _, ok := l.dp.Detach(l.index("p1")); ok {
		t.Errorf("second Detach(p1) = true, want false")
	}
	if l.dp.Neighbors(l.index("p1")) != nil {
		t.Errorf("Neighbors(p1) != nil after Detach")
	}
}

// TestReasonString checks every reason has its own label, the header
// validators' included.
func TestReasonString(t *testing.T) {
	seen := map[string]Reason{}
	for r := Reason(1); r < NumReasons; r++ {
		s := r.String()
		if s == "" || s == "none" {
			t.Errorf("Reason(%d).String() = %q", r, s)
		}
		if o, dup := seen[s]; dup {
			t.Errorf("Reason(%d) and Reason(%d) are both %q", o, r, s)
		}
		seen[s] = r
	}
	if got := ReasonOf(header.ReasonBadChecksum).String(); got != "bad_checksum" {
		t.Errorf("ReasonOf(header.ReasonBadChecksum) = %q, want bad_checksum", got)
	}
	if got := ReasonTTLExceeded.String(); got != "ttl_exceeded" {
		t.Errorf("ReasonTTLExceeded.String() = %q", got)
	}
	if got := NumReasons.String(); got != "reason("+strconv.Itoa(int(NumReasons))+")" {
		t.Errorf("NumReasons.String() = %q, want reason(%d)", got, NumReasons)
	}
}
