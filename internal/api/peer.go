package api

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Peer is who is on the other end of a connection: its credentials as
// SO_PEERCRED reports them at connect, and its supplementary groups.
type Peer struct {
	PID    int32
	UID    uint32
	GID    uint32
	Groups []uint32
}

// Policy says who may use the socket.
type Policy struct {
	UID uint32 // the daemon's own user
	GID uint32 // the socket's group
}

// Authorize returns nil if p may use the socket: root, the daemon's
// user, or a member of the socket's group, as primary or supplementary
// group (the usual way to grant it is adding a user to the group).
func (pol Policy) Authorize(p Peer) error {
	if p.UID == 0 || p.UID == pol.UID || p.GID == pol.GID || slices.Contains(p.Groups, pol.GID) {
		return nil
	}
	return fmt.Errorf("permission denied: uid %d is not root, not the daemon's user (uid %d) and not in the socket's group (gid %d)", p.UID, pol.UID, pol.GID)
}

// supplementaryGroups reads the Groups line of /proc/PID/status, the
// only place the kernel reports another process's supplementary
// groups. SO_PEERCRED gives the primary group alone.
func supplementaryGroups(pid int32) ([]uint32, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Groups:")
		if !ok {
			continue
		}
		var groups []uint32
		for _, f := range strings.Fields(rest) {
			g, err := strconv.ParseUint(f, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("groups of pid %d: %w", pid, err)
			}
			groups = append(groups, uint32(g))
		}
		return groups, nil
	}
	return nil, sc.Err()
}
