package header

// IPv4 option types (RFC 791; Router Alert RFC 2113).
const (
	IPv4OptEOL         = 0
	IPv4OptNOP         = 1
	IPv4OptRR          = 7   // record route
	IPv4OptTimestamp   = 68  // internet timestamp
	IPv4OptLSRR        = 131 // loose source and record route
	IPv4OptSSRR        = 137 // strict source and record route
	IPv4OptRouterAlert = 148
)

// Timestamp option flag values that pair an address with each timestamp
// (RFC 791 "Internet Timestamp"); flag 0 records timestamps only.
const (
	tsAndAddr = 1 // each router records its address and a timestamp
	tsPrespec = 3 // the sender prespecified the addresses
)

// IPv4Option is one option other than EOL and NOP: its octets from the type
// through the end of its data.
type IPv4Option []byte

// Type returns the option type octet.
func (o IPv4Option) Type() uint8 { return o[0] }

// Copied reports whether RFC 791 copies the option into every fragment
// (the high bit of the type).
func (o IPv4Option) Copied() bool { return o[0]&0x80 != 0 }

// Data returns the octets after the type and length.
func (o IPv4Option) Data() []byte { return o[2:] }

// IPv4OptionIter walks the options of an IPv4 header. It stops at EOL or
// at the first option whose length does not fit, which Err reports.
type IPv4OptionIter struct {
	opts []byte
	off  int
	err  Problem
}

// OptionIter returns an iterator over the options of a validated header.
func (b IPv4) OptionIter() IPv4OptionIter { return IPv4OptionIter{opts: b.Options()} }

// Next returns the next option and its offset from the start of the IP
// header, skipping NOPs; ok is false at the end of the options, after EOL,
// or at a malformed length.
func (it *IPv4OptionIter) Next() (o IPv4Option, at int, ok bool) {
	for it.off < len(it.opts) {
		at := it.off
		switch it.opts[at] {
		case IPv4OptEOL:
			it.off = len(it.opts)
			return nil, 0, false
		case IPv4OptNOP:
			it.off++
			continue
		}
		// ip_options_compile: a type without room for its length, or a
		// length below 2 or past the options, points at the type octet.
		rest := len(it.opts) - at
		if rest < 2 || it.opts[at+1] < 2 || int(it.opts[at+1]) > rest {
			it.err = paramProblem(ReasonBadOptions, 0, IPv4MinLen+at)
			it.off = len(it.opts)
			return nil, 0, false
		}
		it.off += int(it.opts[at+1])
		return IPv4Option(it.opts[at:it.off]), IPv4MinLen + at, true
	}
	return nil, 0, false
}

// Err returns the malformed option that stopped the walk, if any.
func (it *IPv4OptionIter) Err() Problem { return it.err }

// CheckOptions validates the options of a validated header as Linux's
// ip_options_compile does for a received packet, so govrf refuses what the
// kernel refuses: a length that does not fit; a record-route, source-route
// or timestamp option too short for its pointer, with a pointer below its
// first slot or a slot cut short; a second record-route, source-route or
// timestamp option; a full timestamp option whose overflow counter is
// already 15; a router alert shorter than 4 octets. The Problem carries the
// ICMP Parameter Problem pointer (RFC 1812 §4.3.3.5, §5.2.4). Unknown
// options are ignored (RFC 1812 §4.2.2.1).
func (b IPv4) CheckOptions() Problem {
	var rr, srr, ts bool
	it := b.OptionIter()
	for o, at, ok := it.Next(); ok; o, at, ok = it.Next() {
		var bad int // offset of the faulty octet within o, or -1
		switch o.Type() {
		case IPv4OptLSRR, IPv4OptSSRR:
			// Linux refuses a second source route only after
			// checking the option itself.
			bad = checkRoute(o, false)
			if bad < 0 && srr {
				bad = 0
			}
			srr = true
		case IPv4OptRR:
			bad = checkRoute(o, rr)
			if bad < 0 && int(o[2]) <= len(o) && int(o[2])+3 > len(o) {
				bad = 2 // a free slot must hold a whole address
			}
			rr = true
		case IPv4OptTimestamp:
			bad = checkTimestamp(o, ts)
			ts = true
		case IPv4OptRouterAlert:
			bad = -1
			if len(o) < 4 {
				bad = 1
			}
		default:
			bad = -1
		}
		if bad >= 0 {
			return paramProblem(ReasonBadOptions, 0, at+bad)
		}
	}
	return it.Err()
}

// checkRoute checks the length and pointer of a route option and returns
// the offset of the faulty octet, or -1. A second option of the kind is
// refused at its type octet (RFC 1812 §5.2.4.1 allows one source route).
func checkRoute(o IPv4Option, dup bool) int {
	switch {
	case dup:
		return 0
	case len(o) < 3:
		return 1
	case o[2] < 4:
		return 2
	}
	return -1
}

// checkTimestamp checks an internet timestamp option and returns the
// offset of the faulty octet, or -1. While its pointer
// is inside the option the next slot must fit: 4 octets, or 8 for the
// flags that pair an address with each timestamp. Once it is full, its
// 4-bit overflow counter must have room to count this router.
func checkTimestamp(o IPv4Option, dup bool) int {
	switch {
	case dup:
		return 0
	case len(o) < 4:
		return 1
	case o[2] < 5:
		return 2
	}
	ptr := int(o[2])
	if ptr > len(o) {
		if o[3]>>4 == 15 {
			return 3
		}
		return -1
	}
	slot := 4
	if f := o[3] & 0x0f; f == tsAndAddr || f == tsPrespec {
		slot = 8
	}
	if ptr+slot-1 > len(o) {
		return 2
	}
	return -1
}

// FindOption returns the first option of type t and its offset from the
// start of the header.
func (b IPv4) FindOption(t uint8) (IPv4Option, int, bool) {
	it := b.OptionIter()
	for o, at, ok := it.Next(); ok; o, at, ok = it.Next() {
		if o.Type() == t {
			return o, at, true
		}
	}
	return nil, 0, false
}

// ClearUncopiedOptions overwrites with NOPs the options RFC 791 does not
// copy into fragments after the first, keeping the header length, as
// Linux's ip_options_fragment does. The checksum is left stale.
func (b IPv4) ClearUncopiedOptions() {
	it := b.OptionIter()
	for o, _, ok := it.Next(); ok; o, _, ok = it.Next() {
		if !o.Copied() {
			for i := range o {
				o[i] = IPv4OptNOP
			}
		}
	}
}
