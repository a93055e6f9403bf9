package mphash

import (
	"encoding/binary"
	"math/bits"
)

// Key is a SipHash-2-4 key: the two 64-bit words of the kernel's
// siphash_key_t.
type Key [2]uint64

// SeedKey is the key the kernel derives from fib_multipath_hash_seed
// (fib_multipath_hash_construct_key in include/net/ip_fib.h): the 32-bit
// seed repeated in both halves of each word.
func SeedKey(seed uint32) Key {
	w := uint64(seed)<<32 | uint64(seed)
	return Key{w, w}
}

// sipRound is one SipHash round.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// Siphash is SipHash-2-4 of b under k, as lib/siphash.c computes it for
// any length (words read little-endian, the length in the top byte of the
// last word). The flow hash runs the same core on words (sipWords); this
// form is the one checked against the reference vectors.
func Siphash(b []byte, k Key) uint64 {
	n := len(b)
	words := make([]uint64, 0, n/8)
	for ; len(b) >= 8; b = b[8:] {
		words = append(words, binary.LittleEndian.Uint64(b))
	}
	last := uint64(n) << 56
	for i := len(b) - 1; i >= 0; i-- {
		last |= uint64(b[i]) << (8 * i)
	}
	return sipCore(words, last, k)
}

// sipWords is Siphash of a message of n bytes, a multiple of 8, given as
// its little-endian words.
func sipWords(m []uint64, n uint64, k Key) uint64 { return sipCore(m, n<<56, k) }

// sipCore compresses the words m and the last word (the message's tail
// with its length in the top byte), then finalises. It is written out in
// locals rather than as a state with methods: the hash runs per packet.
func sipCore(m []uint64, last uint64, k Key) uint64 {
	v0 := k[0] ^ 0x736f6d6570736575
	v1 := k[1] ^ 0x646f72616e646f6d
	v2 := k[0] ^ 0x6c7967656e657261
	v3 := k[1] ^ 0x7465646279746573
	for _, w := range m {
		v3 ^= w
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= w
	}
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last
	v2 ^= 0xff
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// jhashInit is JHASH_INITVAL.
const jhashInit = 0xdeadbeef

// Jhash2Words is jhash_2words (include/linux/jhash.h): the final mix of
// Bob Jenkins' lookup3 over two words.
func Jhash2Words(a, b, initval uint32) uint32 {
	iv := initval + jhashInit + 2<<2
	a += iv
	b += iv
	c := iv
	rol := bits.RotateLeft32
	c ^= b
	c -= rol(b, 14)
	a ^= c
	a -= rol(c, 11)
	b ^= a
	b -= rol(a, 25)
	c ^= b
	c -= rol(b, 16)
	a ^= c
	a -= rol(c, 4)
	b ^= a
	b -= rol(a, 14)
	c ^= b
	c -= rol(b, 24)
	return c
}
