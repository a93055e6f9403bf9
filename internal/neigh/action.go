package neigh

import (
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// Op is what an Action asks the data plane to do.
type Op uint8

// Action kinds.
const (
	// OpSolicit: send an ARP request or Neighbor Solicitation for Addr.
	// With Unicast set it is a probe to MAC (Ethernet destination for
	// ARP, IPv6 destination Addr for NDP); otherwise it goes to the
	// broadcast address (ARP) or Addr's solicited-node multicast address
	// (NDP). arp_solicit and ndisc_solicit pick these the same way.
	OpSolicit Op = iota + 1
	// OpTransmit: Packet waited for Addr, which resolved to MAC; write MAC
	// as the frame's destination, send it, then Release it.
	OpTransmit
	// OpUnreachable: resolving Addr failed and Packet waited for it; answer
	// it with ICMP host unreachable (ICMPv6 address unreachable, RFC 4861
	// §7.2.2), as arp_error_report and ndisc_error_report do, then Release
	// it.
	OpUnreachable
)

var opNames = [...]string{OpSolicit: "solicit", OpTransmit: "transmit", OpUnreachable: "unreachable"}

// String returns the op's name.
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "op?"
}

// Action is one thing the data plane must do for the cache. Actions
// carrying a Packet hand it over: the receiver must Release it.
type Action struct {
	Op      Op
	Addr    netip.Addr // the neighbour
	MAC     header.MAC // OpTransmit: the destination; OpSolicit: the probe's target when Unicast
	Unicast bool       // OpSolicit: a unicast probe rather than a multicast solicitation
	Packet  *Packet    // OpTransmit, OpUnreachable
}

// Verdict is what Resolve did with a frame.
type Verdict uint8

// Resolve's verdicts. In every case the caller keeps its frame buffer:
// the cache copies what it queues.
const (
	// Ready: the entry has a usable MAC after all (Resolve raced with
	// Input, or the entry was STALE); send the frame to it now.
	Ready Verdict = iota + 1
	// Queued: the frame waits behind a resolution in progress, the
	// oldest waiting frames dropped to make room for it (UnresDiscards).
	Queued
	// Solicit: resolution started; the frame waits, and a multicast
	// solicitation for the address must be sent now (the first of
	// McastSolicit; Tick returns the others). Under Queued and Solicit
	// the frame itself is dropped, and counted, only when the table's
	// QueueBytesTotal is spent by other entries' frames.
	Solicit
	// Dropped: the frame was not queued and nothing is resolving: too
	// many resolutions are in progress, solicitations are disabled, or
	// the address cannot be resolved. Linux drops such packets without an
	// ICMP error (SKB_DROP_REASON_NEIGH_CREATEFAIL), as it drops those of
	// TableFull and GlobalFull.
	Dropped
	// TableFull: as Dropped, because the table holds gc_thresh3 dynamic
	// entries and forced GC freed none (Linux's "neighbor table
	// overflow", TableFulls).
	TableFull
	// GlobalFull: as Dropped, because the Budget shared by every cache
	// refused the entry and forced GC freed none of the table's own
	// (GlobalFulls).
	GlobalFull
)

var verdictNames = [...]string{Ready: "ready", Queued: "queued", Solicit: "solicit", Dropped: "dropped",
	TableFull: "table_full", GlobalFull: "global_full"}

// String returns the verdict's name.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) && verdictNames[v] != "" {
		return verdictNames[v]
	}
	return "verdict?"
}
