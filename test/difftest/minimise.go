package difftest

import (
	"slices"
)

// Minimise shrinks a mismatch: configuration lines, and then query
// options, are dropped while a disagreement of the same kind (signature)
// remains.
// Link creation lines stay, since queries name the links. It runs at most
// budget comparisons.
func Minimise(env Env, m Mismatch, budget int) (Mismatch, error) {
	best := m
	var err error
	still := func(cmds []Cmd, q Query) bool {
		if err != nil || budget <= 0 {
			return false
		}
		budget--
		var got Mismatch
		var ok bool
		got, ok, err = recheck(env, m, cmds, q)
		if ok {
			best, best.Origin = got, m.Origin
		}
		return ok
	}
	var keep, drop []Cmd
	last := len(m.Cmds)
	if m.Query == nil {
		last = m.Line // the line in question stays, last
	}
	for _, c := range m.Cmds[:last] {
		if _, link := c.isLinkAdd(); link || c.String() == "link set lo up" {
			keep = append(keep, c)
		} else {
			drop = append(drop, c)
		}
	}
	build := func(d []Cmd) []Cmd {
		out := slices.Concat(keep, d)
		if m.Query == nil {
			out = append(out, m.Cmds[m.Line])
		}
		return out
	}
	drop = ddmin(drop, func(d []Cmd) bool { return still(build(d), m.Query) })
	if m.Query != nil {
		q := slices.Clone(m.Query)
		for i := 1; i+1 < len(q); {
			shorter := slices.Delete(slices.Clone(q), i, i+2)
			if still(build(drop), shorter) {
				q = shorter
				continue
			}
			i += 2
		}
	}
	return best, err
}

// recheck compares cmds and q afresh and reports whether a disagreement
// of m's kind is still there.
func recheck(env Env, m Mismatch, cmds []Cmd, q Query) (Mismatch, bool, error) {
	var qs []Query
	if q != nil {
		qs = []Query{q}
	}
	o, err := Compare(env, cmds, qs)
	if err != nil {
		return Mismatch{}, false, err
	}
	for _, got := range slices.Concat(o.Mismatches, o.MessageMismatches) {
		if got.signature() == m.signature() && (got.Query != nil || got.Line == len(cmds)-1) {
			return got, true, nil
		}
	}
	return Mismatch{}, false, nil
}

// ddmin is Zeller's delta debugging, removing complements only: it
// returns a subset of items for which still holds, from which no single
// chunk at the finest granularity tried can be removed.
func ddmin[T any](items []T, still func([]T) bool) []T {
	n := 2
	for len(items) > 0 {
		chunk := (len(items) + n - 1) / n
		reduced := false
		for start := 0; start < len(items); start += chunk {
			cand := slices.Concat(items[:start], items[min(start+chunk, len(items)):])
			if still(cand) {
				items, n, reduced = cand, max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if chunk == 1 {
				break
			}
			n = min(2*n, len(items))
		}
	}
	return items
}
