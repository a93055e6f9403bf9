package fib

// Multipath selection is hash-threshold (RFC 2992), as the kernel does it:
// each live path owns a slice of the 31-bit hash space in proportion to
// its weight, in route order, and a flow takes the first path whose upper
// bound is at least its hash. A dead path gets bound -1 and is never
// taken; the bounds of the others are spread over the live weights only.

// hash31 is the flow hash as fib_multipath_hash and rt6_multipath_hash
// return it: 31 bits, so it compares as a non-negative int.
func hash31(h uint32) int32 { return int32(h >> 1) }

// weight returns a hop's weight, 1 when unset (rtnh_hops + 1).
func weight(h Nexthop) uint16 {
	if h.Weight == 0 {
		return 1
	}
	return h.Weight
}

// upperBound is the bound of a path whose cumulative live weight is w out
// of total (fib_rebalance, rt6_upper_bound_set: DIV_ROUND_CLOSEST - 1).
func upperBound(w, total uint64) int32 {
	return int32((w<<31+total/2)/total - 1)
}

// rebalance returns the upper bounds of hops for fib_select_multipath, or
// nil when there is nothing to choose between.
func rebalance(hops []Nexthop) []int32 {
	if len(hops) < 2 {
		return nil
	}
	var total, w uint64
	for _, h := range hops {
		if !h.Dead {
			total += uint64(weight(h))
		}
	}
	bound := make([]int32, len(hops))
	for i, h := range hops {
		if h.Dead {
			bound[i] = -1
			continue
		}
		w += uint64(weight(h))
		bound[i] = upperBound(w, total)
	}
	return bound
}

// pickPath returns the path of a multipath route for a flow hash
// (fib_select_multipath without fib_multipath_use_neigh): the first whose
// bound is at least the hash. fallback is the path the lookup found, kept
// when no bound qualifies.
func pickPath(bound []int32, hash int32, fallback int) int {
	for i, b := range bound {
		if hash <= b {
			return i
		}
	}
	return fallback
}

// SourceMatcher is implemented by a Hasher whose flow is an output flow
// with a source address (flowi4 saddr): fib_select_multipath then prefers
// the paths whose source address, the one selected on the path's device
// for its gateway in the route's scope (nh_saddr), is the flow's.
type SourceMatcher interface {
	// HasSource reports whether the flow has a source address.
	HasSource() bool
	// SourceOf reports whether nh's source address in a route of scope
	// is the flow's.
	SourceOf(nh *Nexthop, scope Scope) bool
}

// pickPath4 is fib_select_multipath: without a source address, the first
// live path whose bound is at least the hash; with one, each live path
// scores 2 when its source is the flow's and 1 when the hash is within
// its bound, and the first best path wins.
func (q *Query) pickPath4(bound []int32, hops []Nexthop, scope Scope, fallback int) int {
	hash := q.hash31()
	sm, ok := q.Hasher.(SourceMatcher)
	if !ok || !sm.HasSource() {
		return pickPath(bound, hash, fallback)
	}
	best, sel := -1, fallback
	for i, b := range bound {
		if b == -1 {
			continue
		}
		score := 0
		if sm.SourceOf(&hops[i], scope) {
			score += 2
		}
		if hash <= b {
			score++
		}
		if score > best {
			best, sel = score, i
			if score == 3 {
				break
			}
		}
	}
	return sel
}
