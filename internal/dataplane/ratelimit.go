package dataplane

import (
	"net/netip"
	"sync"
	"time"
)

// Linux's ICMP rate limits, on the plane's clock:
//   - a global token bucket shared by ICMP and ICMPv6
//     (icmp_global_allow): refilled at icmp_msgs_per_sec, at most every
//     20 ms, up to icmp_msgs_burst; a message goes while credit remains;
//   - a bucket per destination (inet_peer_xrlim_allow): a token per
//     icmp_ratelimit (or the IPv6 ratelimit), holding up to six
//     (XRLIM_BURST_FACTOR); a new destination starts full.
//
// Destinations are keyed by (VRF, address), as the kernel keys inet_peer
// by l3mdev: overlapping addresses in two VRFs have separate budgets (I4).
// Linux takes 0 to 2 credits from the global bucket at random per message;
// govrf takes 1, the same on average, so runs are repeatable.
type limiter struct {
	mu     sync.Mutex
	credit int
	stamp  time.Time // last refill; zero: never, the bucket starts full
	peers  map[peerKey]*peerBucket
}

// peerKey names a destination of ICMP errors.
type peerKey struct {
	vrf  int
	addr netip.Addr
}

// peerBucket is a destination's token bucket, in time.
type peerBucket struct {
	tokens time.Duration
	last   time.Time
	full   time.Time // when tokens reach the cap unused; it may then be forgotten
}

const (
	xrlimBurst     = 6
	globalMinDelay = 20 * time.Millisecond // HZ/50
	// maxPeers bounds the destinations remembered. Buckets that have
	// refilled are forgotten first, which changes nothing: a new one
	// starts full. Beyond that, new destinations go untracked, and only
	// the global bucket bounds them.
	maxPeers = 4096
)

func (l *limiter) init() { l.peers = make(map[peerKey]*peerBucket) }

// global is icmp_global_allow: whether the global bucket lets a message
// go now. peer takes the credit once the message is sure to go.
func (l *limiter) global(now time.Time, perSec, burst int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.credit > 0 {
		return true
	}
	delta := time.Second
	if !l.stamp.IsZero() {
		delta = min(now.Sub(l.stamp), time.Second)
	}
	if delta < globalMinDelay {
		return false
	}
	incr := int(int64(perSec) * int64(delta) / int64(time.Second))
	if incr <= 0 {
		return false
	}
	l.stamp = now
	l.credit = min(l.credit+incr, burst)
	return true
}

// peer is inet_peer_xrlim_allow for destination k with one token per
// timeout; when it allows, it also takes the message's global credit
// (icmp_global_consume).
func (l *limiter) peer(k peerKey, timeout time.Duration, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := xrlimBurst * timeout
	b := l.peers[k]
	if b == nil {
		if len(l.peers) >= maxPeers {
			l.forget(now)
		}
		b = &peerBucket{tokens: limit, last: now}
		if len(l.peers) < maxPeers {
			l.peers[k] = b
		}
	}
	b.tokens = min(b.tokens+now.Sub(b.last), limit)
	b.last = now
	if b.tokens < timeout {
		return false
	}
	b.tokens -= timeout
	b.full = now.Add(limit - b.tokens)
	l.credit--
	return true
}

// forget drops the buckets that have refilled.
func (l *limiter) forget(now time.Time) {
	for k, b := range l.peers {
		if !now.Before(b.full) {
			delete(l.peers, k)
		}
	}
}
