package dataplane

import (
	"net/netip"
	"sync"
	"time"
)

// listenTTL is how long a stack's answer about a listener holds: a
// socket opened or closed takes that long to change where new flows of
// other VRFs go. Without it, with udp_l3mdev_accept set, every datagram
// to a VRF's own UDP socket would cost a question to the kernel.
const listenTTL = time.Second

// listenCacheMax bounds a stack's remembered answers; when full they are
// all forgotten.
const listenCacheMax = 4096

type listenKey struct {
	proto uint8
	addr  netip.Addr
	port  uint16
}

type listenAnswer struct {
	has bool
	at  int64 // Unix nanoseconds
}

// listenCache remembers a stack's recent answers about its listeners.
type listenCache struct {
	mu sync.Mutex
	m  map[listenKey]listenAnswer
}

// listens reports whether the stack has a socket that would take a new
// flow of proto to addr:port, asking it unless a recent answer is
// known. A stack that cannot say, or fails to, has none.
func (a *stackAccept) listens(proto uint8, addr netip.Addr, port uint16, now int64) bool {
	if a.listeners == nil {
		return false
	}
	k := listenKey{proto, addr, port}
	c := &a.known
	c.mu.Lock()
	ans, ok := c.m[k]
	c.mu.Unlock()
	if ok && now-ans.at < int64(listenTTL) && now >= ans.at {
		return ans.has
	}
	has, err := a.listeners.HasListener(proto, addr, port)
	has = has && err == nil
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[listenKey]listenAnswer)
	}
	if len(c.m) >= listenCacheMax {
		clear(c.m)
	}
	c.m[k] = listenAnswer{has, now}
	c.mu.Unlock()
	return has
}
