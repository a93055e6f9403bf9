package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/govrf/govrf/internal/buildinfo"
	"github.com/govrf/govrf/internal/control"
)

// Main is govrfd's command line: `govrfd [-socket PATH] [-config FILE]
// [-state FILE] [-log-format text|json] [-group NAME] [-host-stacks=BOOL]
// [-netns-dir DIR] [-ipv6-mroute yes|no|auto] [-metrics ADDR]
// [-fastpath auto|tc|xdp|off]`, or `govrfd -version`. It
// runs the daemon until SIGTERM or SIGINT and returns the exit code. Both
// cmd/govrfd and the govrf binary's daemon mode (used by `govrf demo`, so
// that one binary suffices) call it.
func Main(args []string, stderr io.Writer) int {
	return mainIO(args, os.Stdout, stderr)
}

// mainIO is Main, with -version's answer written to stdout.
func mainIO(args []string, stdout, stderr io.Writer) int {
	var cfg Config
	fs := flag.NewFlagSet("govrfd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Socket, "socket", "/run/govrf/govrf.sock", "the API socket")
	fs.StringVar(&cfg.ConfigFile, "config", "/etc/govrf/govrf.conf", "the persisted configuration")
	fs.StringVar(&cfg.StateFile, "state", "", "where packet ports keep the interface settings they change, to give them back after a crash (default: the socket's path, .sock replaced by .state)")
	fs.BoolVar(&cfg.HostStacks, "host-stacks", os.Geteuid() == 0, "give every VRF a host stack, for 'govrf vrf exec' (needs root)")
	fs.StringVar(&cfg.NetnsDir, "netns-dir", "", "where host stacks' namespaces are named (default /run/netns)")
	fs.StringVar(&cfg.Group, "group", "", "the group that owns the socket; its members may configure the router")
	fs.StringVar(&cfg.Metrics, "metrics", "", "serve Prometheus metrics at http://ADDR/metrics (host:port; keep it on loopback, e.g. 127.0.0.1:9477)")
	fs.StringVar(&cfg.FastPath, "fastpath", "off", "forward in the kernel with the eBPF fast path on packet ports: auto (tc), tc, xdp or off (docs/fastpath.md)")
	mroute := fs.String("ipv6-mroute", "auto", "answer as a kernel with CONFIG_IPV6_MROUTE: yes, no, or auto (as the running kernel)")
	logFormat := fs.String("log-format", "text", "the log's format on standard error: text (key=value) or json")
	version := fs.Bool("version", false, "print govrfd's version and VCS revision, and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "govrfd", buildinfo.String())
		return 0
	}
	switch *logFormat {
	case "text", "json":
		slog.SetDefault(newLogger(stderr, *logFormat == "json"))
	default:
		fmt.Fprintf(stderr, "govrfd: -log-format %q: want text or json\n", *logFormat)
		return 2
	}
	cfg.Kernel = control.HostKernel()
	switch *mroute {
	case "yes":
		cfg.Kernel.IPv6MRoute = true
	case "no":
		cfg.Kernel.IPv6MRoute = false
	case "auto":
	default:
		fmt.Fprintf(stderr, "govrfd: -ipv6-mroute %q: want yes, no or auto\n", *mroute)
		return 2
	}
	if _, _, err := parseFastPath(cfg.FastPath); err != nil {
		fmt.Fprintf(stderr, "govrfd: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	d, err := New(cfg)
	if err == nil {
		err = d.Run(ctx)
	}
	if err != nil && ctx.Err() == nil {
		// Plainly, as the last word of a daemon that did not start.
		fmt.Fprintln(stderr, "govrfd:", err)
		return 1
	}
	return 0
}
