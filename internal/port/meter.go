package port

import "sync/atomic"

// Meter keeps a port's traffic counters. The port's reader and writer
// add to them while Stats runs in any goroutine, hence atomics; a port
// keeps one and answers Counters.Stats with Load.
type Meter struct {
	RxPackets, RxBytes, RxErrors, RxDropped, Multicast atomic.Uint64
	TxPackets, TxBytes, TxErrors, TxDropped            atomic.Uint64
}

// Load returns the counters as they are now.
func (m *Meter) Load() Stats {
	return Stats{
		RxPackets: m.RxPackets.Load(),
		RxBytes:   m.RxBytes.Load(),
		RxErrors:  m.RxErrors.Load(),
		RxDropped: m.RxDropped.Load(),
		Multicast: m.Multicast.Load(),
		TxPackets: m.TxPackets.Load(),
		TxBytes:   m.TxBytes.Load(),
		TxErrors:  m.TxErrors.Load(),
		TxDropped: m.TxDropped.Load(),
	}
}
