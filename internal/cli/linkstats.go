package cli

import (
	"fmt"
	"maps"
	"slices"
)

// linkStats are a link's counters in rtnl_link_stats64's terms.
type linkStats struct {
	rxBytes, rxPackets, rxErrors, rxDropped, rxOverErrors, multicast                 uint64
	rxLengthErrors, rxCRCErrors, rxFrameErrors, rxFIFOErrors, rxMissedErrors         uint64
	txBytes, txPackets, txErrors, txDropped, txCarrierErrors, collisions             uint64
	txAbortedErrors, txFIFOErrors, txWindowErrors, txHeartbeatErrors, carrierChanges uint64
}

// printStats prints the link's counters as -s does (print_stats64):
// "stats64" in JSON, a table whose columns widen to fit in text; -s -s
// adds the error breakdown and govrf's drop reasons. Offline nothing
// moves packets, so the counters are zero; under govrfd they are the
// data plane's and the port's.
func (lp *linkPrinter) printStats() {
	var st linkStats
	var c LinkCounters
	if lp.plane != nil {
		c, _ = lp.plane.LinkStats(lp.l.Index)
		st.rxPackets, st.rxBytes, st.rxErrors, st.rxDropped = c.RxPackets, c.RxBytes, c.RxErrors, c.RxDropped
		st.rxMissedErrors, st.multicast = c.RxMissed, c.Multicast
		st.txPackets, st.txBytes, st.txErrors, st.txDropped = c.TxPackets, c.TxBytes, c.TxErrors, c.TxDropped
	}
	p, detail := lp.p, lp.opts.Stats > 1
	if detail {
		defer printReasons(p, &c)
	}
	if p.isJSON() {
		p.openObject("stats64")
		jsonCounters(p, "rx", detail, []counter{
			{"bytes", st.rxBytes}, {"packets", st.rxPackets}, {"errors", st.rxErrors},
			{"dropped", st.rxDropped}, {"over_errors", st.rxOverErrors}, {"multicast", st.multicast},
		}, []counter{
			{"length_errors", st.rxLengthErrors}, {"crc_errors", st.rxCRCErrors},
			{"frame_errors", st.rxFrameErrors}, {"fifo_errors", st.rxFIFOErrors},
			{"missed_errors", st.rxMissedErrors},
		})
		jsonCounters(p, "tx", detail, []counter{
			{"bytes", st.txBytes}, {"packets", st.txPackets}, {"errors", st.txErrors},
			{"dropped", st.txDropped}, {"carrier_errors", st.txCarrierErrors}, {"collisions", st.collisions},
		}, []counter{
			{"aborted_errors", st.txAbortedErrors}, {"fifo_errors", st.txFIFOErrors},
			{"window_errors", st.txWindowErrors}, {"heartbeat_errors", st.txHeartbeatErrors},
			{"carrier_changes", st.carrierChanges},
		})
		p.closeObject()
		return
	}
	// The minimum widths are those of the labels; rows widen them
	// column by column exactly as size_columns does, including its habit
	// of sizing the TX error row one column to the right.
	cols := []int{len("*X errors:"), len("packets"), len("errors"), len("dropped"),
		len("heartbt"), len("overrun"), len("compressed"), len("otherhost")}
	sizeColumns(cols, st.rxBytes, st.rxPackets, st.rxErrors, st.rxDropped, st.rxMissedErrors, st.multicast, 0, 0)
	if detail {
		sizeColumns(cols, 0, st.rxLengthErrors, st.rxCRCErrors, st.rxFrameErrors, st.rxFIFOErrors,
			st.rxOverErrors, 0, 0)
	}
	sizeColumns(cols, st.txBytes, st.txPackets, st.txErrors, st.txDropped, st.txCarrierErrors, st.collisions, 0, 0)
	if detail {
		sizeColumns(cols, 0, 0, st.txAbortedErrors, st.txFIFOErrors, st.txWindowErrors,
			st.txHeartbeatErrors, st.carrierChanges, 0)
	}
	textCounters(p, cols, "RX", [2]string{"missed", "mcast"},
		[]uint64{st.rxBytes, st.rxPackets, st.rxErrors, st.rxDropped, st.rxMissedErrors, st.multicast},
		detail, [5]string{"length", "crc", "frame", "fifo", "overrun"},
		[]uint64{st.rxLengthErrors, st.rxCRCErrors, st.rxFrameErrors, st.rxFIFOErrors, st.rxOverErrors})
	p.nl()
	textCounters(p, cols, "TX", [2]string{"carrier", "collsns"},
		[]uint64{st.txBytes, st.txPackets, st.txErrors, st.txDropped, st.txCarrierErrors, st.collisions},
		detail, [5]string{"aborted", "fifo", "window", "heartbt", "transns"},
		[]uint64{st.txAbortedErrors, st.txFIFOErrors, st.txWindowErrors, st.txHeartbeatErrors, st.carrierChanges})
}

// textCounters prints one direction (dir is "RX" or "TX") as
// print_stats64 does: a row of labels, the last two of them (labels)
// its own, over the values, then the error breakdown (errLabels over
// errVals, from the second column) when detail.
func textCounters(p *printer, cols []int, dir string, labels [2]string, vals []uint64,
	detail bool, errLabels [5]string, errVals []uint64) {
	p.textf("    %s: %*s %*s %*s %*s %*s %*s %*s", dir, cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], labels[0], cols[5], labels[1], cols[6], "")
	p.nl()
	p.textf("    ")
	for i, v := range vals {
		p.textf("%*d ", cols[i], v)
	}
	if !detail {
		return
	}
	p.nl()
	p.textf("    %s errors:%*s %*s %*s %*s %*s %*s", dir, cols[0]-10, "", cols[1], errLabels[0],
		cols[2], errLabels[1], cols[3], errLabels[2], cols[4], errLabels[3], cols[5], errLabels[4])
	p.nl()
	p.textf("%*s", cols[0]+5, "")
	for i, v := range errVals {
		p.textf("%*d ", cols[i+1], v)
	}
}

// counter is one named member of a stats64 direction.
type counter struct {
	key string
	v   uint64
}

// jsonCounters prints the object name of one direction's counters, with
// the error breakdown when detail.
func jsonCounters(p *printer, name string, detail bool, base, breakdown []counter) {
	p.openObject(name)
	for _, c := range base {
		p.uint(printJSON, c.key, "", c.v)
	}
	if detail {
		for _, c := range breakdown {
			p.uint(printJSON, c.key, "", c.v)
		}
	}
	p.closeObject()
}

// sizeColumns widens cols to fit the decimal width of each value.
func sizeColumns(cols []int, vals ...uint64) {
	for i, v := range vals {
		if n := len(fmt.Sprint(v)); n > cols[i] {
			cols[i] = n
		}
	}
}

// printReasons prints govrf's breakdown of a link's drops by reason, in
// text one line per kind with the reasons in name order, in JSON the
// object "drop_reasons" with "rx", "answered" and "tx". Kinds with no
// drop are left out, and everything without any: offline, ip's output.
func printReasons(p *printer, c *LinkCounters) {
	kinds := []struct {
		key, label string
		m          map[string]uint64
	}{{"rx", "RX drops:", c.Drops}, {"answered", "RX answered:", c.Answered}, {"tx", "TX drops:", c.TxDrops}}
	if len(c.Drops)+len(c.Answered)+len(c.TxDrops) == 0 {
		return // as ip prints it
	}
	if p.isJSON() {
		p.openObject("drop_reasons")
	}
	for _, k := range kinds {
		if len(k.m) == 0 {
			continue
		}
		if p.isJSON() {
			p.openObject(k.key)
		} else {
			p.nl()
			p.textf("    %s", k.label)
		}
		for _, r := range slices.Sorted(maps.Keys(k.m)) {
			p.uint(printJSON, r, "", k.m[r])
			p.textf(" %s %d", r, k.m[r])
		}
		if p.isJSON() {
			p.closeObject()
		}
	}
	if p.isJSON() {
		p.closeObject()
	}
}
