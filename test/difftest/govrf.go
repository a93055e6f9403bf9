package difftest

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// Govrf is an in-process govrf driven through its CLI, exactly as a user
// (or `govrf -batch`) drives it.
type Govrf struct {
	ctl *control.Control
}

// NewGovrf returns govrf in the state of a fresh network namespace.
func NewGovrf() *Govrf { return &Govrf{ctl: control.New()} }

// run runs one command line and returns its output and error text.
func (g *Govrf) run(args []string) (string, string) {
	var stdout, stderr bytes.Buffer
	if cli.Run(g.ctl, args, &stdout, &stderr) != 0 {
		e := errText(stderr.String())
		if e == "" {
			e = "failed without a message"
		}
		return stdout.String(), e
	}
	return stdout.String(), ""
}

// Apply runs the configuration commands and returns, for each, the error
// text ("" when govrf accepted it).
func (g *Govrf) Apply(cmds []Cmd) []string {
	res := make([]string, len(cmds))
	for i, c := range cmds {
		_, res[i] = g.run(c.Args())
	}
	return res
}

// RouteGet asks every query with `-j route get` and returns govrf's
// answers, each with the link-local addresses made symbolic.
func (g *Govrf) RouteGet(qs []Query) ([]Answer, error) {
	ll := g.linkLocals()
	ans := make([]Answer, len(qs))
	for i, q := range qs {
		out, e := g.run(append([]string{"-j"}, q.resolve(ll)...))
		if e != "" {
			ans[i] = Answer{Err: e}
			continue
		}
		a, err := parseAnswer([]byte(out))
		if err != nil {
			return nil, fmt.Errorf("govrf %s: %v", q, err)
		}
		ans[i] = a.symbolic(ll)
	}
	return ans, nil
}

// linkLocals returns each link's kernel-made link-local address by its
// symbolic name.
func (g *Govrf) linkLocals() map[string]netip.Addr {
	ll := map[string]netip.Addr{}
	s := g.ctl.Snapshot()
	for l := range s.Links() {
		for _, a := range l.Addrs {
			if a.Kernel && a.Prefix.Addr().IsLinkLocalUnicast() {
				ll[llName(l.Name)] = a.Prefix.Addr()
			}
		}
	}
	return ll
}
