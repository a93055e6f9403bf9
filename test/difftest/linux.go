package difftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Linux is a fresh network namespace configured with ip. Its dummy links
// are veths whose peers sit, up, in a second namespace (see the package
// comment).
type Linux struct {
	ns, sink string
}

// NewLinux creates the namespaces name and name+"-sink". The caller must
// Close it.
func NewLinux(name string) (*Linux, error) {
	l := &Linux{ns: name, sink: name + "-sink"}
	for _, ns := range []string{l.ns, l.sink} {
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			l.Close()
			return nil, fmt.Errorf("ip netns add %s: %v: %s", ns, err, out)
		}
	}
	// A dummy device is IFF_NOARP and never runs duplicate address
	// detection; keep the veths' addresses usable at once as well.
	if err := l.sysctl("net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Close deletes the namespaces (and with them the veth pairs).
func (l *Linux) Close() error {
	var errs []error
	for _, ns := range []string{l.ns, l.sink} {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil &&
			!strings.Contains(string(out), "No such file") {
			errs = append(errs, fmt.Errorf("ip netns del %s: %v: %s", ns, err, out))
		}
	}
	return errors.Join(errs...)
}

// sysctl sets KEY=VALUE assignments in the namespace, through /proc/sys
// (so that no sysctl binary is needed).
func (l *Linux) sysctl(assign ...string) error {
	for _, kv := range assign {
		k, v, _ := strings.Cut(kv, "=")
		path := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
		out, err := exec.Command("ip", "netns", "exec", l.ns, "sh", "-c", `echo "$1" > "$2"`, "sh", v, path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("sysctl -w %s: %v: %s", kv, err, out)
		}
	}
	return nil
}

// Apply runs the configuration commands and returns, for each, the error
// text ("" when Linux accepted it). Consecutive commands of one family run
// as one `ip -force -batch`.
func (l *Linux) Apply(cmds []Cmd) ([]string, error) {
	res := make([]string, len(cmds))
	for i := 0; i < len(cmds); {
		c := cmds[i]
		if kv, ok := c.isSysctl(); ok {
			if err := l.sysctl(kv); err != nil {
				res[i] = err.Error()
			}
			i++
			continue
		}
		if name, ok := c.isLinkAdd(); ok {
			res[i] = l.addDummy(name)
			i++
			continue
		}
		j := i + 1
		for j < len(cmds) && cmds[j].Family == c.Family && !cmds[j].special() {
			j++
		}
		lines := make([][]string, j-i)
		for k := range lines {
			lines[k] = cmds[i+k].Words
		}
		errs, _, err := l.batch(c.Family, false, lines)
		if err != nil {
			return nil, err
		}
		copy(res[i:j], errs)
		i = j
	}
	return res, nil
}

func (c Cmd) special() bool {
	_, s := c.isSysctl()
	_, d := c.isLinkAdd()
	return s || d
}

// addDummy stands a veth in for a dummy link and brings its peer up.
func (l *Linux) addDummy(name string) string {
	out, err := exec.Command("ip", "-n", l.sink, "link", "add", "p"+name, "type", "veth",
		"peer", "name", name, "netns", l.ns).CombinedOutput()
	if err != nil {
		return errText(string(out))
	}
	if out, err := exec.Command("ip", "-n", l.sink, "link", "set", "p"+name, "up").CombinedOutput(); err != nil {
		return errText(string(out))
	}
	return ""
}

// RouteGet asks every query and returns Linux's answers, each with the
// side's link-local addresses made symbolic.
func (l *Linux) RouteGet(qs []Query, fibmatch bool) ([]Answer, error) {
	ll, err := l.linkLocals()
	if err != nil {
		return nil, err
	}
	lines := make([][]string, len(qs))
	for i, q := range qs {
		lines[i] = q.resolve(ll)
		if fibmatch {
			lines[i] = append(lines[i], "fibmatch")
		}
	}
	errs, docs, err := l.batch(0, true, lines)
	if err != nil {
		return nil, err
	}
	ans := make([]Answer, len(qs))
	for i := range ans {
		if errs[i] != "" {
			ans[i] = Answer{Err: errs[i]}
			continue
		}
		a, err := parseAnswer(docs[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", qs[i], err)
		}
		ans[i] = a.symbolic(ll)
	}
	return ans, nil
}

// path is one path of the route matched by query number query.
type path struct {
	query int
	hop   Hop
}

// shownGateways finds, for each path of each matched multipath route,
// the gateway Linux reports when it takes that path: none when the
// gateway is a local address (the nexthop then has host scope and
// rt_set_nexthop ignores the gateway). It asks the query again bound to
// the path's device (oif), and trusts the answer only if the same route
// matched and the answer identifies the path.
func (l *Linux) shownGateways(qs []Query, routes []Answer) (map[path]string, error) {
	var probes []Query
	var paths []path
	for i, r := range routes {
		for _, h := range r.Nexthops {
			if len(r.Nexthops) > 1 {
				probes = append(probes, boundTo(qs[i], h.Dev))
				paths = append(paths, path{i, h})
			}
		}
	}
	ans, err := l.RouteGet(probes, false)
	if err != nil {
		return nil, err
	}
	matched, err := l.RouteGet(probes, true)
	if err != nil {
		return nil, err
	}
	shown := map[path]string{}
	for j, p := range paths {
		hops := routes[p.query].Nexthops
		if ans[j].Err == "" && ans[j].Dev == p.hop.Dev && slices.Equal(matched[j].Nexthops, hops) &&
			(ans[j].Gateway == p.hop.Gateway || onlyPathVia(hops, p.hop.Dev)) {
			shown[p] = ans[j].Gateway
		}
	}
	return shown, nil
}

// onlyPathVia reports whether exactly one of the paths uses dev, so that
// an answer through dev tells which path was taken.
func onlyPathVia(hops []Hop, dev string) bool {
	n := 0
	for _, h := range hops {
		if h.Dev == dev {
			n++
		}
	}
	return n == 1
}

// boundTo returns q as an output lookup bound to dev: an input query
// keeps only its destination (its source is not ours).
func boundTo(q Query, dev string) Query {
	if slices.Contains(q, "iif") {
		return Query{q[0], "oif", dev}
	}
	out := Query{q[0]}
	for i := 1; i+1 < len(q); i += 2 {
		if q[i] != "oif" {
			out = append(out, q[i], q[i+1])
		}
	}
	return append(out, "oif", dev)
}

// linkLocals returns the kernel-made link-local address of each link, by
// its symbolic name. The kernel adds it when the link's operational state
// turns up, which linkwatch reports asynchronously; so it waits (a
// little) until every up link other than lo has one, as a dummy's would.
func (l *Linux) linkLocals() (map[string]netip.Addr, error) {
	for wait := time.Millisecond; ; wait *= 2 {
		ll, settled, err := l.readLinkLocals()
		if err != nil || settled || wait > time.Second {
			return ll, err
		}
		time.Sleep(wait)
	}
}

// readLinkLocals reads every link's link-local address, and reports the
// namespace settled once each up link has one and each IPv6 address of
// an up link has its local route: addrconf adds both from a work queue
// (addrconf_dad_work, even with nodad), together with the subnet anycast
// route, so a query asked too soon would see a half-made address.
func (l *Linux) readLinkLocals() (ll map[string]netip.Addr, settled bool, err error) {
	out, err := exec.Command("ip", "-n", l.ns, "-j", "addr", "show").Output()
	if err != nil {
		return nil, false, fmt.Errorf("ip -j addr show: %v", err)
	}
	var links []struct {
		Name  string   `json:"ifname"`
		Flags []string `json:"flags"`
		Addrs []struct {
			Local string `json:"local"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		return nil, false, fmt.Errorf("ip -j addr show: %v", err)
	}
	local, err := l.localRoutes6()
	if err != nil {
		return nil, false, err
	}
	ll, settled = map[string]netip.Addr{}, true
	for _, k := range links {
		up := slices.Contains(k.Flags, "UP")
		for _, a := range k.Addrs {
			x, err := netip.ParseAddr(a.Local)
			if err != nil || x.Is4() {
				continue
			}
			if x.IsLinkLocalUnicast() {
				ll[llName(k.Name)] = x
			}
			if up && !local[x] {
				settled = false
			}
		}
		if _, ok := ll[llName(k.Name)]; !ok && k.Name != "lo" && up {
			settled = false
		}
	}
	return ll, settled, nil
}

// localRoutes6 returns the destinations of the IPv6 local routes of the
// local table.
func (l *Linux) localRoutes6() (map[netip.Addr]bool, error) {
	out, err := exec.Command("ip", "-n", l.ns, "-6", "-j", "route", "show", "table", "local", "type", "local").Output()
	if err != nil {
		return nil, fmt.Errorf("ip -6 -j route show table local: %v", err)
	}
	var routes []struct {
		Dst string `json:"dst"`
	}
	if err := json.Unmarshal(out, &routes); err != nil {
		return nil, fmt.Errorf("ip -6 -j route show table local: %v", err)
	}
	m := map[netip.Addr]bool{}
	for _, r := range routes {
		if a, err := netip.ParseAddr(r.Dst); err == nil {
			m[a] = true
		}
	}
	return m, nil
}

var failedLine = regexp.MustCompile(`^Command failed -:(\d+)$`)

// batch runs lines through one `ip -force -batch -` in the namespace and
// returns each line's error text and, with asJSON, each successful line's
// JSON document. ip exits at once on some syntax errors; the lines are
// then run one process each, so every line still gets its answer.
func (l *Linux) batch(family int, asJSON bool, lines [][]string) ([]string, [][]byte, error) {
	args := []string{"-n", l.ns}
	if family != 0 {
		args = append(args, fmt.Sprintf("-%d", family))
	}
	if asJSON {
		args = append(args, "-j")
	}
	var in, stdout, stderr bytes.Buffer
	for _, w := range lines {
		in.WriteString(strings.Join(w, " ") + "\n")
	}
	c := exec.Command("ip", append(args, "-force", "-batch", "-")...)
	c.Stdin, c.Stdout, c.Stderr = &in, &stdout, &stderr
	err := c.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		return l.oneByOne(args, lines)
	}
	errs := make([]string, len(lines))
	var pending []string
	for s := range strings.SplitSeq(stderr.String(), "\n") {
		if m := failedLine.FindStringSubmatch(s); m != nil {
			n, _ := strconv.Atoi(m[1])
			errs[n-1] = errText(strings.Join(pending, "\n"))
			pending = nil
		} else if s != "" {
			pending = append(pending, s)
		}
	}
	if !asJSON {
		return errs, nil, nil
	}
	docs := make([][]byte, len(lines))
	dec := json.NewDecoder(&stdout)
	for i := range docs {
		if errs[i] != "" {
			continue
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return l.oneByOne(args, lines)
		}
		docs[i] = raw
	}
	if _, err := dec.Token(); err != io.EOF {
		return l.oneByOne(args, lines)
	}
	return errs, docs, nil
}

// oneByOne runs each line as its own ip process.
func (l *Linux) oneByOne(args []string, lines [][]string) ([]string, [][]byte, error) {
	errs := make([]string, len(lines))
	docs := make([][]byte, len(lines))
	for i, w := range lines {
		var stdout, stderr bytes.Buffer
		c := exec.Command("ip", append(args, w...)...)
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				return nil, nil, err
			}
			errs[i] = errText(stderr.String())
			if errs[i] == "" {
				errs[i] = err.Error()
			}
			continue
		}
		docs[i] = stdout.Bytes()
	}
	return errs, docs, nil
}
