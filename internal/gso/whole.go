package gso

import "github.com/govrf/govrf/internal/header"

// Super is a TCP super-frame a router may forward whole, as Linux forwards
// a GSO skb, instead of cutting it: Frame behind Hdr, standing for
// Segments wire frames of Octets octets in all, the first and longest of
// them First octets.
type Super struct {
	Frame    []byte
	Hdr      Hdr
	Segments int
	Octets   int
	First    int
}

// Whole reports whether the frame s has just been reset to is a TCP
// super-frame that can leave whole behind its Hdr, its segments cut by
// the egress kernel exactly as Next would cut them: more than one
// segment, no VLAN tag, IPv4 without options or IPv6 without extension
// headers, no Ethernet padding, and the TCP checksum left to the device
// (FlagNeedsCsum at the TCP checksum), so that it holds the
// pseudo-header sum the kernel's segmentation expects.
func (s *Segmenter) Whole() bool {
	if !s.tcp || !s.first || s.left < 2 || s.ip != header.EthernetLen || s.end != len(s.frame) {
		return false
	}
	ipLen := header.IPv6Len
	if s.v4 {
		ipLen = header.IPv4MinLen
	}
	return s.l4 == s.ip+ipLen && s.h.Flags&FlagNeedsCsum != 0 &&
		int(s.h.CsumStart) == s.l4 && s.h.CsumOffset == 16
}

// Super returns the frame s was reset to, as a Super counting every
// segment it stands for.
func (s *Segmenter) Super() Super {
	n := max(1, (s.end-s.data+s.mss-1)/s.mss)
	return Super{Frame: s.frame, Hdr: s.h, Segments: n, Octets: n*s.data + s.end - s.data,
		First: s.data + min(s.mss, s.end-s.data)}
}

// Skip drops the segments not yet written and returns how many they were
// and their octets, as Next would have written them.
func (s *Segmenter) Skip() (segments, octets int) {
	if s.kind == GSONone {
		segments, octets = s.left, s.left*len(s.frame)
	} else {
		segments, octets = s.left, s.left*s.data+s.end-s.off
	}
	s.left = 0
	return segments, octets
}
