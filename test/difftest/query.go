package difftest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
)

// specials are addresses with their own rules in the kernel: unspecified,
// limited broadcast, loopback, multicast, link-local, and far away.
var specials = map[int][]netip.Addr{
	4: addrs("0.0.0.0", "255.255.255.255", "127.0.0.1", "127.1.2.3", "224.0.0.5", "224.0.0.1", "8.8.8.8", "169.254.1.1"),
	6: addrs("::", "::1", "ff02::1", "ff05::2", "fe80::1", "fe80::2", "2606:4700::1", "::ffff:10.0.0.1"),
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// Queries returns count random `route get` queries for cfg, configuration
// number n of the series seed. Destinations lean on the pool (local
// addresses, prefix edges and their neighbours, gateways); about 40% are
// input lookups (`iif`).
func Queries(cfg *Config, seed uint64, n, count int) []Query {
	q := querier{r: rand.New(rand.NewPCG(^seed, uint64(n))), p: &cfg.Pool}
	// Flows for the multipath hash come from a stream of their own, so
	// that the other words are what they were without them.
	h := rand.New(rand.NewPCG(^seed, uint64(n)^hashStream))
	out := make([]Query, count)
	for i := range out {
		out[i] = q.query()
		out[i] = flow(h, out[i])
	}
	return out
}

// flow gives a third of the queries that name no protocol one, with
// random ports (the multipath hash of policies 1 and 3 reads them).
// route get takes TCP, UDP and ICMP only (rtm_getroute_parse_ip_proto).
func flow(r *rand.Rand, w Query) Query {
	if slices.Contains(w, "ipproto") || r.IntN(3) > 0 {
		return w
	}
	icmp := "icmp"
	if fam(w) == "ipv6" {
		icmp = "ipv6-icmp"
	}
	w = append(w, "ipproto", pick(r, []string{"tcp", "udp", "udp", icmp}))
	if r.IntN(4) > 0 {
		w = append(w, "sport", fmt.Sprint(r.IntN(65536)))
	}
	if r.IntN(4) > 0 {
		w = append(w, "dport", fmt.Sprint(r.IntN(65536)))
	}
	return w
}

type querier struct {
	r *rand.Rand
	p *Pool
}

func (q *querier) chance(pct int) bool { return q.r.IntN(100) < pct }

// addr returns an address of family fam, as a query word.
func (q *querier) addr(fam int, local bool) string {
	var from []netip.Addr
	n := q.r.IntN(100)
	switch {
	case fam == 6 && n < 6 && len(q.p.LinkLoc) > 0:
		return pick(q.r, q.p.LinkLoc)
	case local || n < 16:
		from = q.p.Local
	case n < 24:
		from = specials[fam]
	case n < 90:
		from = q.p.Dst
	}
	var fit []netip.Addr
	for _, a := range from {
		if a.Is4() == (fam == 4) {
			fit = append(fit, a)
		}
	}
	if len(fit) == 0 {
		g := generator{r: q.r}
		if fam == 4 {
			return g.addr4().String()
		}
		return g.addr6().String()
	}
	return pick(q.r, fit).String()
}

func (q *querier) query() Query {
	fam := 4
	if q.chance(50) {
		fam = 6
	}
	w := Query{q.addr(fam, false)}
	input := q.chance(40)
	switch {
	case input:
		w = append(w, "from", q.addr(fam, q.chance(10)), "iif", q.link(3))
	case q.chance(35):
		w = append(w, "from", q.addr(fam, q.chance(80)))
	}
	if !input && q.chance(20) {
		w = append(w, "oif", q.link(10))
	}
	if q.chance(20) {
		m := uint32(q.r.IntN(4))
		if len(q.p.Marks) > 0 && q.chance(70) {
			m = pick(q.r, q.p.Marks)
		}
		w = append(w, "mark", fmt.Sprintf("0x%x", m))
	}
	if q.chance(10) {
		t := uint8(0x10)
		if len(q.p.Tos) > 0 && q.chance(70) {
			t = pick(q.r, q.p.Tos)
		}
		w = append(w, "tos", fmt.Sprintf("0x%02x", t))
	}
	if q.chance(12) {
		w = append(w, "ipproto", pick(q.r, []string{"tcp", "udp"}))
		if q.chance(60) {
			w = append(w, "sport", pick(q.r, []string{"22", "53", "1500", "40000"}))
		}
		if q.chance(60) {
			w = append(w, "dport", pick(q.r, []string{"80", "443", "53", "1500"}))
		}
	}
	return w
}

// link returns a dummy link, or lo with probability loPct percent.
func (q *querier) link(loPct int) string {
	if q.chance(loPct) {
		return "lo"
	}
	return pick(q.r, q.p.Links)
}
