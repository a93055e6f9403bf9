package fastpath

// Mode is where the program runs.
type Mode uint8

const (
	// XDP runs in the driver (or generic XDP) before an skb exists; a
	// forwarded frame leaves with bpf_redirect, XDP_PASS hands over.
	XDP Mode = iota
	// TC runs at tcx ingress on the skb; TC_ACT_OK hands over.
	TC
)

// String names the mode.
func (m Mode) String() string {
	if m == TC {
		return "tc"
	}
	return "xdp"
}
