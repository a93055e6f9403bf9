package neigh

// NumStates is the number of NUD states, StateNone included: the length
// of a Census row.
const NumStates = int(StatePermanent) + 1

// Census is the number of entries in each state, by family (IPv4, IPv6)
// and State.
type Census [2][NumStates]int

// Census counts the cache's entries by family and state, for metrics. It
// holds the cache's lock for one pass over the entries, never the
// lookups' path.
func (c *Cache) Census() Census {
	var out Census
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.t {
		for _, e := range c.t[i].list {
			if int(e.state) < NumStates {
				out[i][e.state]++
			}
		}
	}
	return out
}
