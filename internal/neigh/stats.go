package neigh

// Stats are one table's counters, named after the columns of Linux's
// /proc/net/stat/arp_cache and ndisc_cache (struct neigh_statistics).
// Entries is a gauge; the others count since the cache was made.
type Stats struct {
	Entries  uint64 // entries: in the table now
	Allocs   uint64 // allocs: entries created
	Destroys uint64 // destroys: entries removed
	// Lookups and Hits count the table lookups of Resolve and Input and
	// those that found an entry. As in Linux, where they count neigh_lookup
	// and not the lockless output path, Lookup is not counted.
	Lookups        uint64 // lookups
	Hits           uint64 // hits
	ResFailed      uint64 // res_failed: resolutions that ended in FAILED
	RcvProbesMcast uint64 // rcv_probes_mcast: multicast solicitations for our addresses (NDP)
	RcvProbesUcast uint64 // rcv_probes_ucast: unicast solicitations for our addresses (NDP)
	PeriodicGCRuns uint64 // periodic_gc_runs
	ForcedGCRuns   uint64 // forced_gc_runs
	UnresDiscards  uint64 // unresolved_discards: queued packets dropped for a full queue
	TableFulls     uint64 // table_fulls: entries refused at gc_thresh3
	// IncompleteFulls counts entries refused because MaxIncomplete
	// resolutions were already in progress (govrf; RFC 6583 §7.1.1).
	IncompleteFulls uint64
	// GlobalFulls counts entries refused because the Budget shared by
	// every cache was spent and forced GC freed none of the table's own
	// (govrf; net.govrf.neigh.max_entries).
	GlobalFulls uint64
}
