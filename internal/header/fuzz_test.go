package header

import (
	"bytes"
	"net/netip"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every validator and, where it
// accepts them, to every accessor, and check the invariants the data path
// relies on. Seeds live in testdata/fuzz; crashers found later stay there.

func FuzzChecksum(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, initial uint16) {
		if got, want := Checksum(b, initial), naiveChecksum(b, initial); got != want {
			t.Fatalf("Checksum(% x, %#04x) = %#04x, want %#04x", b, initial, got, want)
		}
		if len(b) < 4 || Checksum(b[2:], 0) == 0 {
			return
		}
		// Replace the first word and patch the checksum of the rest.
		hc := ^Checksum(b[2:], 0)
		m, m2 := uint16(b[2])<<8|uint16(b[3]), uint16(b[0])<<8|uint16(b[1])
		c := append([]byte(nil), b[2:]...)
		c[0], c[1] = b[0], b[1]
		if Checksum(c, 0) == 0 {
			return
		}
		if got, want := UpdateChecksum(hc, m, m2), ^Checksum(c, 0); got != want {
			t.Fatalf("UpdateChecksum(%#04x, %#04x, %#04x) = %#04x, want %#04x", hc, m, m2, got, want)
		}
	})
}

func FuzzEthernet(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0, 0, 100, 0x88, 0xa8, 0, 1, 0x08, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e := Ethernet(b)
		if e.Validate() != ReasonNone {
			return
		}
		vid, tagged := e.VLAN()
		if tagged != IsTPID(e.Type()) || vid > 0xfff || e.HeaderLen() > len(b) || e.Tags() > MaxVLANTags {
			t.Fatalf("Ethernet(% x): VLAN %d,%v HeaderLen %d", b, vid, tagged, e.HeaderLen())
		}
		_, _, _ = e.Dst(), e.Src(), e.PayloadType()
		if len(e.Payload()) != len(b)-e.HeaderLen() {
			t.Fatalf("Ethernet(% x): Payload of %d octets", b, len(e.Payload()))
		}
	})
}

func FuzzARP(f *testing.F) {
	a := ARP(make([]byte, ARPLen))
	a.Encode(ARPRequest, macA, src4, MAC{}, dst4)
	f.Add([]byte(a))
	f.Fuzz(func(t *testing.T, b []byte) {
		a := ARP(b)
		if a.Validate() != ReasonNone {
			return
		}
		c := ARP(make([]byte, ARPLen))
		c.Encode(a.Op(), a.SenderMAC(), a.SenderIP(), a.TargetMAC(), a.TargetIP())
		if c.Validate() != ReasonNone || !bytes.Equal(c[2:], a[2:ARPLen]) {
			t.Fatalf("Encode of ARP(% x) read back as % x", b[:ARPLen], []byte(c))
		}
	})
}

func FuzzIPv4(f *testing.F) {
	f.Add([]byte(buildIPv4([]byte{IPv4OptRR, 7, 4, 0, 0, 0, 0, IPv4OptTimestamp, 8, 5, 1}, []byte("data"))), true)
	f.Fuzz(func(t *testing.T, b []byte, fixSum bool) {
		ip := IPv4(b)
		if fixSum && len(b) >= IPv4MinLen && ip.HeaderLen() >= IPv4MinLen && ip.HeaderLen() <= len(b) {
			// Let the fuzzer past the checksum into the options.
			ip.SetHeaderChecksum(ip.CalculateChecksum())
		}
		if ip.Validate() != ReasonNone {
			return
		}
		ip = ip.Packet()
		hl := ip.HeaderLen()
		if len(ip.Payload()) != int(ip.TotalLength())-hl || len(ip.Options()) != hl-IPv4MinLen {
			t.Fatalf("IPv4(% x): Payload %d Options %d", b, len(ip.Payload()), len(ip.Options()))
		}
		_, _, _, _, _, _ = ip.Src(), ip.Dst(), ip.DF(), ip.MF(), ip.FragmentOffset(), ip.CheckFragment()
		p := ip.CheckOptions()
		if p.Reason != ReasonNone && (p.Reason != ReasonBadOptions || !p.Send || int(p.Pointer) < IPv4MinLen || int(p.Pointer) >= hl) {
			t.Fatalf("IPv4(% x).CheckOptions() = %+v, outside the options", b, p)
		}
		it := ip.OptionIter()
		for o, at, ok := it.Next(); ok; o, at, ok = it.Next() {
			if at < IPv4MinLen || at+len(o) > hl || len(o) < 2 {
				t.Fatalf("IPv4(% x): option % x at %d", b, []byte(o), at)
			}
		}
		if p.OK() {
			c := clone(ip)
			c.ClearUncopiedOptions()
			c.SetHeaderChecksum(c.CalculateChecksum())
			if c.Validate() != ReasonNone || !c.CheckOptions().OK() {
				t.Fatalf("IPv4(% x): ClearUncopiedOptions broke the options: % x", b, c.Options())
			}
		}
		c := clone(ip)
		c.DecTTL()
		if c.Validate() != ReasonNone || c.TTL() != ip.TTL()-1 {
			t.Fatalf("IPv4(% x): DecTTL left an invalid header % x", b, []byte(c[:hl]))
		}
		var buf [ICMPv4MaxErrorLen]byte
		e := ICMPv4Error{Type: ICMPv4TimeExceeded, Src: ip.Dst(), Dst: ip.Src(), TTL: 64}
		n := e.Encode(buf[:], ip)
		out := IPv4(buf[:n])
		if n == 0 || out.Validate() != ReasonNone || ICMPv4(out.Payload()).Validate() != ReasonNone ||
			!bytes.Equal(ICMPv4(out.Payload()).Quoted(), ip[:min(len(ip), ICMPv4MaxErrorLen-28)]) {
			t.Fatalf("ICMPv4Error.Encode about % x = %d, % x", b, n, buf[:n])
		}
	})
}

func FuzzICMP(f *testing.F) {
	m := ICMPv4(append([]byte{ICMPv4DstUnreachable, ICMPv4FragNeeded, 0, 0, 0, 0, 5, 0xdc}, buildIPv4(nil, make([]byte, 8))...))
	m.SetChecksum(m.CalculateChecksum())
	f.Add([]byte(m), true)
	f.Fuzz(func(t *testing.T, b []byte, fixSum bool) {
		m := ICMPv4(b)
		if fixSum && len(b) >= ICMPv4MinLen {
			m.SetChecksum(m.CalculateChecksum())
		}
		if m.Validate() != ReasonNone {
			return
		}
		_, _, _, _, _, _ = m.Type(), m.Code(), m.Ident(), m.Seq(), m.MTU(), m.Gateway()
		if IsICMPv4Error(m.Type()) {
			q := m.Quoted()
			if q.Validate() == ReasonNone {
				_, _ = q.Src(), q.Dst()
			}
		}
		// The same octets as an ICMPv6 message from a host to a router.
		ip := buildIPv6(gl6, ll6, 64, nil, ProtoICMPv6, b)
		m6 := ICMPv6(ip[IPv6Len:])
		m6.SetChecksum(m6.CalculateChecksum(gl6, ll6))
		if r := m6.Validate(ip); r != ReasonNone {
			t.Fatalf("ICMPv6(% x) with its checksum set: Validate() = %v", b, r)
		}
		_, _, _ = m6.MTU(), m6.Pointer(), m6.Quoted()
	})
}

func FuzzIPv6Chain(f *testing.F) {
	f.Add([]byte(buildIPv6(ll6, gl6, 64, []ext{optsHdr(ProtoHopByHop, 1), routingHdr(0, 1), fragHdr(0, true), {ProtoAH, []byte{1: 1, 11: 0}}}, ProtoTCP, make([]byte, 20))), uint8(8))
	f.Fuzz(func(t *testing.T, b []byte, maxHeaders uint8) {
		ip := IPv6(b)
		if ip.Validate() != ReasonNone {
			return
		}
		ip = ip.Packet()
		limit := int(maxHeaders % 16)
		c, p := ip.Walk(limit)
		if c.Offset > len(ip) || c.Headers > limit || c.ProtoAt >= c.Offset || c.ProtoAt < 6 {
			t.Fatalf("IPv6(% x).Walk(%d) = %+v", b, limit, c)
		}
		if p.Send && int(p.Pointer) >= len(ip) {
			t.Fatalf("IPv6(% x).Walk(%d) = %+v, pointer past the packet", b, limit, p)
		}
		if !p.OK() {
			return
		}
		if c.Routing != 0 {
			if q := ip.CheckRouting(c.Routing); q.Send && int(q.Pointer) >= len(ip) {
				t.Fatalf("IPv6(% x).CheckRouting(%d) = %+v, pointer past the packet", b, c.Routing, q)
			}
		}
		if c.Fragment != 0 {
			if q := ip.CheckFragment(c.Fragment); q.Send && int(q.Pointer) >= len(ip) {
				t.Fatalf("IPv6(% x).CheckFragment(%d) = %+v, pointer past the packet", b, c.Fragment, q)
			}
		}
		if c.Proto == ProtoICMPv6 {
			_ = ValidateNDP(ip, c)
		}
		var buf [ICMPv6MaxErrorLen]byte
		e := ICMPv6Error{Type: ICMPv6ParamProblem, Rest: p.Pointer, Src: ip.Dst(), Dst: ip.Src(), HopLimit: 64}
		n := e.Encode(buf[:], ip)
		out := IPv6(buf[:n])
		oc, op := out.Walk(0)
		if n == 0 || out.Validate() != ReasonNone || !op.OK() || ICMPv6(out.Upper(oc)).Validate(out) != ReasonNone {
			t.Fatalf("ICMPv6Error.Encode about % x = %d, % x", b, n, buf[:n])
		}
	})
}

// ndpAddrs are the addresses FuzzNDP picks sources and destinations from.
var ndpAddrs = [...]netip.Addr{
	netip.IPv6Unspecified(), ll6, ll6b, gl6, SolicitedNode(gl6), netip.MustParseAddr("ff02::1"),
}

func FuzzNDP(f *testing.F) {
	f.Add(nsMsg(gl6, sllao(macA)...), uint8(255), uint8(1), uint8(4), false)
	f.Fuzz(func(t *testing.T, msg []byte, hops, srcSel, dstSel uint8, frag bool) {
		src, dst := ndpAddrs[int(srcSel)%len(ndpAddrs)], ndpAddrs[int(dstSel)%len(ndpAddrs)]
		var exts []ext
		if frag {
			exts = []ext{fragHdr(0, false)}
		}
		ip := icmp6Packet(src, dst, hops, exts, msg)
		c, p := ip.Walk(8)
		if !p.OK() {
			return
		}
		if ValidateNDP(ip, c) != ReasonNone || len(msg) == 0 || !IsNDP(msg[0]) {
			return
		}
		m := ip.Upper(c)
		opts := NDPOptions(m[ndpLen(m[0]):])
		it := opts.Iter()
		total := 0
		for o, ok := it.Next(); ok; o, ok = it.Next() {
			if len(o) == 0 || len(o)%8 != 0 {
				t.Fatalf("NDP % x: option % x", msg, []byte(o))
			}
			total += len(o)
			_, _ = o.MTU()
			if pi, ok := o.PrefixInfo(); ok {
				_, _, _, _, _ = pi.Prefix(), pi.OnLink(), pi.Autonomous(), pi.ValidLifetime(), pi.PreferredLifetime()
			}
		}
		if total != len(opts) {
			t.Fatalf("NDP % x: options cover %d of %d octets", msg, total, len(opts))
		}
		buf := make([]byte, NeighborSolicitBufLen)
		switch m[0] {
		case ICMPv6NeighborSolicit:
			mac, _ := opts.LinkAddr(NDPOptSourceLinkAddr)
			n := PutNeighborSolicit(buf, src, dst, NeighborSolicit(m).Target(), mac)
			checkBuilt(t, msg, buf[:n])
		case ICMPv6NeighborAdvert:
			na := NeighborAdvert(m)
			mac, _ := opts.LinkAddr(NDPOptTargetLinkAddr)
			n := PutNeighborAdvert(buf, src, dst, na.Target(), na.Flags(), mac)
			checkBuilt(t, msg, buf[:n])
		case ICMPv6RouterAdvert:
			ra := RouterAdvert(m)
			_, _, _, _, _, _ = ra.CurHopLimit(), ra.Managed(), ra.Other(), ra.RouterLifetime(), ra.ReachableTime(), ra.RetransTimer()
		case ICMPv6Redirect:
			_, _ = Redirect(m).Target(), Redirect(m).Destination()
		}
	})
}

// checkBuilt checks that a rebuilt NS or NA validates.
func checkBuilt(t *testing.T, msg []byte, b IPv6) {
	t.Helper()
	c, p := b.Walk(8)
	if r := ValidateNDP(b, c); len(b) == 0 || !p.OK() || r != ReasonNone {
		t.Fatalf("NDP % x rebuilt as % x: ValidateNDP() = %v", msg, []byte(b), r)
	}
}
