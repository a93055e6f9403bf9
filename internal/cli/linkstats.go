package cli

import "fmt"

// linkStats are a link's counters in rtnl_link_stats64's terms.
type linkStats struct {
	rxBytes, rxPackets, rxErrors, rxDropped, rxOverErrors, multicast                 uint64
	rxLengthErrors, rxCRCErrors, rxFrameErrors, rxFIFOErrors, rxMissedErrors         uint64
	txBytes, txPackets, txErrors, txDropped, txCarrierErrors, collisions             uint64
	txAbortedErrors, txFIFOErrors, txWindowErrors, txHeartbeatErrors, carrierChanges uint64
}

// printStats prints the link's counters as -s does (print_stats64):
// "stats64" in JSON, a table whose columns widen to fit in text; -s -s
// adds the error breakdown. The control plane moves no packets, so its
// counters are zero.
func (lp *linkPrinter) printStats() {
	var st linkStats
	p, detail := lp.p, lp.opts.Stats > 1
	if p.isJSON() {
		u := func(key string, v uint64) { p.uint(printJSON, key, "", v) }
		p.openObject("stats64")
		p.openObject("rx")
		u("bytes", st.rxBytes)
		u("packets", st.rxPackets)
		u("errors", st.rxErrors)
		u("dropped", st.rxDropped)
		u("over_errors", st.rxOverErrors)
		u("multicast", st.multicast)
		if detail {
			u("length_errors", st.rxLengthErrors)
			u("crc_errors", st.rxCRCErrors)
			u("frame_errors", st.rxFrameErrors)
			u("fifo_errors", st.rxFIFOErrors)
			u("missed_errors", st.rxMissedErrors)
		}
		p.closeObject()
		p.openObject("tx")
		u("bytes", st.txBytes)
		u("packets", st.txPackets)
		u("errors", st.txErrors)
		u("dropped", st.txDropped)
		u("carrier_errors", st.txCarrierErrors)
		u("collisions", st.collisions)
		if detail {
			u("aborted_errors", st.txAbortedErrors)
			u("fifo_errors", st.txFIFOErrors)
			u("window_errors", st.txWindowErrors)
			u("heartbeat_errors", st.txHeartbeatErrors)
			u("carrier_changes", st.carrierChanges)
		}
		p.closeObject()
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
	num := func(width int, v uint64) { p.textf("%*d ", width, v) }
	p.textf("    RX: %*s %*s %*s %*s %*s %*s %*s", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "missed", cols[5], "mcast", cols[6], "")
	p.nl()
	p.textf("    ")
	for i, v := range []uint64{st.rxBytes, st.rxPackets, st.rxErrors, st.rxDropped, st.rxMissedErrors, st.multicast} {
		num(cols[i], v)
	}
	if detail {
		p.nl()
		p.textf("    RX errors:%*s %*s %*s %*s %*s %*s", cols[0]-10, "", cols[1], "length",
			cols[2], "crc", cols[3], "frame", cols[4], "fifo", cols[5], "overrun")
		p.nl()
		p.textf("%*s", cols[0]+5, "")
		for i, v := range []uint64{st.rxLengthErrors, st.rxCRCErrors, st.rxFrameErrors, st.rxFIFOErrors, st.rxOverErrors} {
			num(cols[i+1], v)
		}
	}
	p.nl()
	p.textf("    TX: %*s %*s %*s %*s %*s %*s %*s", cols[0]-4, "bytes", cols[1], "packets",
		cols[2], "errors", cols[3], "dropped", cols[4], "carrier", cols[5], "collsns", cols[6], "")
	p.nl()
	p.textf("    ")
	for i, v := range []uint64{st.txBytes, st.txPackets, st.txErrors, st.txDropped, st.txCarrierErrors, st.collisions} {
		num(cols[i], v)
	}
	if detail {
		p.nl()
		p.textf("    TX errors:%*s %*s %*s %*s %*s %*s", cols[0]-10, "", cols[1], "aborted",
			cols[2], "fifo", cols[3], "window", cols[4], "heartbt", cols[5], "transns")
		p.nl()
		p.textf("%*s", cols[0]+5, "")
		for i, v := range []uint64{st.txAbortedErrors, st.txFIFOErrors, st.txWindowErrors, st.txHeartbeatErrors, st.carrierChanges} {
			num(cols[i+1], v)
		}
	}
}

// sizeColumns widens cols to fit the decimal width of each value.
func sizeColumns(cols []int, vals ...uint64) {
	for i, v := range vals {
		if n := len(fmt.Sprint(v)); n > cols[i] {
			cols[i] = n
		}
	}
}
