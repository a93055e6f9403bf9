package sim

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// ticker is a Waker with work every interval.
type ticker struct {
	clock    Clock
	due      time.Time
	interval time.Duration
	at       []time.Duration // when it worked, from the start
	start    time.Time
}

func (k *ticker) Poll() int {
	if now := k.clock.Now(); !now.Before(k.due) {
		k.at = append(k.at, now.Sub(k.start))
		k.due = k.due.Add(k.interval)
		return 1
	}
	return 0
}

func (k *ticker) NextWake() (time.Time, bool) { return k.due, true }

func TestRun(t *testing.T) {
	n := NewNetwork(Stepped)
	defer n.Close()
	start := n.Clock().Now()
	k := &ticker{clock: n.Clock(), due: start.Add(time.Second), interval: 2 * time.Second, start: start}
	n.Add(k)
	n.Run(6 * time.Second)
	if want := []time.Duration{time.Second, 3 * time.Second, 5 * time.Second}; !equal(k.at, want) {
		t.Errorf("Run(6s) woke the node at %v, want %v", k.at, want)
	}
	if got := n.Clock().Now().Sub(start); got != 6*time.Second {
		t.Errorf("Run(6s) moved the clock %v", got)
	}
}

func TestSettle(t *testing.T) {
	n, a, _ := pair(t, Stepped)
	a.mu.Lock()
	a.solicit(b4, a4)
	a.mu.Unlock()
	// b takes the request and answers, a takes the answer.
	if got := n.Settle(); got != 2 {
		t.Errorf("Settle() = %d, want 2", got)
	}
	if _, ok := a.Neighbor(b4); !ok {
		t.Errorf("a.Neighbor(%v) unknown after Settle", b4)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{Stepped: "stepped", Concurrent: "concurrent"} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", m, got, want)
		}
	}
}

func TestAddConcurrentPanics(t *testing.T) {
	n := NewNetwork(Concurrent)
	defer n.Close()
	defer func() {
		if recover() == nil {
			t.Errorf("Add on a concurrent network did not panic")
		}
	}()
	n.Add(&ticker{})
}

// TestConcurrent runs both hosts in their own goroutines and calls them
// from several goroutines at once, for the race detector.
func TestConcurrent(t *testing.T) {
	n, a, b := pair(t, Concurrent)
	if got := n.Mode(); got != Concurrent {
		t.Fatalf("Mode() = %v", got)
	}
	var wg sync.WaitGroup
	for _, c := range []struct {
		from *Host
		dst  netip.Addr
	}{{a, b4}, {a, b6}, {b, a4}, {b, a6}} {
		wg.Go(func() {
			for range 5 {
				if r, err := c.from.Ping(c.dst, Opts{}); err != nil || r.Type != echoReplyType(c.dst) {
					t.Errorf("%s.Ping(%v) = %v, %v, want echo reply", c.from.Name(), c.dst, r, err)
				}
			}
			if r, err := c.from.UDP(netip.AddrPortFrom(c.dst, 7), []byte("x"), Opts{}); err != nil || r.Proto != header.ProtoUDP {
				t.Errorf("%s.UDP(%v) = %v, %v, want the echo", c.from.Name(), c.dst, r, err)
			}
			if r, err := c.from.TCPSyn(netip.AddrPortFrom(c.dst, 22), Opts{}); err != nil || r.Flags != header.TCPFlagSYN|header.TCPFlagACK {
				t.Errorf("%s.TCPSyn(%v) = %v, %v, want SYN|ACK", c.from.Name(), c.dst, r, err)
			}
		})
	}
	wg.Wait()
	start := time.Now()
	if _, err := a.Ping(netip.MustParseAddr("10.0.0.3"), Opts{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrUnresolved) {
		t.Errorf("Ping(10.0.0.3) = %v, want ErrUnresolved", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 50ms timeout took %v", d)
	}
	n.Close()
	if _, err := a.Ping(b4, Opts{}); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Ping after Close = %v, want port.ErrClosed", err)
	}
}

func echoReplyType(dst netip.Addr) uint8 {
	if dst.Is6() {
		return header.ICMPv6EchoReply
	}
	return header.ICMPv4EchoReply
}

// TestCloseWakes closes a concurrent network while a call waits.
func TestCloseWakes(t *testing.T) {
	n, a, _ := pair(t, Concurrent)
	errc := make(chan error)
	go func() {
		_, err := a.Ping(netip.MustParseAddr("10.0.0.3"), Opts{Timeout: time.Hour})
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	n.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, port.ErrClosed) {
			t.Errorf("Ping interrupted by Close = %v, want port.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Ping still waiting after Close")
	}
}

func TestReplyString(t *testing.T) {
	from := netip.MustParseAddr("10.0.0.2")
	for _, c := range []struct {
		r    Reply
		want string
	}{
		{Reply{}, "no reply"},
		{Reply{From: from, Proto: header.ProtoICMP, Type: 3, Code: 3}, "port unreachable from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMP, Type: 3, Code: 2}, "protocol unreachable from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMP, Type: 5, Code: 1}, "icmp type 5 code 1 from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMP, Type: 11, Code: 1}, "icmp type 11 code 1 from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMPv6, Type: 1, Code: 1}, "admin prohibited from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMPv6, Type: 1, Code: 2}, "beyond scope from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMPv6, Type: 1, Code: 3}, "address unreachable from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMPv6, Type: 1, Code: 4}, "port unreachable from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoICMPv6, Type: 3, Code: 1}, "icmpv6 type 3 code 1 from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoTCP, Flags: header.TCPFlagRST}, "tcp RST from 10.0.0.2"},
		{Reply{From: from, Proto: header.ProtoUDP, Data: []byte{1, 2}}, "udp 2 bytes from 10.0.0.2"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.r, got, c.want)
		}
	}
}
