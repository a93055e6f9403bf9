package fib

import (
	"net/netip"
	"slices"
)

// lookup is the reference lookup: every route is scanned for every
// prefix length, longest first.
func (m *refTable) lookup(q *Query) (Result, bool) {
	hash := int64(q.Hash >> 1)
	var cover []Route
	for _, r := range m.rs {
		if r.Prefix.Contains(q.Dst) {
			cover = append(cover, r)
		}
	}
	var skipKey netip.Addr
	for bits := q.Dst.BitLen(); bits >= 0; bits-- {
		p := netip.PrefixFrom(q.Dst, bits).Masked()
		var rs []Route
		for _, r := range cover {
			if r.Prefix == p {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 || p.Addr() == skipKey {
			continue
		}
		var res Result
		var found, miss bool
		if p.Addr().Is4() {
			res, found, miss = refMatch4(rs, q, hash)
		} else {
			res, found = refMatch6(rs, q, hash)
		}
		if found {
			return res, true
		}
		if miss {
			skipKey = p.Addr()
		}
	}
	return Result{}, false
}

func refResult(r Route) Result {
	return Result{Prefix: r.Prefix, Type: r.Type, Proto: r.Proto, Scope: r.Scope,
		Metric: r.Metric, Tos: r.Tos, Src: r.Src, NHID: r.NHID}
}

// refBounds computes hash-threshold upper bounds (fib_rebalance).
func refBounds(hops []Nexthop) []int64 {
	var total, w int64
	for _, h := range hops {
		if !h.Dead {
			total += int64(weight(h))
		}
	}
	b := make([]int64, len(hops))
	for i, h := range hops {
		b[i] = -1
		if !h.Dead {
			w += int64(weight(h))
			b[i] = (w<<31+total/2)/total - 1
		}
	}
	return b
}

// refMatch4 is fib_table_lookup's step 3 and fib_select_path.
func refMatch4(rs []Route, q *Query, hash int64) (res Result, found, miss bool) {
	for _, r := range rs {
		if r.Tos != 0 && r.Tos != q.Tos || r.Scope < q.Scope {
			continue
		}
		res = refResult(r)
		if r.Type.IsError() {
			return res, true, false
		}
		if r.NHID != 0 {
			if q.Objects == nil {
				return Result{}, false, true
			}
			nh, typ, ok := q.Objects.Resolve(r.NHID, uint32(hash), q.Oif)
			switch {
			case typ == TypeBlackhole:
				res.Type = TypeBlackhole
				return res, true, false
			case !ok:
				return Result{}, false, true
			}
			res.Nexthop, res.Paths = nh, 1
			return res, true, false
		}
		hops := r.Nexthops
		if len(hops) == 0 {
			hops = []Nexthop{{}}
		}
		sel := slices.IndexFunc(hops, func(h Nexthop) bool { return !h.Dead && (q.Oif == 0 || h.Dev == q.Oif) })
		if sel < 0 {
			continue
		}
		if q.Oif == 0 && len(hops) > 1 {
			for i, b := range refBounds(hops) {
				if hash <= b {
					sel = i
					break
				}
			}
		}
		res.Nexthop, res.Paths = hops[sel], len(r.Nexthops)
		return res, true, false
	}
	return Result{}, false, false
}

// refMatch6 is rt6_select (find_rr_leaf scoring) and fib6_select_path.
func refMatch6(rs []Route, q *Query, hash int64) (Result, bool) {
	type pick struct {
		i         int
		nh        Nexthop
		blackhole bool
	}
	scan := func(from, to int) (p pick) {
		p.i = -1
		mpri := -1
		for i := from; i < to; i++ {
			r := rs[i]
			if r.NHID != 0 {
				if q.Objects == nil {
					continue
				}
				nh, typ, ok := q.Objects.Resolve(r.NHID, uint32(hash), q.Oif)
				if typ == TypeBlackhole {
					return pick{i, Nexthop{}, true}
				}
				if ok && 2 > mpri {
					mpri, p = 2, pick{i, nh, false}
				}
				continue
			}
			h := refHop(r)
			score := -1
			if !h.Dead && (q.Oif == 0 || h.Dev == q.Oif) {
				score = 2
			}
			if score > mpri {
				mpri, p = score, pick{i, Nexthop{}, false}
			}
		}
		return p
	}
	end := 0
	for end < len(rs) && rs[end].Metric == rs[0].Metric {
		end++
	}
	p := scan(0, end)
	if p.i < 0 && end < len(rs) {
		p = scan(end, len(rs))
	}
	if p.i < 0 {
		return Result{}, false
	}
	r := rs[p.i]
	same := 0 // routes tying with r's metric
	for _, x := range rs {
		if x.Metric == r.Metric {
			same++
		}
	}
	res := refResult(r)
	res.SameMetric = same
	switch {
	case p.blackhole:
		res.Type = TypeBlackhole
		return res, true
	case r.Type.IsError():
		return res, true
	case r.NHID != 0:
		res.Nexthop, res.Paths = p.nh, 1
		return res, true
	case !refECMP(r):
		res.Nexthop, res.Paths = refHop(r), 1
		return res, true
	}
	var sib []int // the sibling group in order
	for i, x := range rs {
		if x.Metric == r.Metric && refECMP(x) {
			sib = append(sib, i)
		}
	}
	var hops []Nexthop
	for _, i := range sib {
		hops = append(hops, rs[i].Nexthops[0])
	}
	bound := refBounds(hops)
	me := slices.Index(sib, p.i)
	pickd := me
	if hash > bound[me] {
		for k := 1; k < len(sib); k++ {
			j := (me + k) % len(sib)
			if bound[j] < 0 || hash > bound[j] {
				continue
			}
			if q.Oif == 0 || hops[j].Dev == q.Oif {
				pickd = j
			}
			break
		}
	}
	res = refResult(rs[sib[pickd]])
	res.Nexthop, res.Paths, res.SameMetric = hops[pickd], len(sib), same
	return res, true
}
