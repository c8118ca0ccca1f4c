/// A small deterministic mutator for the bounded fuzz pass that runs in the test suite (the
/// long runs use libFuzzer's coverage-guided mutator, `scripts/fuzz.sh`). The same seed gives
/// the same inputs on every machine, so a failure in CI reproduces locally.
package struct FuzzMutator {
    private var state: UInt64
    package let maximumLength: Int

    package init(seed: UInt64, maximumLength: Int = 4096) {
        state = seed
        self.maximumLength = maximumLength
    }

    /// SplitMix64.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    package mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    private static let interesting: [UInt8] = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x22, 0x5c, 0x7b, 0x5b, 0x2f, 0x25]

    /// One to four stacked mutations of `input`; `others` are spliced from, `dictionary` inserted.
    package mutating func mutate(_ input: [UInt8], others: [[UInt8]], dictionary: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(4) {
            switch below(9) {
            case 0 where !bytes.isEmpty:  // flip a bit
                let i = below(bytes.count)
                bytes[i] ^= 1 << UInt8(below(8))
            case 1 where !bytes.isEmpty:  // an interesting byte
                bytes[below(bytes.count)] = Self.interesting[below(Self.interesting.count)]
            case 2 where !bytes.isEmpty:  // erase a run
                let start = below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + below(16)))
            case 3 where !bytes.isEmpty:  // duplicate a run
                let start = below(bytes.count)
                let run = Array(bytes[start..<min(bytes.count, start + 1 + below(64))])
                bytes.insert(contentsOf: run, at: below(bytes.count + 1))
            case 4, 5 where !dictionary.isEmpty:  // a token
                bytes.insert(contentsOf: dictionary[below(dictionary.count)], at: below(bytes.count + 1))
            case 6 where !others.isEmpty:  // splice another input's tail
                let other = others[below(others.count)]
                let cut = below(bytes.count + 1)
                bytes = Array(bytes[..<cut]) + Array(other[below(other.count + 1)...])
            case 7 where !bytes.isEmpty:  // a digit run, for lengths and numbers
                let digits = Array(String(next() >> UInt64(below(64))).utf8)
                bytes.insert(contentsOf: digits, at: below(bytes.count + 1))
            default:  // a random byte somewhere
                bytes.insert(UInt8(truncatingIfNeeded: next()), at: below(bytes.count + 1))
            }
        }
        if bytes.count > maximumLength { bytes.removeLast(bytes.count - maximumLength) }
        return bytes
    }
}
