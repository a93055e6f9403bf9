package journal

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The file starts with magic and the SHA-256 of the base's bytes, then
// holds records: a 4-byte little-endian payload length, the payload's
// CRC32C (Castagnoli), 4 bytes little-endian, and the payload. A payload
// starts with its kind: kindPart holds command lines, each as a uvarint
// length and its bytes; kindCommit holds the uvarint count of the lines
// of the request it ends.
const (
	magic      = "govrfJ1\n"
	headerSize = int64(len(magic) + sha256.Size)
	frameSize  = 8

	kindPart   = 'P'
	kindCommit = 'C'

	// partSize is the payload beyond which a part record is written out.
	partSize = 64 << 10
	// MaxLine is the longest command line a journal takes.
	MaxLine = 4 << 20
	// maxRecord bounds a record's length: a longer one is corrupt.
	maxRecord = partSize + MaxLine + 2*binary.MaxVarintLen64
)

// Hash is the SHA-256 of a base's bytes.
type Hash [sha256.Size]byte

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header returns a journal's first bytes for base.
func header(base Hash) []byte {
	return append([]byte(magic), base[:]...)
}

// frame returns payload as a record.
func frame(payload []byte) []byte {
	b := make([]byte, frameSize, frameSize+len(payload))
	putFrame(b, payload)
	return append(b, payload...)
}

// putFrame writes payload's frame header into hdr.
func putFrame(hdr, payload []byte) {
	binary.LittleEndian.PutUint32(hdr, uint32(len(payload)))
	binary.LittleEndian.PutUint32(hdr[4:], crc32.Checksum(payload, castagnoli))
}

// errTorn ends a scan at a record that is short, fails its check or
// does not parse.
var errTorn = errors.New("torn or corrupt record")

// reader reads a journal's records after its header.
type reader struct {
	r   *bufio.Reader
	off int64 // offset of the next record
	buf []byte
}

// next returns the next record's payload (valid until the next call),
// io.EOF at a clean end, or errTorn.
func (rd *reader) next() ([]byte, error) {
	var fr [frameSize]byte
	n, err := io.ReadFull(rd.r, fr[:])
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		if n > 0 && err == io.ErrUnexpectedEOF {
			return nil, errTorn
		}
		return nil, err
	}
	size := binary.LittleEndian.Uint32(fr[:])
	if size == 0 || size > maxRecord {
		return nil, errTorn
	}
	if cap(rd.buf) < int(size) {
		rd.buf = make([]byte, size)
	}
	p := rd.buf[:size]
	if _, err := io.ReadFull(rd.r, p); err != nil {
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			return nil, errTorn
		}
		return nil, err
	}
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(fr[4:]) {
		return nil, errTorn
	}
	rd.off += int64(frameSize) + int64(size)
	return p, nil
}

// lines calls fn for each line of a part payload; errTorn if it does not
// parse.
func lines(p []byte, fn func(string) error) error {
	p = p[1:]
	for len(p) > 0 {
		n, k := binary.Uvarint(p)
		if k <= 0 || n > uint64(len(p)-k) {
			return errTorn
		}
		if err := fn(string(p[k : k+int(n)])); err != nil {
			return err
		}
		p = p[k+int(n):]
	}
	return nil
}

// commitCount returns the line count of a commit payload.
func commitCount(p []byte) (uint64, error) {
	n, k := binary.Uvarint(p[1:])
	if k <= 0 || k != len(p)-1 {
		return 0, errTorn
	}
	return n, nil
}

// scan reads the records after the header and returns the offset just
// after the last commit, the requests and lines it commits, and whether
// anything followed it (a torn or corrupt tail).
func scan(rd *reader) (good int64, requests, count int, tail bool, err error) {
	good = rd.off
	pending := uint64(0)
	for {
		p, err := rd.next()
		if err == io.EOF {
			return good, requests, count, rd.off != good, nil
		}
		if err == errTorn {
			return good, requests, count, true, nil
		}
		if err != nil {
			return 0, 0, 0, false, err
		}
		switch p[0] {
		case kindPart:
			if err := lines(p, func(string) error { pending++; return nil }); err != nil {
				return good, requests, count, true, nil
			}
		case kindCommit:
			n, err := commitCount(p)
			if err != nil || n != pending {
				return good, requests, count, true, nil
			}
			good, requests, count, pending = rd.off, requests+1, count+int(n), 0
		default:
			return good, requests, count, true, nil
		}
	}
}

// readHeader reads a journal's header and returns its base.
func readHeader(r io.Reader) (Hash, error) {
	var h [len(magic) + sha256.Size]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Hash{}, fmt.Errorf("no journal header: %w", err)
	}
	if string(h[:len(magic)]) != magic {
		return Hash{}, errors.New("not a govrf journal")
	}
	return Hash(h[len(magic):]), nil
}
