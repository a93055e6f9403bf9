package dataplane

import (
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/vxlan"
)

// VXLAN ports (docs/vxlan.md). A frame the pipeline sends out of a VXLAN
// link is encapsulated (vxlan_xmit) to each remote endpoint its inner
// destination has in the link's forwarding database, and the outer packet
// is routed in the default VRF as a packet the router originates. UDP for
// a local address of the default VRF, to the port of a VXLAN link, is
// decapsulated before any socket sees it (vxlan_rcv), and the inner frame
// runs through the pipeline as received on the link whose VNI it carries.

// vxlanTable finds the VXLAN port of an arriving packet.
type vxlanTable struct {
	ports map[vxlanPort]bool    // the (port, family) pairs tunnels listen on
	vnis  map[vxlanVNI]*binding // the tunnels by port, family and VNI
}

type vxlanPort struct {
	port uint16
	v6   bool
}

type vxlanVNI struct {
	vxlanPort
	vni uint32
}

// indexVXLAN rebuilds the table from the bindings; Attach and Detach call
// it with p.mu held.
func (p *Plane) indexVXLAN(ports []*binding) {
	t := &vxlanTable{ports: map[vxlanPort]bool{}, vnis: map[vxlanVNI]*binding{}}
	for _, b := range ports {
		if b == nil || b.vx == nil {
			continue
		}
		k := vxlanPort{b.tun.Port, b.tun.Family() == 6}
		t.ports[k] = true
		t.vnis[vxlanVNI{k, b.tun.VNI}] = b
	}
	p.vxlans.Store(t)
}

// LearnedFDB returns the forwarding entries VXLAN link index has learned;
// nil for another link.
func (p *Plane) LearnedFDB(index int) []vxlan.Entry {
	if b := p.binding(index); b != nil && b.vx != nil {
		if l := p.ctl.Snapshot().Link(index); l != nil && l.VXLAN != nil {
			return b.vx.FDB().Entries(p.clock.Now(), ageing(l.VXLAN))
		}
	}
	return nil
}

// vxlanRcv takes a UDP datagram for the default VRF that is for a VXLAN
// port, and reports whether it did; the frame is then accounted for.
func (w *worker) vxlanRcv(pk *packet, src netip.Addr, l4 []byte) bool {
	t := w.p.vxlans.Load()
	u := header.UDP(l4)
	if t == nil || len(t.ports) == 0 || u.Validate() != header.ReasonNone {
		return false
	}
	k := vxlanPort{u.DstPort(), src.Is6()}
	if !t.ports[k] {
		return false
	}
	ip := pk.ip
	dst := header.IPv4(ip).Dst()
	if k.v6 {
		dst = header.IPv6(ip).Dst()
	}
	l4 = l4[:u.Length()]
	if (u.Checksum() != 0 || k.v6) && !checksumOK(header.ProtoUDP, src, dst, l4) {
		w.drop(pk, ReasonOf(header.ReasonBadChecksum))
		return true
	}
	h := vxlan.Header(u.Payload())
	if h.Validate() != vxlan.OK {
		w.drop(pk, ReasonVXLANMalformed)
		return true
	}
	vb := t.vnis[vxlanVNI{k, h.VNI()}]
	switch {
	case vb == nil || vb.gone.Load():
		w.drop(pk, ReasonVXLANUnknownVNI)
		return true
	case w.decap:
		w.drop(pk, ReasonVXLANLoop)
		return true
	}
	l := w.snap.Link(vb.index)
	inner := h.Frame()
	if l != nil && l.VXLAN != nil && l.VXLAN.Learning {
		if !w.vxlanSnoop(vb, l.VXLAN, header.Ethernet(inner).Src(), src) {
			w.drop(pk, ReasonVXLANEntryExists)
			return true
		}
	}
	w.delivered()
	off := cap(pk.buf) - cap(inner)
	w.vxlanReceive(vb, l, pk.buf[off:], len(inner))
	return true
}

// vxlanSnoop learns that inner source mac is behind remote (vxlan_snoop)
// and reports whether the frame may pass: a frame from an address with a
// configured entry to another remote is dropped, since configured entries
// do not move.
func (w *worker) vxlanSnoop(vb *binding, vx *control.VXLAN, mac header.MAC, remote netip.Addr) bool {
	if mac.IsMulticast() || mac == (header.MAC{}) {
		return true
	}
	if r := vx.Remotes(control.MAC(mac)); len(r) > 0 {
		return r[0] == remote
	}
	vb.vx.FDB().Learn(mac, remote, w.p.clock.Now(), ageing(vx))
	return true
}

// vxlanReceive runs the pipeline over an inner frame of size octets at
// buf, as received on VXLAN port vb, counted there and in its VRF.
func (w *worker) vxlanReceive(vb *binding, l *control.Link, buf []byte, size int) {
	rx, vrfIn := w.rx, w.vrfIn
	w.rx = rxBatch{}
	dom := w.domainOf(vb.index)
	w.vrfIn = w.p.vrfs.get(dom.vrf)
	if cs := w.p.captures.Load(); cs != nil {
		w.captureFrames(*cs, vb.index, dom.vrf, false, [][]byte{buf[:size]})
	}
	w.decap = true
	w.receive(vb, l, dom, buf, size)
	w.decap = false
	vb.stats.addRx(&w.rx)
	w.vrfIn.addRx(&w.rx)
	w.rx, w.vrfIn = rx, vrfIn
}

// vxlanXmit sends frame out of VXLAN port b (vxlan_xmit): to each remote
// of the inner destination's entry, else of the learned one, else to each
// remote of the all-zeros entry. iif is the link the packet came in by (0
// for the router's own), to answer it when the tunnel's path is too small.
func (w *worker) vxlanXmit(b *binding, frame []byte, iif int) {
	vrf := w.domainOf(b.index).vrf
	l := w.snap.Link(b.index)
	if l == nil || l.VXLAN == nil {
		w.txDrop(b, vrf, ReasonNoPort)
		return
	}
	if cs := w.p.captures.Load(); cs != nil {
		w.captureFrames(*cs, b.index, vrf, true, [][]byte{frame})
	}
	b.stats.addTx(1, uint64(len(frame)))
	w.p.vrfs.get(vrf).addTx(1, uint64(len(frame)))
	vx := l.VXLAN
	dst := header.Ethernet(frame).Dst()
	if w.vxlanTo(b, vx, control.MAC(dst), frame, iif) {
		return
	}
	if !dst.IsMulticast() {
		if r, ok := b.vx.FDB().Lookup(dst, w.p.clock.Now(), ageing(vx)); ok {
			w.vxlanEncap(b, vx, r, frame, iif)
			return
		}
	}
	if !w.vxlanTo(b, vx, control.MAC{}, frame, iif) {
		w.txDrop(b, vrf, ReasonVXLANNoFDB)
	}
}

// ageing is how long the entries a tunnel learns live; 0 for ever.
func ageing(vx *control.VXLAN) time.Duration { return time.Duration(vx.Ageing) * time.Second }

// vxlanTo sends frame to each remote of mac's configured entry and
// reports whether there was one.
func (w *worker) vxlanTo(b *binding, vx *control.VXLAN, mac control.MAC, frame []byte, iif int) bool {
	remotes := vx.Remotes(mac)
	for _, r := range remotes {
		w.vxlanEncap(b, vx, r, frame, iif)
	}
	return len(remotes) > 0
}

// vxlanEncap encapsulates frame to remote and sends it (vxlan_xmit_one):
// routed in the default VRF from the link's local address, UDP from a
// source port that hashes the inner flow, TTL 64 unless the link sets
// one, DF clear (df unset), the inner ECN bits copied out
// (ip_tunnel_ecn_encap), and a UDP checksum (udpcsum).
func (w *worker) vxlanEncap(b *binding, vx *control.VXLAN, remote netip.Addr, frame []byte, iif int) {
	vrf := w.domainOf(b.index).vrf
	var rt route
	if r := w.outputRoute(&rt, domain{}, 0, vx.Local, remote, 0); r != none {
		w.txDrop(b, vrf, r)
		return
	}
	switch {
	case rt.local:
		w.txDrop(b, vrf, ReasonLocalLoop)
		return
	case rt.out.vx != nil:
		w.txDrop(b, vrf, ReasonVXLANLoop)
		return
	}
	src := vx.Local
	if !src.IsValid() {
		src = w.source(&rt, remote)
	}
	v6 := remote.Is6()
	ipLen := header.IPv4MinLen
	if v6 {
		ipLen = header.IPv6Len
	}
	n := ipLen + header.UDPLen + vxlan.HeaderLen + len(frame)
	if n > rt.mtu && w.vxlanPMTU(b, frame, iif, rt.mtu-(n-len(frame))-header.EthernetLen) {
		return
	}
	buf := w.buffer(header.EthernetLen + n)
	o := buf[header.EthernetLen:]
	copy(o[n-len(frame):], frame)
	vxlan.Header(o[ipLen+header.UDPLen:]).Encode(vx.VNI)
	hash := vxlan.FlowHash(frame)
	u := header.UDP(o[ipLen:])
	u.SetSrcPort(vxlan.SrcPort(hash, vx.SrcPortLow, vx.SrcPortHigh))
	u.SetDstPort(vx.Port)
	u.SetLength(uint16(n - ipLen))
	u.SetChecksum(0)
	u.SetChecksum(u.CalculateChecksum(src, remote))
	ttl := vx.TTL
	if ttl == 0 {
		ttl = defaultTTL
	}
	ecn := innerECN(frame)
	if v6 {
		header.IPv6(o).Encode(&header.IPv6Fields{TrafficClass: ecn, FlowLabel: hash & 0xfffff,
			PayloadLength: uint16(n - ipLen), NextHeader: header.ProtoUDP, HopLimit: ttl, Src: src, Dst: remote})
	} else {
		header.IPv4(o).Encode(&header.IPv4Fields{TOS: ecn, TotalLength: uint16(n), ID: w.nextID(),
			TTL: ttl, Protocol: header.ProtoUDP, Src: src, Dst: remote})
	}
	w.send(&rt, buf)
}

// innerECN is the ECN field of the outer header for an inner frame
// (INET_ECN_encapsulate with tos 0): the inner ECN, CE sent as ECT(0).
func innerECN(frame []byte) uint8 {
	ip := frame[header.EthernetLen:]
	var tc uint8
	switch header.Ethernet(frame).Type() {
	case header.EtherTypeIPv4:
		if len(ip) >= header.IPv4MinLen {
			tc = ip[1]
		}
	case header.EtherTypeIPv6:
		if len(ip) >= header.IPv6Len {
			tc = header.IPv6(ip).TrafficClass()
		}
	}
	if tc&3 == 3 {
		return 2
	}
	return tc & 3
}

// vxlanPMTU handles an inner frame whose outer packet exceeds the
// underlay path's MTU, mtu being what is left for the inner IP packet
// (skb_tunnel_check_pmtu), and reports whether the frame is done with:
// an inner IPv4 packet with DF or an IPv6 one is answered with frag needed
// or Packet Too Big carrying mtu, routed in the VRF it came in by, and
// counted on the VXLAN port; other frames go on, and their outer packet
// is fragmented.
func (w *worker) vxlanPMTU(b *binding, frame []byte, iif, mtu int) bool {
	ip := frame[header.EthernetLen:]
	var r Reason
	switch header.Ethernet(frame).Type() {
	case header.EtherTypeIPv4:
		if len(ip) < header.IPv4MinLen || !header.IPv4(ip).DF() {
			return false
		}
		r = ReasonFragNeeded
	case header.EtherTypeIPv6:
		r = ReasonPacketTooBig
		mtu = max(mtu, header.IPv6MinMTU)
	default:
		return false
	}
	w.txDrop(b, w.domainOf(b.index).vrf, r)
	if iif == 0 {
		return true
	}
	buf := w.buffer(max(len(frame), minBufLen))
	copy(buf, frame)
	pk := &w.errPk
	dom := w.domainOf(iif)
	*pk = packet{in: w.p.binding(iif), stats: w.p.countersOf(iif), iif: iif, dom: dom, vrf: w.p.vrfs.get(dom.vrf),
		buf: buf, frame: buf[:len(frame)], ip: buf[header.EthernetLen:len(frame)]}
	if pk.v6() {
		pk.chain, _ = header.IPv6(pk.ip).Walk(maxExtHeaders)
	}
	typ, code, _ := errorFor(r, pk.v6())
	w.icmpSend(pk, typ, code, uint32(mtu))
	return true
}
