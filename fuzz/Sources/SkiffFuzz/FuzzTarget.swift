/// One fuzz target: a decoder of outside input, driven with arbitrary bytes.
///
/// `run` must return normally for every input: decoders report bad input by throwing (the target
/// swallows the error), so a trap, a crash or a hang inside `run` is a bug. Targets also check
/// invariants that must hold for every accepted input (a parsed value re-serializes and re-parses
/// to the same thing, an extracted layer stays inside its directory, …) and trap when one fails,
/// so the fuzzer reports it like a crash.
package struct FuzzTarget: Sendable {
    package var name: String
    package var summary: String
    /// Tokens the mutator splices in (the same role as a libFuzzer `-dict` file).
    package var dictionary: [String]
    package var run: @Sendable ([UInt8]) -> Void

    package init(_ name: String, _ summary: String, dictionary: [String] = [], run: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.dictionary = dictionary
        self.run = run
    }
}

package enum FuzzTargets {
    /// Every target, by name.
    package static let all: [FuzzTarget] = api + runtime + client

    package static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Trap with a message naming the broken invariant (libFuzzer saves the input as a crasher).
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant failed: \(message())") }
}
