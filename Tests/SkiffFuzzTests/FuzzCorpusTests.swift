import Testing
import SkiffFuzz

/// The bounded fuzz pass CI runs: every target over its committed seed corpus (valid inputs plus
/// every crasher found so far) and then a fixed number of deterministic mutations. A decoder that
/// traps, hangs past the time limit or breaks a target's invariant fails here.
@Suite("Fuzz corpus", .timeLimit(.minutes(5)))
struct FuzzCorpusTests {
    /// Mutations per target: a few seconds each in a debug build. Long runs: scripts/fuzz.sh.
    static let iterations = 3000

    @Test("every target has a seed corpus")
    func everyTargetHasSeeds() {
        for target in FuzzTargets.all {
            #expect(!FuzzRunner.corpus(target).isEmpty, "fuzz/corpus/\(target.name) is empty")
        }
    }

    @Test("a target survives its corpus and deterministic mutations of it", arguments: FuzzTargets.all.map(\.name))
    func survives(_ name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let seeds = FuzzRunner.corpus(target).map(\.bytes)
        let count = FuzzRunner.run(target, seeds: seeds, iterations: Self.iterations, seed: 0x5EED)
        #expect(count == seeds.count + Self.iterations)
    }

    @Test("the mutator is deterministic")
    func deterministic() {
        var a = FuzzMutator(seed: 7), b = FuzzMutator(seed: 7)
        let input = Array("{\"a\":[1,2,3]}".utf8)
        for _ in 0..<100 {
            #expect(a.mutate(input, others: [input], dictionary: [[0x7b]]) == b.mutate(input, others: [input], dictionary: [[0x7b]]))
        }
    }
}
