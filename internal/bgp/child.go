package bgp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/rpc"
	"os"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/control"
)

// childEnv marks the process govrfd starts to run GoBGP in the
// underlay's namespace: the same binary, which calls ChildMain.
const childEnv = "GOVRF_BGP_CHILD"

// IsChild reports whether this process is a speaker's child (ChildMain).
func IsChild() bool { return os.Getenv(childEnv) != "" }

// ChildMain runs GoBGP for the speaker that started this process, over
// the socket it inherited as file descriptor 3, until the socket closes
// (the speaker stopped it, or govrfd ended), and returns the exit code.
// The process was started in the underlay's namespace, so every socket
// GoBGP makes, listening or connecting, is there.
func ChildMain() int {
	conn, err := net.FileConn(os.NewFile(3, "bgp"))
	if err != nil {
		slog.Error("bgp child: no socket to its speaker", "err", err)
		return 1
	}
	c := &Child{log: slog.Default().With("process", "bgp"), events: make(chan struct{}, 1), done: make(chan struct{})}
	srv := rpc.NewServer()
	if err := srv.Register(c); err != nil {
		slog.Error("bgp child", "err", err)
		return 1
	}
	srv.ServeConn(conn)
	c.Stop(struct{}{}, nil)
	return 0
}

// Child is the RPC service of a speaker's child process: local's
// methods, over net/rpc.
type Child struct {
	l      *local
	log    *slog.Logger
	events chan struct{} // a best path or a session changed
	done   chan struct{} // closed when GoBGP stops: Wait returns
	once   sync.Once
}

// WireRoute is a Route as it crosses between the processes.
type WireRoute struct {
	Prefix    netip.Prefix
	RD        string
	RTs       []string
	VNI       uint32
	RouterMAC control.MAC
	NextHop   netip.Addr
}

// WireReceived is a received route as it crosses between the processes.
type WireReceived struct {
	Route WireRoute
	Peer  netip.Addr
	Best  bool
}

func toWire(r Route) WireRoute {
	w := WireRoute{Prefix: r.Prefix, RD: r.RD.String(), VNI: r.VNI, RouterMAC: r.RouterMAC, NextHop: r.NextHop}
	for _, t := range r.RTs {
		w.RTs = append(w.RTs, t.String())
	}
	return w
}

func fromWire(w WireRoute) (Route, error) {
	r := Route{Prefix: w.Prefix, VNI: w.VNI, RouterMAC: w.RouterMAC, NextHop: w.NextHop}
	var err error
	if r.RD, err = control.ParseBGPTag(w.RD); err != nil {
		return r, err
	}
	for _, s := range w.RTs {
		t, err := control.ParseBGPTag(s)
		if err != nil {
			return r, err
		}
		r.RTs = append(r.RTs, t)
	}
	return r, nil
}

// Start starts GoBGP.
func (c *Child) Start(o StartOpts, _ *struct{}) error {
	if c.l != nil {
		return errors.New("bgp child: started already")
	}
	l, err := startLocal(context.Background(), o, c.log, func() {
		select {
		case c.events <- struct{}{}:
		default:
		}
	})
	c.l = l
	return err
}

// Wait returns at the next change of a best path or a session, or when
// GoBGP stops: the RPC server waits for the calls under way before it
// lets the child end.
func (c *Child) Wait(_ struct{}, _ *struct{}) error {
	select {
	case <-c.events:
		return nil
	case <-c.done:
		return io.EOF
	case <-time.After(time.Minute):
		return nil
	}
}

// SetNeighbors calls local.setNeighbors.
func (c *Child) SetNeighbors(ns []control.BGPNeighbor, _ *struct{}) error {
	if c.l == nil {
		return errNoServer
	}
	c.l.setNeighbors(ns)
	return nil
}

// Advertise calls local.advertise.
func (c *Child) Advertise(w WireRoute, _ *struct{}) error {
	r, err := fromWire(w)
	if err == nil && c.l == nil {
		err = errNoServer
	}
	if err != nil {
		return err
	}
	return c.l.advertise(r)
}

// Withdraw calls local.withdraw.
func (c *Child) Withdraw(w WireRoute, _ *struct{}) error {
	r, err := fromWire(w)
	if err == nil && c.l == nil {
		err = errNoServer
	}
	if err != nil {
		return err
	}
	return c.l.withdraw(r)
}

// Received calls local.received.
func (c *Child) Received(_ struct{}, out *[]WireReceived) error {
	if c.l == nil {
		return errNoServer
	}
	rs, err := c.l.received()
	for _, r := range rs {
		*out = append(*out, WireReceived{Route: toWire(r.Route), Peer: r.Peer, Best: r.Best})
	}
	return err
}

// Peers calls local.peers.
func (c *Child) Peers(_ struct{}, out *[]Neighbor) error {
	if c.l == nil {
		return errNoServer
	}
	ns, err := c.l.peers()
	*out = ns
	return err
}

// Stop stops GoBGP, each session with a NOTIFICATION, before the
// speaker closes the socket. The RPC server calls methods concurrently:
// only Wait runs beside the speaker's one call at a time.
func (c *Child) Stop(_ struct{}, _ *struct{}) error {
	c.once.Do(func() {
		if c.l != nil {
			c.l.stop()
		}
		close(c.done)
	})
	return nil
}
