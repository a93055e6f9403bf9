// Package daemon is govrfd: one control plane, the data plane over it,
// the kernel ports its packet and tap links stand for, the API socket
// through which govrf configures it, and the configuration file that
// survives it.
//
// Requests run one at a time through the same command line as offline
// govrf, so the daemon and `govrf -batch` agree on every answer. After a
// request that changed the state the daemon opens or closes ports to
// match the links, then appends the change to the configuration file's
// journal (persist.go).
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/hoststack"
)

// Config says where the daemon listens and keeps its configuration.
type Config struct {
	Socket     string // the API socket
	ConfigFile string // the persisted configuration; "" keeps none
	// StateFile keeps the settings packet ports changed on their
	// interfaces, as they were, so that a daemon killed before it gave
	// them back gives them back at its next start; "" means
	// DefaultStateFile(Socket).
	StateFile string
	// HostStacks gives every L3 domain a host stack
	// (docs/hoststacks.md): a network namespace in NetnsDir ("" for
	// /run/netns) where programs run with `govrf vrf exec`. It needs
	// root.
	HostStacks bool
	NetnsDir   string
	// Group, a group name or number, owns the socket: its members may
	// configure the router. "" keeps the daemon's own group.
	Group string
	// Kernel is the Linux build whose answers the router gives where
	// builds differ (control.Kernel).
	Kernel control.Kernel
	// Metrics, a host:port, serves Prometheus metrics at /metrics
	// (internal/metrics); "" serves none.
	Metrics string
	// FastPath runs the eBPF fast path on packet ports
	// (docs/fastpath.md): "auto" or "tc" at tcx ingress, "xdp" in the
	// driver; "off" or "" runs the Go data path alone.
	FastPath string
}

// Daemon is a running router. Its exported methods are safe for
// concurrent use.
type Daemon struct {
	cfg   Config
	ctl   *control.Control
	plane *dataplane.Plane
	ln    net.Listener
	pol   api.Policy
	open  opener
	feed  *feed // changes for `monitor` clients (monitor.go)

	mu     sync.Mutex     // serialises requests: one writer
	ports  map[int]owned  // attached ports by link index
	stacks map[int]*stack // host stacks by VRF index, 0 the default VRF
	// stackFails holds each failing host stack's last error by VRF
	// name, so that a failure is told once (stackFailed).
	stackFails map[string]string
	// stackWanted holds the VRFs whose host stack has been asked for;
	// adopted is set once leftover namespaces have been (stackwant.go).
	stackWanted map[int]bool
	adopted     bool
	// locks hold the socket and the namespace directory for this
	// daemon while it runs (takeLocks).
	locks []*os.File
	state *stateFile // the packet ports' journal (Config.StateFile)
	disk  *store     // the configuration file and its journal (persist.go)
	// saved is the snapshot generation last made durable (metrics.go).
	saved     atomic.Uint64
	metricsLn net.Listener // Config.Metrics's, if any
	fp        *fastPath    // nil without a fast path
	traceFP   traceHold    // the fast path kept aside while a trace runs
	bgp       BGPSpeaker   // the BGP EVPN speaker, once Run has made it (bgp.go)
}

// New builds the daemon: loads ConfigFile if it exists, opens the ports
// its links name and creates the socket. A configuration that does not
// load makes New fail with the file and line, leaving the file as it
// is. A port that cannot be opened at start is logged, not fatal: its
// link stays configured, since the interface may yet appear, and later
// changes try it again.
func New(cfg Config) (*Daemon, error) {
	return newDaemon(cfg, nil)
}

func newDaemon(cfg Config, open opener) (_ *Daemon, err error) {
	if cfg.StateFile == "" {
		cfg.StateFile = DefaultStateFile(cfg.Socket)
	}
	d := &Daemon{cfg: cfg, ctl: control.NewFor(cfg.Kernel), open: open, ports: map[int]owned{}, stacks: map[int]*stack{}}
	if d.open == nil {
		d.open = d.openKernelPort
	}
	if d.locks, err = takeLocks(cfg); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			releaseLocks(d.locks)
			d.disk.close()
		}
	}()
	if d.state, err = openState(cfg.StateFile); err != nil {
		return nil, err
	}
	d.feed = newFeed(d.ctl)
	defer bulkLoad()(bulkReturn) // a start's load may be large: its garbage goes back
	if cfg.ConfigFile != "" {
		if err := d.load(); err != nil {
			return nil, err
		}
		d.noteSaved()
	} else {
		slog.Info("no configuration file: changes are not kept")
	}
	if err := d.startFastPath(); err != nil {
		return nil, err
	}
	d.plane = dataplane.New(d.ctl, nil, dataplane.Config{NeighWatch: d.neighChanged})
	gid, err := groupID(cfg.Group)
	if err != nil {
		return nil, err
	}
	ln, err := api.Listen(cfg.Socket, gid)
	if err != nil {
		return nil, err
	}
	if d.pol, err = api.PolicyFor(cfg.Socket); err != nil {
		ln.Close()
		return nil, err
	}
	d.ln = ln
	if err := d.openMetrics(); err != nil {
		ln.Close()
		return nil, err
	}
	d.reconcile(nil)
	d.state.restoreLeftovers(func(ifname string, ifindex int) bool {
		for _, o := range d.ports {
			if o.port != nil && o.key.kind == control.KindPacket && o.key.device == ifname && o.ifindex == ifindex {
				return true
			}
		}
		return false
	})
	for _, err := range d.syncStacks() {
		if f, ok := err.(*stackFailure); ok {
			slog.Warn("host stack cannot follow the configuration", "vrf", f.vrf, "err", f.err)
		} else {
			slog.Warn("host stack", "err", err)
		}
	}
	return d, nil
}

// Control returns the daemon's control plane, for embedding and tests.
func (d *Daemon) Control() *control.Control { return d.ctl }

// Run runs the data plane and serves the API until ctx ends; then it
// closes every port (packet ports give their interface's settings
// back, TAP devices go away) and removes the socket.
func (d *Daemon) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	netns := ""
	if d.cfg.HostStacks {
		netns = d.cfg.NetnsDir
		if netns == "" {
			netns = hoststack.DefaultNetnsDir
		}
	}
	slog.Info("govrfd serving", "pid", os.Getpid(), "socket", d.cfg.Socket, "config", d.cfg.ConfigFile,
		"state", d.cfg.StateFile, "host_stacks", d.cfg.HostStacks, "netns_dir", netns)
	// The data plane outlives ctx until the BGP speaker has stopped, so
	// that the speaker's NOTIFICATIONs leave (runBGP).
	planeCtx, planeStop := context.WithCancel(context.WithoutCancel(ctx))
	defer planeStop()
	planeDone := make(chan error, 1)
	go func() { planeDone <- d.plane.Run(planeCtx) }()
	go d.watchStacks(ctx)
	feedDone := make(chan struct{})
	go func() { d.feed.run(ctx); close(feedDone) }()
	metricsDone := d.serveMetrics(ctx)
	fpDone := d.runFastPath(ctx)
	// The speaker stops first, while the data plane still carries its
	// NOTIFICATIONs: its neighbours withdraw at once, not at the end of
	// their hold time.
	bgpCtx, bgpStop := context.WithCancel(planeCtx)
	bgpDone := make(chan struct{})
	go func() { d.runBGP(bgpCtx); close(bgpDone) }()
	err := api.Serve(ctx, d.ln, d.pol, d.handle, d.stream, d.batch)
	if err != nil {
		slog.Error("govrfd stopping: the API server failed", "err", err)
	} else {
		slog.Info("govrfd stopping", "reason", context.Cause(ctx))
	}
	bgpStop()
	<-bgpDone
	cancel() // the server failed, or ctx ended: the data plane stops too
	planeStop()
	d.ln.Close()
	<-planeDone
	<-feedDone
	<-metricsDone
	<-fpDone
	d.disk.close()
	d.mu.Lock()
	defer d.mu.Unlock()
	ports, stacks := d.releaseAll(), len(d.stacks)
	d.stopFastPath()
	d.closeStacks()
	releaseLocks(d.locks)
	slog.Info("govrfd stopped", "ports_closed", ports, "stacks_removed", stacks, "socket_removed", d.cfg.Socket)
	return err
}

// handle runs one request on the control plane and brings ports and the
// configuration file up to date with what it changed.
func (d *Daemon) handle(req api.Request) api.Response {
	if cli.Batch(req.Argv) != "" {
		return api.Response{Stderr: "Error: -batch comes with its file's lines, which this client did not send; use a govrf as new as govrfd, or run the file offline: govrf -offline -batch FILE.\n", Code: 1}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(req.Argv) == 1 && req.Argv[0] == "save" {
		if err := d.save(); err != nil {
			return api.Response{Stderr: d.unsaved("the configuration is not saved", err), Code: 2}
		}
		d.noteSaved()
		return api.Response{}
	}
	d.wantStackFor(req.Argv)
	var stdout, stderr strings.Builder
	before := d.ctl.Snapshot()
	code := cli.RunWith(d.ctl, planeView{d}, req.Argv, &stdout, &stderr)
	published := d.ctl.Snapshot().Gen() != before.Gen()
	if published {
		d.changed(req.Argv) // before the link del reconcile may run
		code = d.settle(before, &stderr, code)
	}
	if d.fp != nil {
		if published {
			d.plane.SyncLinks(d.ctl.Snapshot())
		}
		d.fp.sync(published)
	}
	resp := api.Response{Stdout: stdout.String(), Stderr: stderr.String(), Code: code}
	if _, ok := cli.VRFExec(req.Argv); ok && code == 0 {
		resp = withNetns(resp)
	}
	return resp
}

// settle brings ports, the configuration file and host stacks up to
// date after a request changed the state from before, and returns the
// request's exit code, code unless one of them failed, which stderr
// then tells. d.mu is held.
func (d *Daemon) settle(before *control.Snapshot, stderr *strings.Builder, code int) int {
	for _, err := range d.reconcile(before) {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		code = 2
	}
	if err := d.commit(); err != nil {
		stderr.WriteString(d.unsaved("the changes are made but not saved", err))
		code = 2
	} else {
		d.noteSaved()
	}
	for _, err := range d.syncStacks() {
		if msg, ok := stackFailed(err); ok {
			stderr.WriteString(msg)
			code = 2
		}
	}
	return code
}

// withNetns adds to the answer of `vrf exec` the host stack's namespace
// it names, open: the client enters the namespace through the file, so
// that `vrf exec` works whatever mount namespace the daemon runs in (`ip
// netns exec`, systemd's PrivateMounts=), where the path names nothing
// for the client.
func withNetns(resp api.Response) api.Response {
	path := strings.TrimSuffix(resp.Stdout, "\n")
	f, err := os.Open(path)
	if err != nil {
		return api.Response{Stderr: fmt.Sprintf("Error: cannot open the host stack's namespace: %v\n", err), Code: 2}
	}
	resp.Files = []*os.File{f}
	return resp
}

// groupID resolves Config.Group: a group name, or a number; -1 for "".
func groupID(group string) (int, error) {
	if group == "" {
		return -1, nil
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		if g, err = user.LookupGroupId(group); err != nil {
			return 0, fmt.Errorf("socket group %q: %w", group, err)
		}
	}
	return strconv.Atoi(g.Gid)
}
