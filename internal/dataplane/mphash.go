package dataplane

import (
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// fibLookupPacket is fibLookup for the input route of a received packet:
// ip, from its IP header on, feeds the multipath hash as the skb does
// fib_multipath_hash and rt6_multipath_hash on input (ports, the IPv6
// flow label, the packet an ICMP error quotes, the inner headers of an
// encapsulation, per net.ipv{4,6}.fib_multipath_hash_policy). Other
// lookups (the source check, locally originated packets, a leak's second
// lookup) hash their flow alone, as the kernel's flowi-based lookups do.
func (w *worker) fibLookupPacket(f *rule.Flow, ip []byte) (fib.Result, error) {
	res, _, err := w.router.LookupPacket(w.snap, f, ip)
	return res, err
}
