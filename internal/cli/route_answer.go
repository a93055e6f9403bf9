package cli

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// answerMsg turns the answer into the message the kernel would send:
// rt_fill_info (an IPv4 cache entry), rt6_fill_node, or for fibmatch the
// FIB entry itself.
func (g *getReq) answerMsg(s *control.Snapshot, ans *control.RouteAnswer) (routeMsg, error) {
	if g.q.Fibmatch {
		if !ans.Route.Prefix.IsValid() {
			return routeMsg{}, rterr.New(syscall.EHOSTUNREACH, "")
		}
		m := routeMsgOf(s, &ans.Route)
		if m.family == 4 {
			m.table = ans.Table // the table the lookup used (fib_dump_info)
		} else {
			m.iif = ans.Iif
		}
		return m, nil
	}
	if ans.Dst.Is4() {
		return g.answer4(s, ans), nil
	}
	return g.answer6(ans), nil
}

// answer4 is rt_fill_info for the answer.
func (g *getReq) answer4(s *control.Snapshot, ans *control.RouteAnswer) routeMsg {
	m := routeMsg{family: 4, typ: ans.Type, dst: netip.PrefixFrom(ans.Dst, 32), src: ans.From,
		gateway: ans.Gateway, dev: ans.Dev, table: ans.Table, cloned: true, mark: g.q.Mark, iif: ans.Iif}
	if ans.Iif == 0 {
		m.hasUID, m.uid = true, g.uid
		if ans.PrefSrc != ans.From {
			m.prefsrc = ans.PrefSrc
		}
	}
	if g.notify {
		m.flags = []string{"notify"}
	}
	m.cache = cacheFlags(s, ans, g.notify)
	return m
}

// answer6 is rt6_fill_node for the answer: the source is always there
// ("from ::"), the preferred source only for output routes unless the
// route has its own.
func (g *getReq) answer6(ans *control.RouteAnswer) routeMsg {
	src := ans.From
	if !src.IsValid() {
		src = netip.IPv6Unspecified()
	}
	m := routeMsg{family: 6, typ: ans.Type, dst: netip.PrefixFrom(ans.Dst, 128), src: src,
		gateway: ans.Gateway, dev: ans.Dev, table: ans.Table, proto: ans.Route.Proto,
		metric: ans.Route.Metric, hasMetric: true, pref: true, iif: ans.Iif}
	switch {
	case ans.Route.Src.IsValid():
		m.prefsrc = ans.Route.Src
	case ans.Iif == 0:
		m.prefsrc = ans.PrefSrc
	}
	return m
}

// cacheFlags names the RTCF_* flags of an IPv4 answer in print_cache_flags
// order: local, mc, brd, redirect, notify.
func cacheFlags(s *control.Snapshot, ans *control.RouteAnswer, notify bool) []string {
	var f []string
	mc := ans.Type == fib.TypeMulticast
	if ans.Type == fib.TypeLocal || ans.Type == fib.TypeBroadcast ||
		mc && (ans.Iif != 0 || ans.Dst == allHosts) {
		f = append(f, "local")
	}
	if mc {
		f = append(f, "mc")
	}
	if ans.Type == fib.TypeBroadcast {
		f = append(f, "brd")
	}
	if doRedirect(s, ans) {
		f = append(f, "redirect")
	}
	if notify {
		f = append(f, "notify")
	}
	return f
}

// allHosts is 224.0.0.1, which every IPv4 interface joins.
var allHosts = netip.AddrFrom4([4]byte{224, 0, 0, 1})

// doRedirect reports RTCF_DOREDIRECT: a forwarded packet leaving by the
// link it came in on, from a source directly connected there
// (__mkroute_input with shared_media and send_redirects at their
// defaults).
func doRedirect(s *control.Snapshot, ans *control.RouteAnswer) bool {
	if ans.Iif == 0 || ans.Iif != ans.Dev || ans.Type != fib.TypeUnicast || !ans.From.IsValid() {
		return false
	}
	l := s.Link(ans.Dev)
	if l == nil {
		return false
	}
	for _, a := range l.Addrs {
		if a.Is4() && a.Prefix.Masked().Contains(ans.From) {
			return true
		}
	}
	return false
}
