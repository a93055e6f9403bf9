package cli

import (
	"strings"

	"github.com/govrf/govrf/internal/control"
)

// linkPrinter prints one link of a listing, as print_linkinfo does.
type linkPrinter struct {
	p      *printer
	s      *control.Snapshot
	l      *control.Link
	opts   *Options
	f      *listFilter
	doLink bool  // `link show` rather than `addr show`
	plane  Plane // counters, when a data plane runs
	// event: the line is a `monitor` event, which ip prints without the
	// queue length in text (JSON keeps it).
	event bool
	// port is the plane's PortState of a packet or tap link, asked
	// once per link (portState).
	port *PortState
}

// The properties every govrf link reports as the kernel does for the
// loopback, dummy and VRF devices: no queue (IFF_NO_QUEUE), the default
// queue length, one queue each way and the GSO/TSO/GRO limits of a
// software device.
const (
	txQueueLen = 1000
	gsoMaxSize = 65536
	gsoMaxSegs = 65535
	tsoMaxSize = 524280
	tsoMaxSegs = 65535
	groMaxSize = 65536
)

// print prints the link's own lines. It returns -1 when the link fails
// the filters, 0 when only its addresses are to follow (brief output, a
// label filter), and 1 after a full header, as print_linkinfo does.
func (lp *linkPrinter) print() int {
	p, l := lp.p, lp.l
	if !lp.f.linkMatches(lp.s, l) {
		return -1
	}
	if lp.f.hasLabel {
		return 0
	}
	if lp.opts.Brief {
		p.str(printAny, "ifname", "%-16s ", l.Name)
		p.str(printAny, "operstate", "%-14s ", lp.operState())
		if lp.f.family == familyLink {
			p.str(printAny, "address", "%s ", l.MAC.String())
			lp.printFlags()
			p.textf("\n")
		}
		return 0
	}
	p.int(printAny, "ifindex", "%d: ", int64(l.Index))
	p.str(printAny, "ifname", "%s: ", l.Name)
	lp.printFlags()
	p.int(printAny, "mtu", "mtu %d ", int64(l.MTU))
	qdisc := "noop"
	if l.Up {
		qdisc = "noqueue"
	}
	p.str(printAny, "qdisc", "qdisc %s ", qdisc)
	if l.Master != 0 {
		p.str(printAny, "master", "master %s ", devName(lp.s, l.Master))
	}
	p.str(printAny, "operstate", "state %s ", lp.operState())
	if lp.doLink {
		p.str(printAny, "linkmode", "mode %s ", "DEFAULT")
	}
	p.str(printAny, "group", "group %s ", groupName(l.Group))
	qlen := "qlen %d"
	if lp.event {
		qlen = ""
	}
	p.int(printAny, "txqlen", qlen, txQueueLen)
	if lp.f.family == 0 || lp.f.family == familyLink || lp.opts.Details {
		typ, brd := "ether", "ff:ff:ff:ff:ff:ff"
		if l.Kind == control.KindLoopback {
			typ, brd = "loopback", "00:00:00:00:00:00"
		}
		p.nl()
		p.str(printAny, "link_type", "    link/%s ", typ)
		p.str(printAny, "address", "%s", l.MAC.String())
		p.textf(" brd ")
		p.str(printAny, "broadcast", "%s", brd)
	}
	if lp.opts.Details {
		lp.printDetails()
	}
	if lp.doLink && lp.opts.Stats > 0 {
		p.nl()
		lp.printStats()
	}
	p.textf("\n")
	return 1
}

// operState is the link's RFC 2863 operational state as the kernel
// reports it: a VRF device is UP (vrf.c sets its carrier), the loopback
// and dummy devices, which have no carrier to report, UNKNOWN. A packet
// or tap link that is up mirrors its kernel interface in a running
// daemon (UP; DOWN when the interface is down; LOWERLAYERDOWN for a
// veth whose peer is down), and is LOWERLAYERDOWN while its interface
// is missing, UNKNOWN offline.
func (lp *linkPrinter) operState() string {
	l := lp.l
	switch {
	case !l.Up:
		return "DOWN"
	case l.Kind == control.KindVRF:
		return "UP"
	}
	if st := lp.portState(); st != nil {
		switch {
		case st.OperState != "":
			return st.OperState
		case !st.Carrier:
			return "LOWERLAYERDOWN"
		}
	}
	return "UNKNOWN"
}

// portState returns the running daemon's PortState of a packet or tap
// link, nil for other links and offline.
func (lp *linkPrinter) portState() *PortState {
	l := lp.l
	if lp.port == nil && lp.plane != nil && (l.Kind == control.KindPacket || l.Kind == control.KindTap) {
		st := lp.plane.PortState(l.Index)
		lp.port = &st
	}
	return lp.port
}

// noCarrier reports whether the link is a kernel port (packet, tap)
// that is up while frames cannot pass: the running daemon has no port
// for it (its interface is missing or vanished), or the interface is
// down or without carrier. The kernel shows such a device NO-CARRIER,
// without LOWER_UP.
func (lp *linkPrinter) noCarrier() bool {
	st := lp.portState()
	return lp.l.Up && st != nil && !st.Carrier
}

// printFlags prints the device flags in the kernel's bit order
// (print_link_flags).
func (lp *linkPrinter) printFlags() {
	l := lp.l
	var fl []string
	add := func(on bool, name string) {
		if on {
			fl = append(fl, name)
		}
	}
	add(lp.noCarrier(), "NO-CARRIER")
	add(l.Flags&control.FlagLoopback != 0, "LOOPBACK")
	add(l.Flags&control.FlagBroadcast != 0, "BROADCAST")
	add(l.Flags&control.FlagMulticast != 0, "MULTICAST")
	add(l.Flags&control.FlagNoARP != 0, "NOARP")
	add(l.Flags&control.FlagMaster != 0, "MASTER")
	add(l.Up, "UP")
	add(l.Up && !lp.noCarrier(), "LOWER_UP")
	p := lp.p
	p.openArray(printAny, "flags", "<")
	if p.isJSON() {
		for _, f := range fl {
			p.str(printAny, "", "%s", f)
		}
	} else {
		p.textf("%s", strings.Join(fl, ","))
	}
	p.closeArray(printAny, "> ")
}

// printDetails prints what -d adds: the MTU range, the kind and its
// parameters (`vrf table N`, and `vrf_slave table N` for a VRF's port),
// and the queue and offload limits.
func (lp *linkPrinter) printDetails() {
	p, l := lp.p, lp.l
	minMTU, maxMTU := 0, 0
	switch l.Kind {
	case control.KindVRF:
		minMTU, maxMTU = 1280, 65575 // vrf_setup: IPV6_MIN_MTU, IP6_MAX_MTU
	case control.KindVXLAN:
		minMTU, maxMTU = 68, 65535
	}
	p.uint(printAny, "promiscuity", " promiscuity %d ", 0)
	p.uint(printAny, "allmulti", " allmulti %d ", 0)
	p.uint(printAny, "min_mtu", "minmtu %d ", uint64(minMTU))
	p.uint(printAny, "max_mtu", "maxmtu %d ", uint64(maxMTU))
	if l.Kind != control.KindLoopback || l.Master != 0 {
		p.openObject("linkinfo")
		if l.Kind != control.KindLoopback {
			p.nl()
			p.str(printAny, "info_kind", "    %s ", l.Kind.String())
			switch l.Kind {
			case control.KindVRF:
				p.openObject("info_data")
				p.uint(printAny, "table", "table %d ", uint64(l.Table))
				p.closeObject()
			case control.KindVXLAN:
				printVXLAN(p, l.VXLAN)
			case control.KindPacket:
				p.openObject("info_data")
				p.str(printAny, "link", "link %s ", l.Parent)
				if l.Force {
					p.bool(printAny, "force", "force ", true)
				}
				p.closeObject()
			}
		}
		if m := lp.s.Link(l.Master); m != nil {
			p.nl()
			p.str(printAny, "info_slave_kind", "    %s_slave ", m.Kind.String())
			p.openObject("info_slave_data")
			p.uint(printAny, "table", "table %d ", uint64(m.Table))
			p.closeObject()
		}
		p.closeObject()
	}
	if lp.doLink {
		p.str(printAny, "inet6_addr_gen_mode", "addrgenmode %s ", "eui64")
	}
	p.uint(printAny, "num_tx_queues", "numtxqueues %d ", 1)
	p.uint(printAny, "num_rx_queues", "numrxqueues %d ", 1)
	p.uint(printAny, "gso_max_size", "gso_max_size %d ", gsoMaxSize)
	p.uint(printAny, "gso_max_segs", "gso_max_segs %d ", gsoMaxSegs)
	p.uint(printAny, "tso_max_size", "tso_max_size %d ", tsoMaxSize)
	p.uint(printAny, "tso_max_segs", "tso_max_segs %d ", tsoMaxSegs)
	p.uint(printAny, "gro_max_size", "gro_max_size %d ", groMaxSize)
}
