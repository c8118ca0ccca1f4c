import Foundation

/// Runs a target over its seed corpus and then over deterministic mutations of it.
package enum FuzzRunner {
    /// `fuzz/corpus` of this checkout.
    package static let corpusRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("corpus")

    /// The seed inputs of `target` (`fuzz/corpus/<name>/*`), sorted by file name.
    package static func corpus(_ target: FuzzTarget, root: URL = corpusRoot) -> [(name: String, bytes: [UInt8])] {
        let directory = root.appendingPathComponent(target.name)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return (name, Array(data))
        }
    }

    /// Runs every seed, then `iterations` mutations (seeded by `seed`); returns how many inputs ran.
    /// `progress` sees each input before it runs, so a crash can be traced to it.
    @discardableResult
    package static func run(_ target: FuzzTarget, seeds: [[UInt8]], iterations: Int, seed: UInt64,
                            progress: ([UInt8]) -> Void = { _ in }) -> Int {
        for input in seeds {
            progress(input)
            target.run(input)
        }
        var mutator = FuzzMutator(seed: seed)
        let dictionary = target.dictionary.map { Array($0.utf8) }
        var pool = seeds.isEmpty ? [[]] : seeds
        for _ in 0..<iterations {
            let base = pool[mutator.below(pool.count)]
            let input = mutator.mutate(base, others: pool, dictionary: dictionary)
            progress(input)
            target.run(input)
            // Keep a few mutants as bases, so mutations stack beyond one step from the seeds.
            if pool.count < 256 || mutator.below(8) == 0 { pool.append(input) }
            if pool.count > 512 { pool.remove(at: mutator.below(pool.count)) }
        }
        return seeds.count + iterations
    }
}
