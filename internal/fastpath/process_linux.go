package fastpath

import (
	"bufio"
	"errors"
	"fmt"
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
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return Counters{}, fmt.Errorf("fastpath: %w", err)
	}
	seen := map[uint32]bool{}
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
		info, err := m.Info()
		if err != nil || info.Name != "fp_counters" {
			m.Close()
			continue
		}
		var sum Counters
		var per []Counters
		for slot := range info.MaxEntries {
			if err := m.Lookup(slot, &per); err != nil {
				m.Close()
				return Counters{}, fmt.Errorf("fastpath: read counters of process %d: %w", pid, err)
			}
			for _, c := range per {
				sum.Add(c)
			}
		}
		m.Close()
		return sum, nil
	}
	return Counters{}, errors.New("fastpath: process " + strconv.Itoa(pid) + " holds no fast path counters")
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
