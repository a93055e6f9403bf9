package bgp

import (
	"errors"
	"log/slog"
	"net/rpc"
	"os/exec"
	"sync/atomic"
	"time"

	"github.com/govrf/govrf/internal/control"
)

// remote is GoBGP in a child process started in the underlay's
// namespace (child.go), driven over net/rpc.
type remote struct {
	c    *rpc.Client
	cmd  *exec.Cmd
	log  *slog.Logger
	dead atomic.Bool
}

var _ gobgp = (*remote)(nil)

// startRemote starts the child in netns and GoBGP in it with o; poke is
// called whenever a best path or a session changes there.
func startRemote(netns string, o StartOpts, log *slog.Logger, poke func()) (*remote, error) {
	conn, cmd, err := spawn(netns)
	if err != nil {
		return nil, err
	}
	r := &remote{c: rpc.NewClient(conn), cmd: cmd, log: log}
	if err := r.c.Call("Child.Start", o, nil); err != nil {
		r.stop()
		return nil, err
	}
	go func() {
		for {
			if err := r.c.Call("Child.Wait", struct{}{}, nil); err != nil {
				r.dead.Store(true)
				poke()
				return
			}
			poke()
		}
	}()
	return r, nil
}

// call makes an RPC; a broken connection marks the child dead.
func (r *remote) call(method string, args, reply any) error {
	err := r.c.Call(method, args, reply)
	if errors.Is(err, rpc.ErrShutdown) {
		r.dead.Store(true)
	}
	return err
}

func (r *remote) alive() bool { return !r.dead.Load() }

func (r *remote) setNeighbors(ns []control.BGPNeighbor) {
	if err := r.call("Child.SetNeighbors", ns, nil); err != nil {
		r.log.Warn("bgp: setting the neighbors", "err", err)
	}
}

func (r *remote) advertise(rt Route) error { return r.call("Child.Advertise", toWire(rt), nil) }
func (r *remote) withdraw(rt Route) error  { return r.call("Child.Withdraw", toWire(rt), nil) }

func (r *remote) received() ([]received, error) {
	var ws []WireReceived
	if err := r.call("Child.Received", struct{}{}, &ws); err != nil {
		return nil, err
	}
	rs := make([]received, 0, len(ws))
	for _, w := range ws {
		rt, err := fromWire(w.Route)
		if err != nil {
			return nil, err
		}
		rs = append(rs, received{Route: rt, Peer: w.Peer, Best: w.Best})
	}
	return rs, nil
}

func (r *remote) peers() ([]Neighbor, error) {
	var ns []Neighbor
	err := r.call("Child.Peers", struct{}{}, &ns)
	return ns, err
}

// stop stops GoBGP in the child, then the child: closing the socket
// ends it; one that does not end within 5 seconds is killed.
func (r *remote) stop() {
	r.call("Child.Stop", struct{}{}, nil)
	r.c.Close()
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		r.cmd.Process.Kill()
		<-done
	}
}
