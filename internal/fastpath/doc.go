// Package fastpath is govrf's eBPF fast path: an XDP or tc program,
// built at run time with cilium/ebpf's asm package, that forwards the
// packets it can decide exactly as the data plane (internal/dataplane)
// would, and hands every other packet on untouched (XDP_PASS, TC_ACT_OK)
// to the port that feeds the data plane, the slow path.
//
// The pieces: the maps the program reads and their Go layouts
// (maps.go); the program (prog.go, prog_ip.go, prog_out.go, and for
// XDP the checksum test and egress check of prog_csum.go); the
// compiler that turns a control snapshot and the ports' neighbour caches
// into map contents (compile.go and the files it names); and the loader
// that creates the maps and the program and swaps compiled contents in
// (load_linux.go). docs/fastpath.md lists what is forwarded and what is
// handed to the slow path, and why.
package fastpath
