package difftest

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// Answer is what one side said to a `route get`: the fields the test
// compares, read from `-j` output, or the error text.
type Answer struct {
	Err      string // the error lines ("RTNETLINK answers: ..."); "" on success
	Type     string // "unicast" when ip prints none
	Dev      string
	Gateway  string
	Table    string // "main" when ip prints none
	PrefSrc  string
	Nexthops []Hop // the matched multipath route's paths (fibmatch only)
}

// Hop is one path of a multipath route.
type Hop struct{ Gateway, Dev string }

// String formats the answer compactly for failure messages.
func (a Answer) String() string {
	if a.Err != "" {
		return fmt.Sprintf("error %q", a.Err)
	}
	s := fmt.Sprintf("%s dev %s", a.Type, a.Dev)
	if a.Gateway != "" {
		s += " via " + a.Gateway
	}
	s += " table " + a.Table
	if a.PrefSrc != "" {
		s += " src " + a.PrefSrc
	}
	return s
}

// routeJSON is the part of an `ip -j route get` object the test reads.
type routeJSON struct {
	Type     string `json:"type"`
	Dev      string `json:"dev"`
	Gateway  string `json:"gateway"`
	Table    string `json:"table"`
	PrefSrc  string `json:"prefsrc"`
	Nexthops []struct {
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	} `json:"nexthops"`
}

// parseAnswer reads one `ip -j route get` output ("[{...}]").
func parseAnswer(doc []byte) (Answer, error) {
	var rs []routeJSON
	if err := json.Unmarshal(doc, &rs); err != nil {
		return Answer{}, fmt.Errorf("route get output %q: %v", doc, err)
	}
	if len(rs) != 1 {
		return Answer{}, fmt.Errorf("route get output %q: want one route", doc)
	}
	r := rs[0]
	a := Answer{Type: r.Type, Dev: r.Dev, Gateway: r.Gateway, Table: r.Table, PrefSrc: r.PrefSrc}
	if a.Type == "" {
		a.Type = "unicast"
	}
	if a.Table == "" {
		a.Table = "main"
	}
	for _, h := range r.Nexthops {
		a.Nexthops = append(a.Nexthops, Hop{h.Gateway, h.Dev})
	}
	return a, nil
}

// errText normalises an error output: its non-empty lines, joined.
func errText(stderr string) string {
	var lines []string
	for l := range strings.SplitSeq(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, " / ")
}

// symbolic replaces a side's link-local addresses in an answer with their
// symbolic names, so that answers of the two sides compare.
func (a Answer) symbolic(ll map[string]netip.Addr) Answer {
	sym := func(s string) string {
		for name, addr := range ll {
			if s == addr.String() {
				return name
			}
		}
		return s
	}
	a.Gateway, a.PrefSrc = sym(a.Gateway), sym(a.PrefSrc)
	return a
}

// diff returns the names of the fields in which linux and govrf differ.
func diff(linux, govrf Answer) []string {
	if linux.Err != "" || govrf.Err != "" {
		if linux.Err != govrf.Err {
			return []string{"error"}
		}
		return nil
	}
	var d []string
	for _, f := range []struct{ name, l, g string }{
		{"type", linux.Type, govrf.Type},
		{"dev", linux.Dev, govrf.Dev},
		{"gateway", linux.Gateway, govrf.Gateway},
		{"table", linux.Table, govrf.Table},
		{"prefsrc", linux.PrefSrc, govrf.PrefSrc},
	} {
		if f.l != f.g {
			d = append(d, f.name)
		}
	}
	return d
}

// multipathOK reports whether a disagreement confined to the chosen path
// is explained by multipath hashing: Linux keys its flow hash with a
// random secret (per boot, unless fib_multipath_hash_seed is set), so any
// path of the matched route is a right answer (and the preferred source
// follows the path's device). shown returns the gateway Linux reports
// for a path, when known (see Linux.shownGateways).
func multipathOK(d []string, linux, govrf Answer, hops []Hop, shown func(Hop) (string, bool)) bool {
	if len(hops) < 2 {
		return false
	}
	for _, f := range d {
		if f != "gateway" && f != "dev" && f != "prefsrc" {
			return false
		}
	}
	// Multicast and broadcast answers drop the gateway of a short
	// (default-like) route, whatever path was taken (__mkroute_output).
	group := (linux.Type == "multicast" || linux.Type == "broadcast") && linux.Gateway == ""
	return onPath(linux, hops, shown, true) && onPath(govrf, hops, shown, group)
}

// onPath reports whether a took one of the paths. With anyGateway, an
// answer without a gateway may take any path through its device: Linux's
// own answer matched this route, and Linux hides a local gateway.
func onPath(a Answer, hops []Hop, shown func(Hop) (string, bool), anyGateway bool) bool {
	for _, h := range hops {
		if a.Dev != h.Dev {
			continue
		}
		want, ok := shown(h)
		if !ok {
			want = h.Gateway
		}
		if a.Gateway == want || anyGateway && a.Gateway == "" {
			return true
		}
	}
	return false
}
