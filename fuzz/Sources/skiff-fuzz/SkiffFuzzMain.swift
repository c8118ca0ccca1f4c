import Foundation
import SkiffFuzz

#if SKIFF_LIBFUZZER
// Built by scripts/fuzz.sh with `--sanitize=fuzzer -Xswiftc -DSKIFF_LIBFUZZER`: libFuzzer owns
// `main` and the command line, so the target comes from the environment.
nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selected == nil {
        let name = ProcessInfo.processInfo.environment["SKIFF_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTargets.named(name) else {
            fatalError("SKIFF_FUZZ_TARGET must name a target: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
        }
        selected = target
    }
    selected?.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#else
/// `skiff-fuzz list` · `skiff-fuzz dict TARGET` (a libFuzzer dictionary) · `skiff-fuzz TARGET [FILE…]` replays files (a crasher from libFuzzer) ·
/// `skiff-fuzz TARGET --iterations N [--seed S]` runs the corpus and N deterministic mutations.
@main
struct SkiffFuzzMain {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, name != "list" else {
            for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
            return
        }
        arguments.removeFirst()
        if name == "dict", let target = arguments.first.flatMap(FuzzTargets.named) {
            // libFuzzer's -dict format: one quoted token a line, bytes outside printable ASCII as \xNN.
            for token in target.dictionary {
                let escaped = token.utf8.map { byte -> String in
                    byte >= 0x20 && byte < 0x7f && byte != 0x22 && byte != 0x5c
                        ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
                }
                print("\"\(escaped.joined())\"")
            }
            return
        }
        guard let target = FuzzTargets.named(name) else {
            FileHandle.standardError.write(Data("unknown target \(name); `skiff-fuzz list` names them\n".utf8))
            exit(2)
        }
        var iterations = 0
        var seed: UInt64 = 1
        var files: [String] = []
        while let argument = arguments.first {
            arguments.removeFirst()
            switch argument {
            case "--iterations": iterations = Int(arguments.first ?? "") ?? 0; if !arguments.isEmpty { arguments.removeFirst() }
            case "--seed": seed = UInt64(arguments.first ?? "") ?? 1; if !arguments.isEmpty { arguments.removeFirst() }
            default: files.append(argument)
            }
        }
        if !files.isEmpty {
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                print("running \(file) (\(data.count) bytes)")
                target.run(Array(data))
            }
            return
        }
        let seeds = FuzzRunner.corpus(target).map(\.bytes)
        let count = FuzzRunner.run(target, seeds: seeds, iterations: iterations, seed: seed)
        print("\(target.name): \(count) inputs, no failure")
    }
}
#endif
