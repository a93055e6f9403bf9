package dataplane

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
)

// fragFlowKey names a datagram the default host stack sent in fragments
// (IPv4 with its protocol; IPv6 with 0).
type fragFlowKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// fragFlows remembers, for fragFlowLife, the VRF of the accepted flow
// whose datagram the default stack sent in fragments, found by the first
// fragment's ports, so that the fragments after it, which carry none,
// leave by the same VRF. A stack's kernel sends a datagram's fragments
// in order and at once.
type fragFlows struct {
	mu    sync.Mutex
	m     map[fragFlowKey]fragFlow
	swept int64
}

// fragFlow is the VRF a datagram's fragments go to, until expires.
type fragFlow struct {
	vrf     int
	expires int64
}

// fragFlowLife is how long a datagram's fragments are followed, and
// maxFragFlows how many datagrams at once; beyond, the rest of a
// datagram is routed in the default VRF, as it would be without the
// flow.
const (
	fragFlowLife = time.Second
	maxFragFlows = 4096
)

// add follows the datagram k into VRF vrf.
func (t *fragFlows) add(k fragFlowKey, vrf int, now int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[fragFlowKey]fragFlow{}
	}
	if len(t.m) < maxFragFlows {
		t.m[k] = fragFlow{vrf, now + int64(fragFlowLife)}
	}
}

// lookup returns the VRF the datagram k goes to; false if none.
func (t *fragFlows) lookup(k fragFlowKey, now int64) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.m[k]
	if !ok || f.expires <= now {
		return 0, false
	}
	return f.vrf, true
}

// expire forgets the datagrams whose time is up, once per fragFlowLife.
func (t *fragFlows) expire(now int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) == 0 || now-t.swept < int64(fragFlowLife) {
		return
	}
	t.swept = now
	for k, f := range t.m {
		if f.expires <= now {
			delete(t.m, k)
		}
	}
}

// acceptOut4 is acceptOut for an IPv4 packet of the default stack,
// fragments included: a first fragment finds its flow by its ports and
// the fragments after it follow it.
func (w *worker) acceptOut4(pk *packet, v header.IPv4) Reason {
	if !v.IsFragment() {
		return w.acceptOut(pk, v.Protocol(), v.Payload())
	}
	k := fragFlowKey{src: v.Src(), dst: v.Dst(), id: uint32(v.ID()), proto: v.Protocol()}
	return w.acceptOutFrag(pk, k, v.FragmentOffset() == 0, v.Protocol(), v.Payload())
}

// acceptOut6 is acceptOut4 for IPv6, whose chain is c.
func (w *worker) acceptOut6(pk *packet, v header.IPv6, c header.Chain) Reason {
	if c.Fragment == 0 {
		return w.acceptOut(pk, c.Proto, v.Upper(c))
	}
	f := header.IPv6Fragment(v[c.Fragment:])
	k := fragFlowKey{src: v.Src(), dst: v.Dst(), id: f.ID()}
	return w.acceptOutFrag(pk, k, f.Offset() == 0, c.Proto, v.Upper(c))
}

// acceptOutFrag matches fragment pk of datagram k: the first by the
// ports it carries (its transport header is whole, its length is the
// datagram's), the others by the first. A first fragment of an accepted
// flow gets its client port back, as acceptOut gives it.
func (w *worker) acceptOutFrag(pk *packet, k fragFlowKey, first bool, proto uint8, l4 []byte) Reason {
	def := w.p.stack(0)
	if def == nil || def.accept.flows.len() == 0 {
		return none
	}
	now := w.p.clock.Now().UnixNano()
	vrf := 0
	switch {
	case !first:
		var ok bool
		if vrf, ok = w.p.fragFlows.lookup(k, now); !ok {
			return none
		}
	case proto == header.ProtoTCP && len(l4) >= header.TCPMinLen, proto == header.ProtoUDP && len(l4) >= header.UDPLen:
		sport, dport := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
		f := def.accept.flows.lookupInner(innerKey{proto, netip.AddrPortFrom(k.dst, dport), netip.AddrPortFrom(k.src, sport)})
		if f == nil {
			return none
		}
		var flags header.TCPFlags
		if proto == header.ProtoTCP {
			flags = header.TCP(l4).Flags()
		}
		f.observe(now, flags, false)
		setPort(proto, l4, 2, f.key.client.Port())
		vrf = f.key.vrf
		w.p.fragFlows.add(k, vrf, now)
	default:
		return w.acceptOut(pk, proto, l4) // ICMP: by the packet it quotes
	}
	l := w.snap.Link(vrf)
	if l == nil || l.Kind != control.KindVRF {
		return ReasonNoPort
	}
	pk.dom = domain{l.Index, l.Table}
	pk.vrf = w.p.vrfs.get(l.Index)
	pk.iif = l.Index
	return none
}
