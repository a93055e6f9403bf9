package dataplane

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/sim"
)

// reflector is a Waiter port whose far end answers an IPv4 echo request
// the moment it is written, as a veth peer's kernel does within the
// send, and whose Wait never returns before Close: only a worker that
// follows the port after writing to it reads the answer.
type reflector struct {
	*mem.Port // for the names and sizes; never read or written
	mu        sync.Mutex
	queue     [][]byte
	closed    chan struct{}
	once      sync.Once
}

var _ port.Waiter = (*reflector)(nil)

func (r *reflector) Write(bufs [][]byte, offset int) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range bufs {
		f := append([]byte(nil), b[offset:]...)
		if len(f) < header.EthernetLen+20+8 || binary.BigEndian.Uint16(f[12:]) != header.EtherTypeIPv4 || f[14+9] != 1 || f[14+20] != 8 {
			continue // not an IPv4 echo request
		}
		var mac [6]byte
		copy(mac[:], f[:6])
		copy(f[:6], f[6:12])
		copy(f[6:12], mac[:])
		var addr [4]byte
		copy(addr[:], f[14+12:14+16])
		copy(f[14+12:14+16], f[14+16:14+20])
		copy(f[14+16:14+20], addr[:])
		icmp := f[14+20:]
		icmp[0] = 0 // echo reply
		binary.BigEndian.PutUint16(icmp[2:], header.UpdateChecksum(binary.BigEndian.Uint16(icmp[2:]), 0x0800, 0))
		r.queue = append(r.queue, f)
	}
	return len(bufs), nil
}

func (r *reflector) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(bufs) && len(r.queue) > 0 {
		sizes[n] = copy(bufs[n][offset:], r.queue[0])
		r.queue = r.queue[1:]
		n++
	}
	return n, nil
}

func (r *reflector) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if err := r.Wait(); err != nil {
		return 0, err
	}
	return r.TryRead(bufs, sizes, offset)
}

func (r *reflector) Wait() error {
	<-r.closed
	return port.ErrClosed
}

func (r *reflector) Close() error {
	r.once.Do(func() { close(r.closed) })
	return nil
}

// TestRunFollows: the answer to a frame sent on a port whose own reader
// never wakes is read and forwarded by the worker that sent the frame.
func TestRunFollows(t *testing.T) {
	n := sim.NewNetwork(sim.Concurrent)
	defer n.Close()
	ctl := control.New()
	l := &lab{t: t, ctl: ctl, net: n, dp: New(ctl, nil, Config{})}
	l.run("link add name a type vrf table 10", "link set dev a up", "sysctl -w net.ipv4.ip_forward=1")
	l.run(vrfPort("ra1", "a", "192.168.1.1/24")...)
	l.run(vrfPort("ra2", "a", "192.168.2.1/24")...)
	l.run("neigh add 192.168.2.10 lladdr 02:00:00:00:00:99 dev ra2 nud permanent")
	a1 := l.host("ra1", hostCfg("a1", "1"))
	far, _ := mem.Pair(mem.Config{Name: "ra2", MAC: l.mac("ra2"), MTU: 1500}, mem.Config{Name: "peer"})
	refl := &reflector{Port: far, closed: make(chan struct{})}
	if err := l.dp.Attach(l.index("ra2"), refl); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.dp.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}()
	for range 3 {
		ping(t, a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	}
}
