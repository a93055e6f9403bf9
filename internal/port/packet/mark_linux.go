package packet

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// skfAdMark is SKF_AD_OFF + SKF_AD_MARK: classic BPF's load of the skb
// mark (linux/filter.h).
const skfAdMark = 0xfffff000 + 20

// filterMark sets a classic BPF filter on socket fd that accepts only
// frames whose skb mark is mark (Config.Mark).
func filterMark(fd int, mark uint32) error {
	prog := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: skfAdMark},
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: mark},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0xffffffff},
		{Code: unix.BPF_RET | unix.BPF_K, K: 0},
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return fmt.Errorf("setsockopt SO_ATTACH_FILTER (Config.Mark): %w", err)
	}
	return nil
}

// AcceptAll lifts the filter Config.Mark set: the port receives every
// frame of its interface again, as without Mark. Call it when the
// program that was to hand frames over could not be attached.
func (p *Port) AcceptAll() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return p.closedError("accept all")
	}
	if err := unix.SetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_DETACH_FILTER, 0); err != nil && err != unix.ENOENT {
		return p.opError("accept all", fmt.Errorf("setsockopt SO_DETACH_FILTER: %w", err))
	}
	return nil
}
