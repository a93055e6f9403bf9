package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/hoststack"
)

// mirrorLimit is the largest VRF table a host stack mirrors route by
// route; a larger one is mirrored in part (control.StackRoutes), which
// costs the stack's sockets only the source Linux would have selected
// for the routes left out.
const mirrorLimit = 4096

// stack is the host stack of one L3 domain, as the daemon keeps it.
type stack struct {
	s    *hoststack.Stack
	name string // the VRF's name when it was made; "default"
	// mirrored is what the stack was last synced from: the VRF's table
	// and the domain's addresses, so that changes elsewhere cost nothing.
	table *fib.Table
	addrs string
}

// syncStacks gives every L3 domain that wants one (stackwant.go) a host
// stack, in sync with its addresses and routes, and removes those of
// VRFs that are gone. A
// stack whose namespace was deleted from outside is made again. Failures
// are returned; the domains concerned work on without a stack, the
// router answering for its addresses as a host without listeners. d.mu
// is held (or d is not shared yet).
func (d *Daemon) syncStacks() []error {
	if !d.cfg.HostStacks {
		return nil
	}
	s := d.ctl.Snapshot()
	d.adoptStacks(s)
	d.forgetStacks(s)
	domains := slices.DeleteFunc(s.StackDomains(), func(vrf int) bool { return !d.wanted(vrf) })
	var errs []error
	for vrf, st := range d.stacks {
		if !slices.Contains(domains, vrf) || vrfName(s, vrf) != st.name {
			d.dropStack(vrf)
		}
	}
	fp := fingerprint(s)
	for _, vrf := range domains {
		st := d.stacks[vrf]
		if st != nil {
			if err := st.s.Check(); err != nil {
				slog.Warn("host stack lost, making it again", "vrf", st.name, "err", err)
				d.dropStack(vrf)
				st = nil
			}
		}
		if st == nil {
			var err error
			if st, err = d.makeStack(s, vrf); err != nil {
				errs = append(errs, &stackFailure{vrf: vrfName(s, vrf), err: err})
				continue
			}
		}
		if err := st.sync(s, vrf, fp); err != nil {
			errs = append(errs, &stackFailure{vrf: st.name, err: err})
		}
	}
	fails := map[string]string{}
	for _, err := range errs {
		if f, ok := err.(*stackFailure); ok {
			f.again = d.stackFails[f.vrf] == f.err.Error()
			fails[f.vrf] = f.err.Error()
		}
	}
	d.stackFails = fails
	return errs
}

// stackFailure is a host stack that could not follow the configuration.
// Until it can, every sync tries again: on the next change, and every
// stackCheckInterval.
type stackFailure struct {
	vrf string // the VRF's name; "default"
	err error
	// again is set when the stack failed the same way the last time it
	// was synced: that failure has been told already.
	again bool
}

func (f *stackFailure) Error() string { return fmt.Sprintf("host stack of %s: %v", f.vrf, f.err) }

func (f *stackFailure) Unwrap() error { return f.err }

// stackFailed is what the user is told of a host stack that could not
// follow their change: an error, with exit code 2, that names the VRF,
// says what the kernel of its namespace refused and that the change
// itself is made. A failure that was there before the change is not
// told again; the daemon's log has it.
func stackFailed(err error) (string, bool) {
	f, ok := err.(*stackFailure)
	if ok && f.again {
		return "", false
	}
	who := "the host stack"
	if ok {
		who = fmt.Sprintf("the host stack of %s (`govrf vrf exec %s`)", f.vrf, f.vrf)
		err = f.err
	}
	// What the namespace's kernel refused, one line each.
	if j, ok := errors.Unwrap(err).(interface{ Unwrap() []error }); ok {
		err = j.(error)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Error: the change is made, but %s cannot follow it; govrfd tries again every %v:\n", who, stackCheckInterval)
	for _, l := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	return b.String(), true
}

// makeStack creates the host stack of VRF vrf and attaches it to the
// data plane.
func (d *Daemon) makeStack(s *control.Snapshot, vrf int) (*stack, error) {
	name := vrfName(s, vrf)
	hs, err := hoststack.Create(hoststack.Config{VRF: name, NetnsDir: d.cfg.NetnsDir, TunName: tunName(name), MTU: stackMTU(s)})
	if err != nil {
		return nil, err
	}
	if err := d.plane.AttachStack(vrf, stackPort{hs}); err != nil {
		hs.Close()
		return nil, err
	}
	st := &stack{s: hs, name: name}
	d.stacks[vrf] = st
	slog.Info("host stack created", "vrf", name, "netns", hs.Path())
	return st, nil
}

// dropStack detaches and removes the host stack of VRF vrf.
func (d *Daemon) dropStack(vrf int) {
	st := d.stacks[vrf]
	d.plane.DetachStack(vrf)
	if err := st.s.Close(); err != nil && !errors.Is(err, hoststack.ErrGone) {
		slog.Warn("removing host stack", "vrf", st.name, "err", err)
	} else {
		slog.Info("host stack removed", "vrf", st.name, "netns", st.s.Path())
	}
	delete(d.stacks, vrf)
}

// stackCheckInterval is how often the daemon looks for host stacks
// removed from outside (`ip netns del`), to make them again.
const stackCheckInterval = 2 * time.Second

// watchStacks checks the host stacks every stackCheckInterval until ctx
// ends.
func (d *Daemon) watchStacks(ctx context.Context) {
	if !d.cfg.HostStacks {
		return
	}
	t := time.NewTicker(stackCheckInterval)
	defer t.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		errs := errors.Join(d.syncStacks()...)
		d.mu.Unlock()
		// The same failure every tick is said once.
		if errs != nil && errs.Error() != last {
			slog.Warn("host stacks", "err", errs)
		}
		last = ""
		if errs != nil {
			last = errs.Error()
		}
	}
}

// closeStacks removes every host stack, concurrently: removing a
// namespace waits for the kernel.
func (d *Daemon) closeStacks() {
	var wg sync.WaitGroup
	for vrf, st := range d.stacks {
		d.plane.DetachStack(vrf)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.s.Close(); err != nil && !errors.Is(err, hoststack.ErrGone) {
				slog.Warn("removing host stack", "vrf", st.name, "err", err)
			} else {
				slog.Info("host stack removed", "vrf", st.name, "netns", st.s.Path())
			}
		}()
	}
	wg.Wait()
	clear(d.stacks)
}

// sync brings the stack's addresses and routes in line with snapshot s,
// unless neither its table nor any address changed since the last time.
func (st *stack) sync(s *control.Snapshot, vrf int, fp string) error {
	table := s.Table(fib.TableMain)
	if v := s.Link(vrf); vrf != 0 && v != nil {
		table = s.Table(v.Table)
	}
	if st.table != nil && table == st.table && fp == st.addrs {
		return nil
	}
	routes, complete := s.StackRoutes(vrf, mirrorLimit)
	if !complete && st.table == nil {
		slog.Info("host stack mirrors part of a large table", "vrf", st.name, "limit", mirrorLimit)
	}
	hr := make([]hoststack.Route, 0, len(routes))
	for _, r := range routes {
		hr = append(hr, hoststack.Route{Prefix: r.Prefix, Type: routeType(r.Type), Src: r.Src, Metric: r.Metric})
	}
	addrs := s.StackAddrs(vrf)
	if vrf == 0 {
		// l3mdev accept: the VRFs' addresses are local here too.
		addrs = append(addrs, s.AcceptAddrs()...)
	}
	// Sources of another domain the mirror's routes use.
	addrs = append(addrs, s.StackSrcAddrs(vrf, routes)...)
	if err := st.s.Sync(addrs, hr); err != nil {
		return err
	}
	st.table, st.addrs = table, fp
	return nil
}

// routeType maps a mirrored route's type.
func routeType(t fib.Type) hoststack.RouteType {
	switch t {
	case fib.TypeUnreachable:
		return hoststack.Unreachable
	case fib.TypeProhibit:
		return hoststack.Prohibit
	case fib.TypeBlackhole:
		return hoststack.Blackhole
	}
	return hoststack.Unicast
}

// fingerprint sums up what source selection depends on beyond a table
// — every link's addresses, VRF and state, and the nexthop objects,
// which a table's routes name but which change without it — and whether
// the default stack carries the VRFs' addresses for l3mdev accept.
func fingerprint(s *control.Snapshot) string {
	var b strings.Builder
	sc := s.Sysctl()
	fmt.Fprintf(&b, "accept %v;", sc.TCPL3mdevAccept || sc.UDPL3mdevAccept)
	for l := range s.Links() {
		fmt.Fprintf(&b, "%d %d %v %d;", l.Index, l.Master, l.Up, l.MTU)
		for _, a := range l.Addrs {
			b.WriteString(a.Prefix.String())
			b.WriteByte(' ')
		}
	}
	for _, nh := range s.Nexthops() {
		fmt.Fprintf(&b, "nh %d %d %v %v %v;", nh.ID, nh.Dev, nh.Gateway, nh.Blackhole, nh.Group)
	}
	return b.String()
}

// stackMTU is the MTU of a new host stack's device: the largest of the
// ports', as a socket bound to the VRF may send by any of them, within
// what the data plane reads.
func stackMTU(s *control.Snapshot) int {
	mtu := 1500
	for l := range s.Links() {
		if l.Kind.IsPort() {
			mtu = max(mtu, l.MTU)
		}
	}
	return min(mtu, dataplane.MaxStackMTU)
}

// tunName is the name of the device of VRF name's host stack: the VRF's
// name, but for the two the kernel keeps for its sysctl directories
// (net.ipv4.conf.all, .default).
func tunName(name string) string {
	if name == "all" || name == "default" {
		return name + "-vrf"
	}
	return ""
}

// vrfName names L3 domain vrf as `ip vrf exec` does.
func vrfName(s *control.Snapshot, vrf int) string {
	if vrf == 0 {
		return dataplane.DefaultVRF
	}
	if l := s.Link(vrf); l != nil {
		return l.Name
	}
	return ""
}

// stackPort presents a host stack to the data plane.
type stackPort struct{ *hoststack.Stack }

// Read implements dataplane.Stack.
func (p stackPort) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	return p.ReadBatch(bufs, sizes, offset)
}

// TryRead implements dataplane.StackPoller.
func (p stackPort) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	return p.TryReadBatch(bufs, sizes, offset)
}

var _ dataplane.StackPoller = stackPort{}

// hostStacks lists the host stacks by VRF name, with their namespace
// files, for `vrf show`, `vrf exec`, `vrf identify` and `vrf pids`.
func (d *Daemon) hostStacks() map[string]string {
	out := map[string]string{}
	for _, st := range d.stacks {
		out[st.name] = st.s.Path()
	}
	return out
}
