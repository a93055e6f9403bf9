package fastpath

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
)

// CountersOf returns what the fast path of process pid (a govrfd) has
// counted so far over all its port slots, summed: the counters map is
// found among the process's BPF map descriptors (/proc/PID/fdinfo). It
// is for benchmarks and tests, which tell the packets the fast path
// forwarded from those the Go data path did; it needs root.
func CountersOf(pid int) (Counters, error) {
	maps, err := mapsOf(pid, "fp_counters")
	if err != nil {
		return Counters{}, err
	}
	if len(maps) == 0 {
		return Counters{}, errors.New("fastpath: process " + strconv.Itoa(pid) + " holds no fast path counters")
	}
	for _, m := range maps[1:] {
		m.Close()
	}
	m := maps[0]
	defer m.Close()
	var sum Counters
	var per []Counters
	for slot := range m.MaxEntries() {
		if err := m.Lookup(slot, &per); err != nil {
			return Counters{}, fmt.Errorf("fastpath: read counters of process %d: %w", pid, err)
		}
		for _, c := range per {
			sum.Add(c)
		}
	}
	return sum, nil
}

// TriesOf returns the LPM tries (every VRF's, of both families) of the
// fast path of process pid (a govrfd) in use now, found as CountersOf
// finds its counters, for benchmarks that watch a route reach them
// (Forwards); the caller closes them. It needs root.
func TriesOf(pid int) ([]*ebpf.Map, error) { return mapsOf(pid, "fp_trie") }

// mapsOf opens the BPF maps named name among process pid's descriptors
// (/proc/PID/fdinfo), each once; the caller closes them.
func mapsOf(pid int, name string) ([]*ebpf.Map, error) {
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("fastpath: %w", err)
	}
	seen := map[uint32]bool{}
	var out []*ebpf.Map
	for _, fd := range fds {
		id, ok := mapID(filepath.Join(dir, fd.Name()))
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		m, err := ebpf.NewMapFromID(ebpf.MapID(id))
		if err != nil {
			continue
		}
		if info, err := m.Info(); err != nil || info.Name != name {
			m.Close()
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// Forwards reports whether trie t (of TriesOf) gives address a a
// nexthop: its longest match there forwards rather than hands over.
func Forwards(t *ebpf.Map, a netip.Addr) bool {
	if (t.KeySize() == 8) != a.Is4() {
		return false
	}
	var v uint32
	if err := t.Lookup(trieKey(netip.PrefixFrom(a, a.BitLen())), &v); err != nil {
		return false
	}
	return v&trieNexthopMask != 0
}

// mapID returns the BPF map ID an fdinfo file names, if it is a map's.
func mapID(path string) (uint32, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "map_id:"); ok {
			id, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
			return uint32(id), err == nil
		}
	}
	return 0, false
}
