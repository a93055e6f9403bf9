package dataplane

import (
	"time"

	"github.com/govrf/govrf/internal/header"
)

// codeFragTime is Time Exceeded's code for a datagram not reassembled in
// time, in both families (ICMP_EXC_FRAGTIME, ICMPV6_EXC_FRAGTIME).
const codeFragTime = 1

// fragIn is one fragment for the router, as defrag files it.
type fragIn struct {
	key    fragKey
	offset int    // where data goes in the datagram
	more   bool   // more fragments follow (MF, M)
	head   int    // the octets of pk.ip before data: IP header, options, extension headers
	data   []byte // the fragment's data
	ecn    uint8  // its ECN codepoint, as a bit (ip4_frag_ecn, ip6_frag_ecn)
	df     bool   // IPv4's DF
}

// ipDefrag is ip_defrag for an IPv4 fragment for the router in VRF
// pk.dom: it joins its datagram's queue and, when that makes the datagram
// whole, the datagram goes through local delivery in its place.
func (w *worker) ipDefrag(pk *packet) {
	ip := header.IPv4(pk.ip)
	hl := ip.HeaderLen()
	w.defrag(pk, fragIn{
		key:    fragKey{vrf: pk.dom.vrf, src: ip.Src(), dst: ip.Dst(), id: uint32(ip.ID()), proto: ip.Protocol()},
		offset: ip.FragmentOffset(), more: ip.MF(), head: hl, data: ip[hl:],
		ecn: 1 << (ip.TOS() & 3), df: ip.DF(),
	})
}

// ip6Defrag is ipv6_frag_rcv for a fragment for the router (not an
// atomic one, which ip6Exthdrs took as a whole packet) whose Fragment
// header is at off, already checked (header.IPv6.CheckFragment).
func (w *worker) ip6Defrag(pk *packet, off int) {
	ip := header.IPv6(pk.ip)
	f := header.IPv6Fragment(ip[off:])
	k := fragKey{vrf: pk.dom.vrf, src: ip.Src(), dst: ip.Dst(), id: f.ID()}
	if d := ip.Dst(); d.IsLinkLocalUnicast() || d.IsMulticast() {
		k.iif = pk.iif
	}
	head := off + header.IPv6FragmentLen
	w.defrag(pk, fragIn{key: k, offset: f.Offset(), more: f.More(), head: head, data: ip[head:],
		ecn: 1 << (ip.TrafficClass() & 3)})
}

// defrag files f, of packet pk, in its queue (ip_frag_queue,
// ip6_frag_queue; an IPv4 queue that ipfrag_max_dist finds stale starts
// afresh first) and counts pk: delivered, to reassembly, when kept;
// dropped when it is a duplicate, when the VRF's budget is spent, or when
// it kills its queue (an overlap, a contradiction). The fragment that
// completes the datagram is counted by what becomes of the datagram.
func (w *worker) defrag(pk *packet, f fragIn) {
	sc := w.snap.Sysctl()
	high, secs := int(sc.IPFragHighThresh), sc.IPFragTime
	if f.key.src.Is6() {
		high, secs = int(sc.IP6FragHighThresh), sc.IP6FragTime
	}
	r := &w.p.reasm
	expires := w.p.clock.Now().Add(time.Duration(secs) * time.Second).UnixNano()
	r.mu.Lock()
	q := r.find(f.key, high, int(sc.ReasmMaxBytes), expires, sc.IPFragMaxDist > 0)
	if q == nil {
		r.mu.Unlock()
		w.drop(pk, ReasonReasmMemory)
		return
	}
	if q.tooFar(sc.IPFragMaxDist) {
		r.reinit(q, expires)
		w.txDrop(nil, q.key.vrf, ReasonReasmTooFar)
	}
	switch q.add(f.offset, f.data, f.more) {
	case fragDup:
		r.mu.Unlock()
		w.drop(pk, ReasonReasmDuplicate)
		return
	case fragOverlap:
		r.kill(q)
		r.mu.Unlock()
		w.drop(pk, ReasonReasmOverlap)
		return
	case fragBad:
		r.kill(q)
		r.mu.Unlock()
		w.drop(pk, ReasonOf(header.ReasonBadFragment))
		return
	}
	q.iif, q.dom, q.ecn = pk.iif, pk.dom, q.ecn|f.ecn
	r.charge(q, len(pk.ip)+fragCost)
	if f.offset == 0 {
		// The first fragment as Linux keeps it, trimmed to its data, for
		// the header of the datagram and the quote of Time Exceeded.
		n := len(f.data)
		if f.more {
			n &^= 7
		}
		q.first = append(q.first[:0], pk.ip[:f.head+n]...)
		q.head, q.l2, q.local, q.group = f.head, pk.l2, pk.local, pk.group
	}
	size := f.head + len(f.data)
	q.maxSize = max(q.maxSize, size)
	if f.df {
		q.maxDF = max(q.maxDF, size)
	}
	if !q.whole() {
		r.mu.Unlock()
		w.delivered()
		if pk.tr != nil {
			pk.tr.step("ip_defrag", "fragment queued for reassembly")
		}
		return
	}
	ok := w.reassemble(pk, q)
	r.kill(q)
	r.mu.Unlock()
	if !ok {
		w.drop(pk, ReasonOf(header.ReasonBadFragment))
		return
	}
	if pk.tr != nil {
		pk.tr.step("ip_defrag", "datagram reassembled")
	}
	if pk.v6() {
		w.ip6LocalDeliver(pk, pk.dom)
	} else {
		w.ipLocalDeliver(pk, pk.dom)
	}
}

// reassemble builds q's datagram in a buffer of the worker's and makes pk
// carry it (ip_frag_reasm, ip6_frag_reasm): the first fragment's headers,
// then the data. It reports false for a datagram Linux refuses: longer
// than 65535 octets, or with fragments both ECN-capable and not.
func (w *worker) reassemble(pk *packet, q *fragQueue) bool {
	ecn, ok := fragECN(q.ecn)
	if !ok {
		return false
	}
	v6 := q.key.src.Is6()
	hl := q.head
	if v6 {
		hl -= header.IPv6FragmentLen // the Fragment header goes
	}
	n := hl + q.length
	if v6 && n-header.IPv6Len > 0xffff || !v6 && n > 0xffff {
		return false
	}
	buf := w.buffer(max(header.EthernetLen+n, minBufLen))
	ip := buf[header.EthernetLen : header.EthernetLen+n]
	copy(ip, q.first[:hl])
	q.copyTo(ip[hl:])
	if v6 {
		v := header.IPv6(ip)
		ip[nextHeaderAt(v, hl)] = q.first[hl] // what the Fragment header named
		v.SetPayloadLength(uint16(n - header.IPv6Len))
		ip[1] |= ecn << 4
		pk.chain, _ = v.Walk(maxExtHeaders)
	} else {
		v := header.IPv4(ip)
		v.SetTotalLength(uint16(n))
		v.SetTOS(v.TOS() | ecn)
		var flags uint8
		if q.maxDF == q.maxSize {
			flags = header.IPv4FlagDF
		}
		v.SetFragment(flags, 0)
		v.SetHeaderChecksum(0)
		v.SetHeaderChecksum(v.CalculateChecksum())
	}
	header.Ethernet(buf).Encode(header.Ethernet(pk.frame).Dst(), header.Ethernet(pk.frame).Src(), ethernet(ip))
	pk.buf, pk.frame, pk.ip, pk.reasm = buf, buf[:header.EthernetLen+n], ip, true
	return true
}

// nextHeaderAt returns the offset of the Next Header field that names
// the header at off of ip's chain (nhoff).
func nextHeaderAt(ip header.IPv6, off int) int {
	at, o := 6, header.IPv6Len
	for o < off {
		n := (int(ip[o+1]) + 1) * 8
		if ip[at] == header.ProtoFragment {
			n = header.IPv6FragmentLen
		}
		at, o = o, o+n
	}
	return at
}

// fragECN is ip_frag_ecn_table: the ECN bits the datagram gains from
// its fragments' codepoints seen (a bit each: Not-ECT 1, ECT(1) 2,
// ECT(0) 4, CE 8), CE when one was marked; false when ECN-capable and
// Not-ECT fragments were mixed.
func fragECN(seen uint8) (uint8, bool) {
	switch {
	case seen&1 != 0 && seen != 1:
		return 0, false
	case seen&8 != 0:
		return 3, true
	}
	return 0, true
}

// reasmExpire ends the queues whose time is up, counting each against its
// VRF, and answers for each whose first fragment arrived with Time Exceeded, fragment reassembly time
// exceeded (ip_expire, ip6_frag_expire; RFC 792, RFC 8200 §4.5), quoting
// that fragment, routed in the queue's VRF, unless the link the last
// fragment came by has gone.
func (w *worker) reasmExpire(now time.Time) {
	w.p.fragFlows.expire(now.UnixNano())
	w.expired = w.p.reasm.expired(now.UnixNano(), w.expired[:0])
	for i, q := range w.expired {
		w.expired[i] = nil
		w.txDrop(nil, q.dom.vrf, ReasonReasmTimeout)
		if q.first == nil || w.snap.Link(q.iif) == nil {
			continue // ip_expire: no first fragment to quote, or its device gone
		}
		buf := w.buffer(max(header.EthernetLen+len(q.first), minBufLen))
		copy(buf[header.EthernetLen:], q.first)
		pk := &w.errPk
		*pk = packet{in: w.p.binding(q.iif), stats: w.p.countersOf(q.iif), iif: q.iif, dom: q.dom,
			vrf: w.p.vrfs.get(q.dom.vrf), buf: buf, frame: buf[:header.EthernetLen+len(q.first)],
			ip: buf[header.EthernetLen : header.EthernetLen+len(q.first)], l2: q.l2, local: q.local, group: q.group}
		if pk.v6() {
			pk.chain, _ = header.IPv6(pk.ip).Walk(maxExtHeaders)
			w.icmpSend(pk, header.ICMPv6TimeExceeded, codeFragTime, 0)
		} else {
			w.icmpSend(pk, header.ICMPv4TimeExceeded, codeFragTime, 0)
		}
	}
}
